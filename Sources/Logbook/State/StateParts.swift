package import LogbookStorage

/// The model registry: models by ordinal - 1, and their ordinals by name (derived, not encoded).
struct Registry: Sendable {
    var models: [Model] = []
    var byName: [String: Int] = [:]

    init(_ models: [Model] = []) {
        self.models = models
        for m in models { byName[m.name] = m.ordinal }
    }
}

/// The A/B tests: by ordinal - 1, and their ordinals by name (derived, not encoded).
struct ABTests: Sendable {
    var tests: [ABTest] = []
    var byName: [String: Int] = [:]

    init(_ tests: [ABTest] = []) {
        self.tests = tests
        for t in tests { byName[t.name] = t.ordinal }
    }
}

/// The positions of each actor's events, by actor id: the snapshot's lists (left in it until read) and those
/// appended since, kept apart so that noting an event's actor never decodes the snapshot's.
package struct ActorEvents: Equatable, Sendable {
    var snapshot = LazyPart<[[LogPosition]]>([])
    private var since: [[LogPosition]] = []

    init() {}

    init(snapshot: LazyPart<[[LogPosition]]>) { self.snapshot = snapshot }

    /// Notes an event of actor `actor` (the replay path: no decoding).
    mutating func append(actor: Int, _ position: LogPosition) {
        while since.count <= actor { since.append([]) }
        since[actor].append(position)
    }

    /// The positions of one actor's events, in log order.
    package func events(of actor: Int) -> [LogPosition] {
        let old = snapshot.value
        let stored = actor < old.count ? old[actor] : []
        return actor < since.count ? stored + since[actor] : stored
    }

    /// Every actor's list.
    package var all: [[LogPosition]] {
        let old = snapshot.value
        return (0..<max(old.count, since.count)).map { events(of: $0) }
    }

    package static func == (a: ActorEvents, b: ActorEvents) -> Bool { a.all == b.all }
}
