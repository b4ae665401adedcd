internal import LogbookEvents
package import LogbookStorage

/// Everything the projections know, folded from the log's events. A pure function of the events applied:
/// replaying the same events always gives the same state (and the same encoded bytes).
public struct LogbookState: Equatable, Sendable {
    /// Experiments by id - 1.
    public internal(set) var experiments: [Experiment] = []
    /// Runs by ordinal - 1 (decoded from a snapshot only when read).
    public internal(set) var runs = RunTable()
    /// The model registry (decoded from a snapshot only when read).
    var registry = LazyPart(Registry())
    /// Models by ordinal - 1.
    public internal(set) var models: [Model] {
        get { registry.value.models }
        _modify { yield &registry.value.models }
    }
    /// The A/B tests (decoded from a snapshot only when read).
    var abPart = LazyPart(ABTests())
    /// A/B tests by ordinal - 1.
    public internal(set) var abTests: [ABTest] {
        get { abPart.value.tests }
        _modify { yield &abPart.value.tests }
    }
    /// Monitoring (decoded from a snapshot only when read).
    var monitoring = LazyPart(Monitoring())
    /// Monitoring per model version, sorted by (model, version).
    public internal(set) var monitors: [VersionMonitor] {
        get { monitoring.value.monitors }
        _modify { yield &monitoring.value.monitors }
    }
    /// Monitoring alerts, in the order raised.
    public internal(set) var alerts: [MonitorAlert] {
        get { monitoring.value.alerts }
        _modify { yield &monitoring.value.alerts }
    }
    /// Monitoring thresholds set per model (ordinal); models without an entry use the defaults.
    public internal(set) var monitorThresholds: [Int: MonitorThresholds] {
        get { monitoring.value.thresholds }
        _modify { yield &monitoring.value.thresholds }
    }
    /// Interned metric keys.
    public internal(set) var metricKeys = StringTable()
    /// Interned actors.
    public internal(set) var actors = StringTable()
    /// Positions of each actor's events, by actor id.
    package internal(set) var actorEvents = ActorEvents()
    /// Positions of each experiment's own events (not its runs'), by id - 1.
    package internal(set) var experimentEvents: [[LogPosition]] = []
    /// The minimum retention in days set by `retention set` (nil: never set; ``retentionDays`` gives the default).
    public internal(set) var retentionSetting: Int?
    /// The newest prune: records 1...through were removed from the log, which is verified from `chain` after it.
    public internal(set) var pruned: PruneCheckpoint?
    /// Pseudonyms whose person was erased from the pseudonym map, in the order erased.
    public internal(set) var erasedPseudonyms: [String] = []
    /// The newest sequence number applied.
    public internal(set) var lastSequence: UInt64 = 0
    /// Its timestamp.
    public internal(set) var lastTimestamp: Int64 = .min

    // Derived lookups, rebuilt after decoding; not part of the encoded state.
    var experimentByName: [String: Int] = [:]
    var modelByName: [String: Int] {
        get { registry.value.byName }
        _modify { yield &registry.value.byName }
    }
    var abTestByName: [String: Int] {
        get { abPart.value.byName }
        _modify { yield &abPart.value.byName }
    }

    /// The empty state.
    public init() {}

    public static func == (a: LogbookState, b: LogbookState) -> Bool {
        a.experiments == b.experiments && a.runs == b.runs && a.models == b.models && a.abTests == b.abTests
            && a.monitors == b.monitors && a.alerts == b.alerts && a.monitorThresholds == b.monitorThresholds
            && a.metricKeys == b.metricKeys
            && a.actors == b.actors && a.actorEvents == b.actorEvents && a.experimentEvents == b.experimentEvents
            && a.retentionSetting == b.retentionSetting && a.pruned == b.pruned && a.erasedPseudonyms == b.erasedPseudonyms
            && a.lastSequence == b.lastSequence && a.lastTimestamp == b.lastTimestamp
    }

    /// The default minimum retention: 183 days (six months, the EU AI Act's Art. 19 floor for logs).
    public static let defaultRetentionDays = 183

    /// The minimum retention in force, in days.
    public var retentionDays: Int { retentionSetting ?? Self.defaultRetentionDays }

    // MARK: Lookups

    /// The live experiment with this name, or an experiment by numeric id.
    public func experiment(named name: String) -> Experiment? {
        if let i = experimentByName[name] { return experiments[i - 1] }
        return nil
    }

    /// A run by its string id.
    public func run(id: String) -> Run? { runs.ordinal(ofID: id).map { runs[$0 - 1] } }

    /// A model by name (deleted ones included; check `isDeleted`).
    public func model(named name: String) -> Model? { modelByName[name].map { models[$0 - 1] } }

    /// An A/B test by name.
    public func abTest(named name: String) -> ABTest? { abTestByName[name].map { abTests[$0 - 1] } }

    /// The monitor of a model version, if it has logged anything.
    public func monitor(model: Int, version: Int) -> VersionMonitor? {
        monitorIndex(model: model, version: version).map { monitors[$0] }
    }

    /// The thresholds in force for a model.
    public func thresholds(model: Int) -> MonitorThresholds { monitorThresholds[model] ?? MonitorThresholds() }

    func monitorIndex(model: Int, version: Int) -> Int? {
        var lo = 0, hi = monitors.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (monitors[mid].model, monitors[mid].version) < (model, version) { lo = mid + 1 } else { hi = mid }
        }
        return lo < monitors.count && monitors[lo].model == model && monitors[lo].version == version ? lo : nil
    }

    /// The index of a version's monitor, inserted in order when new.
    mutating func monitorSlot(model: Int, version: Int) -> Int {
        if let i = monitorIndex(model: model, version: version) { return i }
        let at = monitors.firstIndex { ($0.model, $0.version) > (model, version) } ?? monitors.count
        monitors.insert(VersionMonitor(model: model, version: version), at: at)
        return at
    }

    /// The string id of a run ordinal.
    public func runID(_ ordinal: Int) -> String { runs[ordinal - 1].id }

    /// Rebuilds the derived lookups (after decoding a snapshot).
    mutating func rebuildLookups() {
        experimentByName = [:]
        for e in experiments where !e.isDeleted { experimentByName[e.name] = e.id }
    }

    // MARK: Apply

    /// Notes an event's place in the log and who did it (every event goes through here).
    mutating func noteEnvelope(sequence: UInt64, timestamp: Int64, actor: String, position: LogPosition) {
        lastSequence = sequence
        lastTimestamp = timestamp
        let a = Int(actors.intern(actor))
        actorEvents.append(actor: a, position)
    }

    /// Applies one metric point of run `run` (the replay hot path: no allocation for keys already seen).
    mutating func applyMetricPoint(run: Int, key: Int32, point: MetricPoint) {
        guard run >= 1 && run <= runs.count else { return }
        runs.update(run - 1) { r in
            if let i = r.latest.firstIndex(where: { $0.key == key }) {
                if r.latest[i].isSuperseded(by: point) {
                    r.latest[i].step = point.step
                    r.latest[i].value = point.value
                    r.latest[i].time = point.time
                }
            } else {
                let entry = LatestMetric(key: key, step: point.step, value: point.value, time: point.time)
                let at = r.latest.firstIndex { $0.key > key } ?? r.latest.count
                r.latest.insert(entry, at: at)
            }
        }
    }

    /// Notes the position of a metricsLogged event of `run`.
    mutating func noteMetricEvent(run: Int, position: LogPosition) {
        guard run >= 1 && run <= runs.count else { return }
        runs.update(run - 1) { $0.metricEvents.append(position) }
    }

    /// Applies one event. Events were validated before they were appended; an event that does not fit the state
    /// (which a correct log never holds) is ignored rather than trapping, and `logbook check` reports it.
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition) {
        switch event {
        case let .experimentCreated(id, name, tags):
            guard id == experiments.count + 1 else { return }
            experiments.append(Experiment(id: id, name: name, tags: tags, createdTime: timestamp))
            experimentEvents.append([position])
            experimentByName[name] = id
        case let .experimentRenamed(id, name):
            guard let e = experimentIndex(id) else { return }
            if experimentByName[experiments[e].name] == id { experimentByName[experiments[e].name] = nil }
            experiments[e].name = name
            if !experiments[e].isDeleted { experimentByName[name] = id }
            experimentEvents[e].append(position)
        case let .experimentDeleted(id):
            guard let e = experimentIndex(id) else { return }
            experiments[e].isDeleted = true
            if experimentByName[experiments[e].name] == id { experimentByName[experiments[e].name] = nil }
            experimentEvents[e].append(position)
        case let .experimentRestored(id):
            guard let e = experimentIndex(id) else { return }
            experiments[e].isDeleted = false
            experimentByName[experiments[e].name] = id
            experimentEvents[e].append(position)
        case let .runStarted(run, id, experiment, name, parent, tags, source, gitCommit):
            guard run == runs.count + 1, let e = experimentIndex(experiment) else { return }
            var r = Run(ordinal: run, id: id, experiment: experiment, name: name, parent: parent, startTime: timestamp)
            for t in tags { r.tags.set(t.key, t.value) }
            r.source = source
            r.gitCommit = gitCommit
            r.otherEvents = [position]
            runs.append(r)
            experiments[e].runs.append(run)
        case let .paramsLogged(run, params):
            withRun(run, position) { r in for p in params { r.params.set(p.key, p.value) } }
        case let .metricsLogged(run, series):
            for s in series where !s.points.isEmpty { // as replay's in-place path: a key is interned by its points
                let key = metricKeys.intern(s.key)
                for p in s.points { applyMetricPoint(run: run, key: key, point: p) }
            }
            noteMetricEvent(run: run, position: position)
        case let .tagsSet(run, tags):
            withRun(run, position) { r in for t in tags { r.tags.set(t.key, t.value) } }
        case let .tagsDeleted(run, keys):
            withRun(run, position) { r in for k in keys { r.tags.remove(k) } }
        case let .artifactRecorded(run, path, size, sha256):
            withRun(run, position) { r in
                r.artifacts.removeAll { $0.path == path }
                r.artifacts.append(Artifact(path: path, size: size, sha256: sha256))
            }
        case let .datasetLinked(run, name, digest):
            withRun(run, position) { r in r.datasets.append(KeyValue(name, digest)) }
        case let .runEnded(run, status):
            withRun(run, position) { r in
                r.status = status
                r.endTime = timestamp
            }
        case let .runDeleted(run):
            withRun(run, position) { r in r.isDeleted = true }
        case let .runRestored(run):
            withRun(run, position) { r in r.isDeleted = false }
        case let .modelCreated(model, name, description, owner, purpose, riskTier):
            guard model == models.count + 1 else { return }
            models.append(Model(ordinal: model, name: name, description: description, owner: owner, purpose: purpose,
                                riskTier: riskTier, createdTime: timestamp, events: [position]))
            modelByName[name] = model
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
            if run >= 1 && run <= runs.count { runs[run - 1].registeredVersions += 1 }
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
        case let .abTestCreated(test, name, model, variants, metric, continuous, guardrails, minimumSample, alpha, salt,
                                sequential):
            guard test == abTests.count + 1 else { return }
            var t = ABTest(ordinal: test, name: name, model: model, variants: variants, metric: metric, continuous: continuous,
                           guardrails: guardrails, minimumSample: minimumSample, alpha: alpha, salt: salt,
                           sequential: sequential, createdTime: timestamp)
            t.events = [position]
            abTests.append(t)
            abTestByName[name] = test
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
        case .storeRepaired:
            break // a fact about the log itself: in the audit log, no projection changes
        case let .identityErased(pseudonym):
            erasedPseudonyms.append(pseudonym)
        case let .storePruned(through, time, chain, _, _):
            pruned = PruneCheckpoint(throughSequence: through, throughTime: time, chain: chain)
        case let .retentionSet(days):
            retentionSetting = days
        case let .predictionsLogged(model, version, latencies, predictions, actuals):
            guard model >= 1 && model <= models.count else { return }
            let i = monitorSlot(model: model, version: version)
            monitors[i].apply(latencies: latencies, predictions: predictions, actuals: actuals, time: timestamp, position: position)
        case let .baselineSet(model, version, values, _):
            guard model >= 1 && model <= models.count else { return }
            let i = monitorSlot(model: model, version: version)
            monitors[i].baseline = position
            monitors[i].baselineSize = values.count
            models[model - 1].events.append(position)
        case .driftChecked(let model, _, _, _, _, _, _, _, _):
            withModel(model, position) { _ in }
        case let .alertRaised(model, version, kind, metric, threshold, observed, message):
            guard model >= 1 && model <= models.count else { return }
            alerts.append(MonitorAlert(model: model, version: version, time: timestamp, sequence: lastSequence, kind: kind,
                                       metric: metric, threshold: threshold, observed: observed, message: message))
            models[model - 1].events.append(position)
        case let .monitorThresholdsSet(model, psi, ksPValue, relativeDrop):
            var t = MonitorThresholds()
            t.psi = psi
            t.ksPValue = ksPValue
            t.relativeDrop = relativeDrop
            monitorThresholds[model] = t
            withModel(model, position) { _ in }
        case let .abTestConcluded(test, decision, promotedVariant):
            withTest(test, position) { t in
                t.status = .concluded
                t.decision = decision
                t.promotedVariant = promotedVariant
            }
        }
    }

    private func experimentIndex(_ id: Int) -> Int? { id >= 1 && id <= experiments.count ? id - 1 : nil }

    private mutating func withRun(_ run: Int, _ position: LogPosition, _ body: (inout Run) -> Void) {
        guard run >= 1 && run <= runs.count else { return }
        body(&runs[run - 1])
        runs[run - 1].otherEvents.append(position)
    }

    private mutating func withTest(_ test: Int, _ position: LogPosition, _ body: (inout ABTest) -> Void) {
        guard test >= 1 && test <= abTests.count else { return }
        body(&abTests[test - 1])
        abTests[test - 1].events.append(position)
    }

    private mutating func withModel(_ model: Int, _ position: LogPosition, _ body: (inout Model) -> Void) {
        guard model >= 1 && model <= models.count else { return }
        body(&models[model - 1])
        models[model - 1].events.append(position)
    }
}
