public import LogbookEvents
internal import LogbookStorage

extension LogbookStore {
    /// The change record of one model version, in log order (`audit trail model:NAME/VERSION`): the start of its
    /// source run (code version, source) and its registration (run, data digests, artifact digest), every promotion
    /// evaluation with its numbers, approvals and rejections, every stage change that moved it (to or from, or
    /// archived it as a side effect) and the rollbacks behind them, every alias that pointed at it or away from it,
    /// the model's validation status changes, the conclusions of A/B tests it took part in, and monitoring alerts
    /// about it. As of the state `past` (default: now).
    public func changeRecord(model name: String, version number: Int, in past: LogbookState? = nil) throws(LogbookError) -> [EventEnvelope] {
        let s = past ?? state
        guard let m = s.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        guard number >= 1 && number <= m.versions.count else {
            throw LogbookError.notFound("Model '\(name)' has no version \(number) (it has \(m.versions.count))")
        }
        let run = s.runs[m.versions[number - 1].run - 1]
        var positions = Array(run.otherEvents.prefix(1)) // run.started
        positions = Self.merged(positions, m.events)
        for t in s.abTests where t.model == m.ordinal && t.variants.contains(where: { $0.version == number }) {
            positions = Self.merged(positions, t.events)
        }
        var trail: [EventEnvelope] = []
        var aliases: [String: Int] = [:]
        var rollback: EventEnvelope? // a rollback whose batch (the events right after it) is being read
        var previous: UInt64 = 0
        for e in try events(at: positions) {
            if rollback != nil && e.sequence != previous + 1 { rollback = nil }
            previous = e.sequence
            var keep = false
            switch e.event {
            case .runStarted: keep = true
            case let .versionRegistered(_, v, _, _, _, _, _, _, _),
                 let .promotionEvaluated(_, v, _), let .promotionApproved(_, v), let .promotionRejected(_, v),
                 let .alertRaised(_, v, _, _, _, _, _):
                keep = v == number
            case let .stageChanged(_, v, _, _, archived):
                keep = v == number || archived.contains(number)
            case let .aliasSet(_, alias, v):
                keep = v == number || aliases[alias] == number
                aliases[alias] = v
            case let .aliasRemoved(_, alias):
                keep = aliases[alias] == number
                aliases[alias] = nil
            case let .modelUpdated(_, _, _, _, _, validation):
                keep = validation != nil
            case .abTestConcluded:
                keep = true
            case .rollbackPerformed:
                rollback = e
                continue
            default:
                keep = false
            }
            // A rollback is kept when a stage or alias change of its own batch (right after it) touches this version.
            if keep, let r = rollback {
                trail.append(r)
                rollback = nil
            }
            if keep { trail.append(e) }
        }
        return trail
    }
}
