public import LogbookEvents
internal import LogbookStorage

/// What `audit log --entity` names: `experiment:NAME`, `run:ID`, `model:NAME` (the model and its versions).
public enum EntityReference: Equatable, Sendable {
    case experiment(String), run(String), model(String), ab(String)

    /// Parses `KIND:NAME`.
    public init(parsing text: String) throws(LogbookError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw LogbookError.usage("'\(text)' is not an entity: use experiment:NAME, run:ID, model:NAME or ab:NAME")
        }
        let kind = text[..<colon], name = String(text[text.index(after: colon)...])
        guard !name.isEmpty else { throw LogbookError.usage("The entity '\(text)' has no name after the colon") }
        switch kind {
        case "experiment": self = .experiment(name)
        case "run": self = .run(name)
        case "model": self = .model(name)
        case "ab": self = .ab(name)
        default: throw LogbookError.usage("Unknown entity kind '\(kind)': use experiment, run, model or ab")
        }
    }
}

/// Filters of `audit log`.
public struct AuditQuery: Equatable, Sendable {
    /// Only events about this entity.
    public var entity: EntityReference?
    /// Only events by this actor.
    public var actor: String?
    /// Only events at or after this time.
    public var since: Int64?
    /// Only events at or before this time.
    public var until: Int64?
    /// At most this many, the first ones in log order.
    public var limit: Int?
    /// Only events at or after this sequence number (`--since #N`).
    public var fromSequence: UInt64?
    /// Only events at or before this sequence number (`--until #N`).
    public var throughSequence: UInt64?

    /// A query.
    public init(entity: EntityReference? = nil, actor: String? = nil, since: Int64? = nil, until: Int64? = nil,
                limit: Int? = nil) {
        self.entity = entity
        self.actor = actor
        self.since = since
        self.until = until
        self.limit = limit
    }
}

extension LogbookStore {
    /// The events matching `query`, in log order, as of the state `past` (default: now).
    ///
    /// Entity and actor filters read only the positions the audit index holds for them; without either the log is
    /// scanned from the first event at or after `since`.
    public func auditEvents(_ query: AuditQuery, in past: LogbookState? = nil) throws(LogbookError) -> [EventEnvelope] {
        let s = past ?? state
        if let limit = query.limit, limit < 0 { throw LogbookError.usage("--limit must be 0 or more") }
        var positions: [LogPosition]?
        if let entity = query.entity {
            switch entity {
            case .experiment(let name):
                guard let e = s.experiments.last(where: { $0.name == name }) else {
                    throw LogbookError.notFound("No experiment named '\(name)'")
                }
                positions = s.experimentEvents[e.id - 1]
            case .run(let id):
                guard let r = s.run(id: id) else { throw LogbookError.notFound("No run with id '\(id)'") }
                positions = Self.merged(r.otherEvents, r.metricEvents)
            case .model(let name):
                guard let m = s.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
                positions = m.events
            case .ab(let name):
                guard let t = s.abTest(named: name) else { throw LogbookError.notFound("No A/B test named '\(name)'") }
                positions = t.events
            }
        }
        if let name = query.actor {
            let actor = recordedActorForQuery(name)
            let mine = s.actors.id(of: actor).map { s.actorEvents.events(of: Int($0)) } ?? []
            if let p = positions {
                let set = Set(mine)
                positions = p.filter { set.contains($0) }
            } else {
                positions = mine
            }
        }
        var result: [EventEnvelope] = []
        let limit = query.limit ?? .max
        func keep(_ e: EventEnvelope) -> Bool {
            if let since = query.since, e.timestamp < since { return false }
            if let until = query.until, e.timestamp > until { return false }
            if let from = query.fromSequence, e.sequence < from { return false }
            if let through = query.throughSequence, e.sequence > through { return false }
            return true
        }
        if limit == 0 { return [] }
        if let positions {
            // In log order, so sequence numbers and times never decrease along them: the first event at or after
            // the lower bounds is found by a binary search, and reading stops at the limit or past the upper bounds.
            let retained = retained(positions)
            var i = try firstPosition(in: retained, sequence: query.fromSequence ?? 0, time: query.since ?? .min)
            while i < retained.count && result.count < limit {
                let e = try event(at: retained[i])
                if let until = query.until, e.timestamp > until { break }
                if let through = query.throughSequence, e.sequence > through { break }
                if keep(e) { result.append(e) }
                i += 1
            }
        } else {
            var from: UInt64 = max(1, query.fromSequence ?? 1)
            if let since = query.since {
                from = max(from, try sequence(at: .time(since - 1)) + 1)
            }
            try forEachEvent(from: from, through: min(s.lastSequence, query.throughSequence ?? .max)) { e in
                if let until = query.until, e.timestamp > until { return false }
                if keep(e) { result.append(e) }
                return result.count < limit
            }
        }
        return result
    }

    /// The index of the first of `positions` (in log order) whose record has a sequence number of at least `sequence`
    /// and a time of at least `time` (`positions.count` when none): a binary search, reading one record per step.
    private func firstPosition(in positions: [LogPosition], sequence: UInt64, time: Int64) throws(LogbookError) -> Int {
        guard sequence > 1 || time > .min else { return 0 }
        var lo = 0, hi = positions.count
        do {
            while lo < hi {
                let mid = (lo + hi) / 2
                let (s, t) = try reader.record(at: positions[mid]) { ($0.sequence, $0.timestamp) }
                if s < sequence || t < time { lo = mid + 1 } else { hi = mid }
            }
        } catch { throw Self.wrap(error) }
        return lo
    }

    /// The points of one metric of a run, in the order logged. Reads only that run's metric events.
    public func metricHistory(run id: String, key: String, in past: LogbookState? = nil) throws(LogbookError) -> [MetricPoint] {
        let s = past ?? state
        guard let r = s.run(id: id) else { throw LogbookError.notFound("No run with id '\(id)'") }
        guard s.metricKeys.id(of: key).map({ k in r.latest.contains { $0.key == k } }) == true else {
            throw LogbookError.notFound("Run '\(id)' has no metric '\(key)'")
        }
        var points: [MetricPoint] = []
        let keyBytes = Array(key.utf8)
        do {
            for p in retained(r.metricEvents) {
                try reader.record(at: p) { record in
                    try EventCodec.forEachMetricPoint(payload: record.payload) { _, k, point in
                        if k.elementsEqual(keyBytes) { points.append(point) }
                    }
                }
            }
        } catch { throw Self.wrap(error) }
        return points
    }

    static func merged(_ a: [LogPosition], _ b: [LogPosition]) -> [LogPosition] {
        var out: [LogPosition] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && (a[i].segment, a[i].offset) < (b[j].segment, b[j].offset)) {
                out.append(a[i]); i += 1
            } else {
                out.append(b[j]); j += 1
            }
        }
        return out
    }
}
