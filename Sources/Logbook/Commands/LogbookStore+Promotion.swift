public import LogbookEvents

/// One stage or alias change of a model, for `model history`.
public struct ModelChange: Equatable, Sendable {
    /// When.
    public var time: Int64
    /// The event's sequence number.
    public var sequence: UInt64
    /// Who.
    public var actor: String
    /// Why.
    public var reason: String?
    /// What: "stage", "alias", "rollback" or "alert" (a monitoring alert: `from` is "kind metric threshold", `to`
    /// the value observed, `reason` the alert's message).
    public var kind: String
    /// The version concerned.
    public var version: Int?
    /// The alias concerned.
    public var alias: String?
    /// From (a stage name, or the version an alias pointed at).
    public var from: String?
    /// To.
    public var to: String?
}

extension LogbookStore {
    /// Sets a model's promotion policy.
    public func setPolicy(model name: String, _ policy: PromotionPolicy, _ context: WriteContext) throws(LogbookError) {
        let m = try requireModel(name)
        try Validate.name(policy.metric, "policy metric", limit: 250)
        if let p = policy.improvementPercent, !(p >= 0 && p.isFinite) {
            throw LogbookError.usage("--improvement must be a percentage of 0 or more")
        }
        if let l = policy.maxLatencyMs, !(l > 0 && l.isFinite) {
            throw LogbookError.usage("--max-latency-ms must be a positive number")
        }
        if let v = policy.minimum, !v.isFinite { throw LogbookError.usage("--min must be a finite number") }
        try append([.policySet(model: m.ordinal, policy: policy)], context)
    }

    /// Evaluates `version` against the model's policy and its champion (the current Production version).
    public func evaluatePromotion(model m: Model, version number: Int) throws(LogbookError) -> PromotionEvaluation {
        guard let policy = m.policy else {
            throw LogbookError.refused("Model '\(m.name)' has no promotion policy; set one with 'logbook model policy \(m.name) --metric KEY'")
        }
        let v = try requireVersion(m, number)
        func metric(_ run: Int, _ key: String) -> Double? {
            guard let id = state.metricKeys.id(of: key) else { return nil }
            return state.runs[run - 1].latest.first { $0.key == id }?.value
        }
        let challenger = metric(v.run, policy.metric)
        let champion = m.production
        // A champion without a usable value (missing or NaN) cannot be compared: the challenger is judged on the
        // policy's other rules alone.
        let championValue = champion.flatMap { metric($0.run, policy.metric) }.flatMap { $0.isNaN ? nil : $0 }
        var improvement: Double?
        if let c = challenger, let b = championValue, b != 0, c.isFinite, b.isFinite {
            improvement = (policy.lowerIsBetter ? (b - c) : (c - b)) / abs(b) * 100
        }
        let latency = policy.maxLatencyMs != nil ? metric(v.run, "latency_ms") : nil
        var failures: [String] = []
        if let c = challenger, !c.isNaN {
            if let min = policy.minimum, policy.lowerIsBetter ? c > min : c < min {
                failures.append("\(policy.metric) \(Self.format(c)) is \(policy.lowerIsBetter ? "above the maximum" : "below the minimum") \(Self.format(min))")
            }
            if let champion, let b = championValue {
                let better = policy.lowerIsBetter ? c < b : c > b
                if let need = policy.improvementPercent {
                    if let imp = improvement {
                        if imp < need {
                            failures.append("improvement \(Self.percent(imp)) over version \(champion.number) is below the required \(Self.percent(need))")
                        }
                    } else if !better {
                        failures.append("\(policy.metric) \(Self.format(c)) does not beat version \(champion.number)'s \(Self.format(b))")
                    }
                } else if !better && c != b {
                    failures.append("\(policy.metric) \(Self.format(c)) is worse than version \(champion.number)'s \(Self.format(b))")
                }
            }
        } else {
            failures.append("the run of version \(number) has no value for \(policy.metric)")
        }
        if let max = policy.maxLatencyMs {
            if let l = latency {
                if !(l <= max) { failures.append("latency_ms \(Self.format(l)) exceeds the maximum \(Self.format(max))") }
            } else {
                failures.append("the run of version \(number) has no latency_ms metric (the policy has a maximum)")
            }
        }
        let decision: PromotionDecision = !failures.isEmpty ? .rejected : policy.requiresApproval ? .pendingApproval : .promoted
        let explanation = failures.isEmpty
            ? (decision == .promoted ? "passes the policy" : "passes the policy; awaiting approval")
            : failures.joined(separator: "; ")
        return PromotionEvaluation(challengerValue: challenger, champion: champion?.number, championValue: championValue,
                                   improvementPercent: improvement, latencyMs: latency, decision: decision,
                                   explanation: explanation)
    }

    /// `model promote`: evaluates, records the evaluation whatever the outcome, then promotes (archiving the
    /// champion in the same append) or leaves the version pending approval. A rejection is recorded and then
    /// reported as refused (exit 4). `dryRun` evaluates and records nothing.
    public func promote(model name: String, version number: Int, dryRun: Bool = false,
                        _ context: WriteContext) throws(LogbookError) -> PromotionEvaluation {
        let m = try requireModel(name)
        let v = try requireVersion(m, number)
        guard v.stage != .production else {
            throw LogbookError.refused("Version \(number) of '\(name)' is already in Production")
        }
        guard v.pendingPromotionBy == nil else {
            throw LogbookError.refused("Version \(number) of '\(name)' is already awaiting approval")
        }
        let evaluation = try evaluatePromotion(model: m, version: number)
        if dryRun { return evaluation }
        var events: [Event] = [.promotionEvaluated(model: m.ordinal, version: number, evaluation: evaluation)]
        if evaluation.decision == .promoted { events.append(stageChange(m, to: number, stage: .production)) }
        var ctx = context
        if ctx.reason == nil { ctx.reason = "promotion: \(evaluation.explanation)" }
        try append(events, ctx)
        return evaluation
    }

    /// Approves a pending promotion: the version goes to Production (archiving the champion) in the same append.
    public func approve(model name: String, version number: Int, _ context: WriteContext) throws(LogbookError) {
        _ = try context.requireReason("an approval")
        let m = try requireModel(name)
        let v = try requireVersion(m, number)
        guard let requester = v.pendingPromotionBy else {
            throw LogbookError.refused("Version \(number) of '\(name)' has no promotion awaiting approval")
        }
        if m.policy?.separateApprover == true && requester == recordedActor(context.actor) {
            throw LogbookError.refused("\(context.actor) asked for this promotion and cannot approve it: the policy needs a separate approver")
        }
        try append([.promotionApproved(model: m.ordinal, version: number), stageChange(m, to: number, stage: .production)],
                   context)
    }

    /// Rejects a pending promotion.
    public func reject(model name: String, version number: Int, _ context: WriteContext) throws(LogbookError) {
        _ = try context.requireReason("a rejection")
        let m = try requireModel(name)
        let v = try requireVersion(m, number)
        guard v.pendingPromotionBy != nil else {
            throw LogbookError.refused("Version \(number) of '\(name)' has no promotion awaiting approval")
        }
        try append([.promotionRejected(model: m.ordinal, version: number)], context)
    }

    /// Rolls a model back: without `to`, the previous Production version returns to Production; with `to`, the
    /// stages and aliases of every version become what they were then (versions registered later are archived).
    /// New events; the past is not touched. Returns the events appended.
    @discardableResult
    public func rollback(model name: String, to moment: Moment? = nil, _ context: WriteContext) throws(LogbookError) -> [Event] {
        _ = try context.requireReason("a rollback")
        let m = try requireModel(name)
        var events: [Event] = []
        if let moment {
            let sequence = try self.sequence(at: moment)
            let past = try state(at: .sequence(sequence))
            let time = past.lastTimestamp
            events.append(.rollbackPerformed(model: m.ordinal, toTime: time, toSequence: sequence))
            let then = past.modelCount >= m.ordinal ? past.model(ordinal: m.ordinal) : nil
            // Stage changes: first away from Production/Staging, then into them, so the order reads naturally.
            var changes: [(Int, Stage, Stage)] = []
            for v in m.versions {
                let old = then.flatMap { $0.versions.count >= v.number ? $0.versions[v.number - 1].stage : nil } ?? .archived
                let target = (then?.versions.count ?? 0) >= v.number ? old : (v.stage == .none ? .none : .archived)
                if target != v.stage { changes.append((v.number, v.stage, target)) }
            }
            changes.sort { rank($0.2) < rank($1.2) }
            for (n, from, to) in changes {
                events.append(.stageChanged(model: m.ordinal, version: n, from: from, to: to, archived: []))
            }
            let oldAliases = then?.aliases ?? []
            for a in m.aliases where !oldAliases.contains(where: { $0.key == a.key }) {
                events.append(.aliasRemoved(model: m.ordinal, alias: a.key))
            }
            for a in oldAliases where m.aliases.first(where: { $0.key == a.key })?.value != a.value {
                events.append(.aliasSet(model: m.ordinal, alias: a.key, version: Int(a.value) ?? 0))
            }
            guard events.count > 1 else {
                throw LogbookError.refused("The stages and aliases of '\(name)' are already what they were at \(Timestamp.iso(time))")
            }
        } else {
            let current = m.production
            var previous: Int?
            for change in try history(model: name) where change.kind == "stage" && change.to == Stage.production.name {
                if let v = change.version, v != current?.number, v >= 1, v <= m.versions.count,
                   m.versions[v - 1].stage != .production { previous = v }
            }
            guard let previous, previous >= 1, previous <= m.versions.count else {
                throw LogbookError.refused("Model '\(name)' has no earlier Production version to roll back to")
            }
            events.append(.rollbackPerformed(model: m.ordinal, toTime: nil, toSequence: nil))
            events.append(stageChange(m, to: previous, stage: .production))
        }
        try append(events, context)
        return events
    }

    private func rank(_ s: Stage) -> Int {
        switch s {
        case .archived: 0
        case .none: 1
        case .staging: 2
        case .production: 3
        }
    }

    /// Every stage and alias change of a model (and its rollbacks), oldest first.
    public func history(model name: String, in past: LogbookState? = nil) throws(LogbookError) -> [ModelChange] {
        let s = past ?? state
        guard let m = s.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        var changes: [ModelChange] = []
        for e in try events(at: m.events) {
            var c = ModelChange(time: e.timestamp, sequence: e.sequence, actor: displayName(ofActor: e.actor), reason: e.reason, kind: "")
            switch e.event {
            case let .stageChanged(_, version, from, to, archived):
                for a in archived {
                    var archive = c
                    archive.kind = "stage"
                    archive.version = a
                    archive.from = to.name // only versions already in the target stage are archived
                    archive.to = Stage.archived.name
                    changes.append(archive)
                }
                c.kind = "stage"
                c.version = version
                c.from = from.name
                c.to = to.name
            case let .aliasSet(_, alias, version):
                c.kind = "alias"
                c.alias = alias
                c.to = String(version)
            case let .aliasRemoved(_, alias):
                c.kind = "alias"
                c.alias = alias
            case let .rollbackPerformed(_, toTime, _):
                c.kind = "rollback"
                c.to = toTime.map(Timestamp.iso) ?? "previous production"
            case let .alertRaised(_, version, kind, metric, threshold, observed, message):
                c.kind = "alert"
                c.version = version
                c.from = "\(kind) \(metric) \(Self.format(threshold))"
                c.to = Self.format(observed)
                c.reason = message
            default:
                continue
            }
            changes.append(c)
        }
        // Fill in where each alias pointed before.
        var aliasAt: [String: String] = [:]
        for i in changes.indices where changes[i].kind == "alias" {
            let a = changes[i].alias!
            changes[i].from = aliasAt[a]
            aliasAt[a] = changes[i].to
        }
        return changes
    }

    static func percent(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return "\(r)%"
    }
}
