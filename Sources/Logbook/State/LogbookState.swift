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
    public func model(named name: String) -> Model? { modelByName[name].map { registry.value[$0 - 1] } }

    /// The number of models (deleted ones included), without decoding any.
    public var modelCount: Int { registry.value.count }

    /// A model by ordinal (1...``modelCount``), decoding that model only.
    public func model(ordinal: Int) -> Model { registry.value[ordinal - 1] }

    /// The name of model `ordinal` without decoding it, or nil when there is no such model.
    public func modelName(ordinal: Int) -> String? {
        ordinal >= 1 && ordinal <= modelCount ? registry.value.name(ordinal - 1) : nil
    }

    /// An A/B test by name.
    public func abTest(named name: String) -> ABTest? { abTestByName[name].map { abTests[$0 - 1] } }

    /// The monitor of a model version, if it has logged anything.
    public func monitor(model: Int, version: Int) -> VersionMonitor? {
        monitorIndex(model: model, version: version).map { monitors[$0] }
    }

    /// The thresholds in force for a model.
    public func thresholds(model: Int) -> MonitorThresholds { monitorThresholds[model] ?? MonitorThresholds() }

    /// The index of a version's monitor.
    func monitorIndex(model: Int, version: Int) -> Int? { monitoring.value.index(model: model, version: version) }

    /// The index of a version's monitor, inserted in order when new.
    mutating func monitorSlot(model: Int, version: Int) -> Int { monitoring.value.slot(model: model, version: version) }

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
        noteEnvelope(sequence: sequence, timestamp: timestamp, actorID: actors.intern(actor), position: position)
    }

    /// Notes an event's envelope, its actor already interned (`actors` gave `actorID`).
    mutating func noteEnvelope(sequence: UInt64, timestamp: Int64, actorID: Int32, position: LogPosition) {
        lastSequence = sequence
        lastTimestamp = timestamp
        actorEvents.append(actor: Int(actorID), position)
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
        case .modelCreated, .modelUpdated, .modelDeleted, .modelRestored, .stageChanged, .aliasSet, .aliasRemoved,
             .policySet, .promotionEvaluated, .promotionApproved, .promotionRejected, .rollbackPerformed, .driftChecked:
            registry.apply(event, timestamp: timestamp, actor: actor, position: position)
        case let .versionRegistered(_, _, run, _, _, _, _, _, _):
            registry.apply(event, timestamp: timestamp, actor: actor, position: position)
            if run >= 1 && run <= runs.count { runs[run - 1].registeredVersions += 1 }
        case .abTestCreated, .abTestStarted, .abUnitsAssigned, .abOutcomesRecorded, .abTestStopped, .abTestConcluded:
            abPart.apply(event, timestamp: timestamp, actor: actor, position: position)
        case .storeRepaired:
            break // a fact about the log itself: in the audit log, no projection changes
        case let .identityErased(pseudonym):
            erasedPseudonyms.append(pseudonym)
        case let .storePruned(through, time, chain, _, _):
            pruned = PruneCheckpoint(throughSequence: through, throughTime: time, chain: chain)
        case let .retentionSet(days):
            retentionSetting = days
        case .predictionsLogged:
            if monitoring.isDecoded {
                // No closures: a full replay, or a part already read.
                Self.applyPredictions(event, to: &monitoring.value, models: registry.value.count, timestamp: timestamp,
                                      position: position)
            } else {
                monitoring.change(predictionsChange({ event }, timestamp: timestamp, position: position))
            }
        case let .baselineSet(model, version, values, _):
            guard model >= 1 && model <= registry.value.count else { return }
            let i = monitorSlot(model: model, version: version)
            monitors[i].baseline = position
            monitors[i].baselineSize = values.count
            registry.value[model - 1].events.append(position)
        case let .alertRaised(model, version, kind, metric, threshold, observed, message):
            guard model >= 1 && model <= registry.value.count else { return }
            alerts.append(MonitorAlert(model: model, version: version, time: timestamp, sequence: lastSequence, kind: kind,
                                       metric: metric, threshold: threshold, observed: observed, message: message))
            registry.value[model - 1].events.append(position)
        case let .monitorThresholdsSet(model, psi, ksPValue, relativeDrop):
            var t = MonitorThresholds()
            t.psi = psi
            t.ksPValue = ksPValue
            t.relativeDrop = relativeDrop
            monitorThresholds[model] = t
            withModel(model, position) { _ in }
        }
    }

    private func experimentIndex(_ id: Int) -> Int? { id >= 1 && id <= experiments.count ? id - 1 : nil }

    private mutating func withRun(_ run: Int, _ position: LogPosition, _ body: (inout Run) -> Void) {
        guard run >= 1 && run <= runs.count else { return }
        body(&runs[run - 1])
        runs[run - 1].otherEvents.append(position)
    }

    private mutating func withModel(_ model: Int, _ position: LogPosition, _ body: (inout Model) -> Void) {
        guard model >= 1 && model <= registry.value.count else { return }
        body(&registry.value[model - 1])
        registry.value[model - 1].events.append(position)
    }
}
