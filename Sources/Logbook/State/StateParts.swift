internal import LogbookEvents
package import LogbookStorage

/// The model registry: models by ordinal - 1, and their ordinals by name (derived, not encoded).
struct Registry: ReplayedPart {
    var models: [Model] = []
    var byName: [String: Int] = [:]

    init(_ models: [Model] = []) {
        self.models = models
        for m in models { byName[m.name] = m.ordinal }
    }

    /// Applies an event that changes the registry and nothing else (of `version.registered`, the registry's half):
    /// reading nothing but the registry, it can wait until the registry is first read.
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition) {
        switch event {
        case let .modelCreated(model, name, description, owner, purpose, riskTier):
            guard model == models.count + 1 else { return }
            models.append(Model(ordinal: model, name: name, description: description, owner: owner, purpose: purpose,
                                riskTier: riskTier, createdTime: timestamp, events: [position]))
            byName[name] = model
        case let .modelUpdated(model, description, owner, purpose, riskTier, validation):
            withModel(model, position) { m in
                if let description { m.description = description }
                if let owner { m.owner = owner }
                if let purpose { m.purpose = purpose }
                if let riskTier { m.riskTier = riskTier }
                if let validation { m.validation = validation }
            }
        case let .modelDeleted(model):
            withModel(model, position) { m in m.isDeleted = true }
        case let .modelRestored(model):
            withModel(model, position) { m in m.isDeleted = false }
        case let .versionRegistered(model, version, run, artifactPath, artifactSHA256, parent, description, datasets, metrics):
            withModel(model, position) { m in
                guard version == m.versions.count + 1 else { return }
                m.versions.append(ModelVersion(number: version, run: run, artifactPath: artifactPath,
                                               artifactSHA256: artifactSHA256, parent: parent, description: description,
                                               datasets: datasets, metrics: metrics, createdTime: timestamp,
                                               stageTime: timestamp))
            }
        case let .stageChanged(model, version, _, to, archived):
            withModel(model, position) { m in
                for a in archived where a >= 1 && a <= m.versions.count {
                    m.versions[a - 1].stage = .archived
                    m.versions[a - 1].stageTime = timestamp
                }
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].stage = to
                m.versions[version - 1].stageTime = timestamp
                m.versions[version - 1].pendingPromotionBy = nil
            }
        case let .aliasSet(model, alias, version):
            withModel(model, position) { m in m.aliases.set(alias, String(version)) }
        case let .aliasRemoved(model, alias):
            withModel(model, position) { m in m.aliases.remove(alias) }
        case let .policySet(model, policy):
            withModel(model, position) { m in m.policy = policy }
        case let .promotionEvaluated(model, version, evaluation):
            withModel(model, position) { m in
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].pendingPromotionBy = evaluation.decision == .pendingApproval ? actor : nil
            }
        case let .promotionApproved(model, _):
            withModel(model, position) { _ in }
        case let .promotionRejected(model, version):
            withModel(model, position) { m in
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].pendingPromotionBy = nil
            }
        case let .rollbackPerformed(model, _, _):
            withModel(model, position) { _ in }
        case .driftChecked(let model, _, _, _, _, _, _, _, _):
            withModel(model, position) { _ in }
        default:
            preconditionFailure("not a registry event: \(EventCodec.tag(of: event))")
        }
    }

    private mutating func withModel(_ model: Int, _ position: LogPosition, _ body: (inout Model) -> Void) {
        guard model >= 1 && model <= models.count else { return }
        body(&models[model - 1])
        models[model - 1].events.append(position)
    }
}

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
                t.assign(units.map { ABTest.unitHash(salt: t.salt, unit: $0) }, variants: variants)
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
