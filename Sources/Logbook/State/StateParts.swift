internal import LogbookEvents
package import LogbookStorage

/// The A/B tests: by ordinal - 1, and their ordinals by name (derived, not encoded).
struct ABTests: ReplayedPart {
    var tests: [ABTest] = []
    var byName: [String: Int] = [:]

    init(_ tests: [ABTest] = []) {
        self.tests = tests
        for t in tests { byName[t.name] = t.ordinal }
    }

    /// Applies an A/B event (they change the A/B tests and nothing else, so they can wait for the first read).
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition) {
        switch event {
        case let .abTestCreated(test, name, model, variants, metric, continuous, guardrails, minimumSample, alpha, salt,
                                sequential):
            guard test == tests.count + 1 else { return }
            var t = ABTest(ordinal: test, name: name, model: model, variants: variants, metric: metric, continuous: continuous,
                           guardrails: guardrails, minimumSample: minimumSample, alpha: alpha, salt: salt,
                           sequential: sequential, createdTime: timestamp)
            t.events = [position]
            tests.append(t)
            byName[name] = test
        case let .abTestStarted(test):
            withTest(test, position) { t in
                t.status = .running
                t.startedTime = timestamp
            }
        case let .abUnitsAssigned(test, units, variants):
            withTest(test, position) { t in
                t.assign(units: units, variants: variants)
            }
        case let .abOutcomesRecorded(test, outcomes):
            withTest(test, position) { t in t.record(outcomes) }
        case let .abTestStopped(test):
            withTest(test, position) { t in
                t.status = .stopped
                t.stoppedTime = timestamp
            }
        case let .abTestConcluded(test, decision, promotedVariant):
            withTest(test, position) { t in
                t.status = .concluded
                t.decision = decision
                t.promotedVariant = promotedVariant
            }
        default:
            preconditionFailure("not an A/B event: \(EventCodec.tag(of: event))")
        }
    }

    private mutating func withTest(_ test: Int, _ position: LogPosition, _ body: (inout ABTest) -> Void) {
        guard test >= 1 && test <= tests.count else { return }
        body(&tests[test - 1])
        tests[test - 1].events.append(position)
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
