/// The record type of each event case: its stable tag (the log frame's u16 type field), its dotted JSON name and
/// its schema versions.
///
/// Tags are never reused or renumbered. Ranges: 1...31 tracking, 32...63 registry, 64...95 A/B tests,
/// 96...127 monitoring (reserved for later cases).
enum EventType: UInt16, CaseIterable, Sendable {
    // Tracking, in catalog order.
    case experimentCreated = 1
    case experimentRenamed = 2
    case experimentDeleted = 3
    case experimentRestored = 4
    case runStarted = 5
    case paramsLogged = 6
    case metricsLogged = 7
    case tagsSet = 8
    case tagsDeleted = 9
    case artifactRecorded = 10
    case datasetLinked = 11
    case runEnded = 12
    case runDeleted = 13
    case runRestored = 14
    // Registry, in catalog order.
    case modelCreated = 32
    case modelUpdated = 33
    case modelDeleted = 34
    case modelRestored = 35
    case versionRegistered = 36
    case stageChanged = 37
    case aliasSet = 38
    case aliasRemoved = 39
    case policySet = 40
    case promotionEvaluated = 41
    case promotionApproved = 42
    case promotionRejected = 43
    case rollbackPerformed = 44
    // A/B tests, in catalog order.
    case abTestCreated = 64
    case abTestStarted = 65
    case abUnitsAssigned = 66
    case abOutcomesRecorded = 67
    case abTestStopped = 68
    case abTestConcluded = 69
    // Monitoring, in catalog order.
    case predictionsLogged = 96
    case baselineSet = 97
    case driftChecked = 98
    case alertRaised = 99
    case monitorThresholdsSet = 100
    // The store itself (120...127).
    case storeRepaired = 120
    case storePruned = 121
    case retentionSet = 122
    case identityErased = 123

    /// The dotted name used in JSON export.
    var name: String {
        switch self {
        case .experimentCreated: "experiment.created"
        case .experimentRenamed: "experiment.renamed"
        case .experimentDeleted: "experiment.deleted"
        case .experimentRestored: "experiment.restored"
        case .runStarted: "run.started"
        case .paramsLogged: "params.logged"
        case .metricsLogged: "metrics.logged"
        case .tagsSet: "tags.set"
        case .tagsDeleted: "tags.deleted"
        case .artifactRecorded: "artifact.recorded"
        case .datasetLinked: "dataset.linked"
        case .runEnded: "run.ended"
        case .runDeleted: "run.deleted"
        case .runRestored: "run.restored"
        case .modelCreated: "model.created"
        case .modelUpdated: "model.updated"
        case .modelDeleted: "model.deleted"
        case .modelRestored: "model.restored"
        case .versionRegistered: "version.registered"
        case .stageChanged: "stage.changed"
        case .aliasSet: "alias.set"
        case .aliasRemoved: "alias.removed"
        case .policySet: "policy.set"
        case .promotionEvaluated: "promotion.evaluated"
        case .promotionApproved: "promotion.approved"
        case .promotionRejected: "promotion.rejected"
        case .rollbackPerformed: "rollback.performed"
        case .abTestCreated: "ab.created"
        case .abTestStarted: "ab.started"
        case .abUnitsAssigned: "ab.assigned"
        case .abOutcomesRecorded: "ab.outcomes_recorded"
        case .abTestStopped: "ab.stopped"
        case .abTestConcluded: "ab.concluded"
        case .storeRepaired: "store.repaired"
        case .storePruned: "store.pruned"
        case .retentionSet: "retention.set"
        case .identityErased: "identity.erased"
        case .predictionsLogged: "predictions.logged"
        case .baselineSet: "baseline.set"
        case .driftChecked: "drift.checked"
        case .alertRaised: "alert.raised"
        case .monitorThresholdsSet: "monitor.thresholds_set"
        }
    }

    /// The schema version the encoder writes.
    var currentVersion: UInt8 {
        switch self {
        case .modelCreated: 2
        default: 1
        }
    }

    /// Every version the decoder reads, oldest first; the last is ``currentVersion``. Older ones are read by the
    /// frozen decoders of EventCodec+V1.swift and upcast.
    var readableVersions: [UInt8] {
        switch self {
        case .modelCreated: [1, 2]
        default: [1]
        }
    }

    /// The type of an event.
    init(of event: Event) {
        switch event {
        case .experimentCreated: self = .experimentCreated
        case .experimentRenamed: self = .experimentRenamed
        case .experimentDeleted: self = .experimentDeleted
        case .experimentRestored: self = .experimentRestored
        case .runStarted: self = .runStarted
        case .paramsLogged: self = .paramsLogged
        case .metricsLogged: self = .metricsLogged
        case .tagsSet: self = .tagsSet
        case .tagsDeleted: self = .tagsDeleted
        case .artifactRecorded: self = .artifactRecorded
        case .datasetLinked: self = .datasetLinked
        case .runEnded: self = .runEnded
        case .runDeleted: self = .runDeleted
        case .runRestored: self = .runRestored
        case .modelCreated: self = .modelCreated
        case .modelUpdated: self = .modelUpdated
        case .modelDeleted: self = .modelDeleted
        case .modelRestored: self = .modelRestored
        case .versionRegistered: self = .versionRegistered
        case .stageChanged: self = .stageChanged
        case .aliasSet: self = .aliasSet
        case .aliasRemoved: self = .aliasRemoved
        case .policySet: self = .policySet
        case .promotionEvaluated: self = .promotionEvaluated
        case .promotionApproved: self = .promotionApproved
        case .promotionRejected: self = .promotionRejected
        case .rollbackPerformed: self = .rollbackPerformed
        case .abTestCreated: self = .abTestCreated
        case .abTestStarted: self = .abTestStarted
        case .abUnitsAssigned: self = .abUnitsAssigned
        case .abOutcomesRecorded: self = .abOutcomesRecorded
        case .abTestStopped: self = .abTestStopped
        case .abTestConcluded: self = .abTestConcluded
        case .storeRepaired: self = .storeRepaired
        case .storePruned: self = .storePruned
        case .retentionSet: self = .retentionSet
        case .identityErased: self = .identityErased
        case .predictionsLogged: self = .predictionsLogged
        case .baselineSet: self = .baselineSet
        case .driftChecked: self = .driftChecked
        case .alertRaised: self = .alertRaised
        case .monitorThresholdsSet: self = .monitorThresholdsSet
        }
    }
}

extension EventCodec {
    /// Every record type this Logbook knows, ascending.
    public static let allTags: [UInt16] = EventType.allCases.map(\.rawValue)

    /// Record type (the log frame's u16 type field) of an event: a stable tag per case, never reused.
    public static func tag(of event: Event) -> UInt16 { EventType(of: event).rawValue }

    /// The dotted type name used in JSON export, e.g. "run.started", "metrics.logged", "stage.changed"; nil for
    /// a tag this Logbook does not know.
    public static func typeName(ofTag tag: UInt16) -> String? { EventType(rawValue: tag)?.name }

    /// The dotted type name of an event.
    public static func typeName(of event: Event) -> String { EventType(of: event).name }

    /// The schema version ``encode(_:actor:reason:into:)`` writes for a record type; nil for an unknown tag.
    public static func currentVersion(ofTag tag: UInt16) -> UInt8? { EventType(rawValue: tag)?.currentVersion }

    /// Every schema version ``decode(tag:payload:)`` reads for a record type, oldest first (the last is the
    /// current one); empty for an unknown tag.
    public static func readableVersions(ofTag tag: UInt16) -> [UInt8] { EventType(rawValue: tag)?.readableVersions ?? [] }
}
