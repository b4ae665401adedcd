/// A key and a value (a tag, a param, a dataset name and digest).
public struct KeyValue: Equatable, Hashable, Sendable {
    /// The key.
    public var key: String
    /// The value.
    public var value: String

    /// Makes a pair.
    public init(_ key: String, _ value: String) { self.key = key; self.value = value }
}

/// One point of a metric: a value at a step and a time.
public struct MetricPoint: Equatable, Sendable {
    /// The training step (MLflow's `step`); may be any Int64, usually 0, 1, 2...
    public var step: Int64
    /// The value; NaN and ±Inf are allowed, as in MLflow, and stored bit for bit.
    public var value: Double
    /// When the value was measured, milliseconds since the epoch.
    public var time: Int64

    /// Makes a point.
    public init(step: Int64, value: Double, time: Int64) { self.step = step; self.value = value; self.time = time }

    public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
        a.step == b.step && a.time == b.time && a.value.bitPattern == b.value.bitPattern
    }

    /// The latest-point order of a series: greater step, then greater time, then greater value (NaN lowest). An
    /// equal point is not later, so a fold keeps the earliest of equals.
    @inline(__always)
    public func isLater(than q: MetricPoint) -> Bool {
        if step != q.step { return step > q.step }
        if time != q.time { return time > q.time }
        return value > q.value || (q.value.isNaN && !value.isNaN)
    }
}

/// The points of one metric key logged in one event.
public struct MetricSeries: Equatable, Sendable {
    /// The metric key.
    public var key: String
    /// Its points, in the order they were logged.
    public var points: [MetricPoint]

    /// Makes a series.
    public init(key: String, points: [MetricPoint]) { self.key = key; self.points = points }
}

/// A run's lifecycle status (MLflow's).
public enum RunStatus: UInt8, Sendable, CaseIterable {
    case running = 0, finished = 1, failed = 2, killed = 3

    /// The name MLflow prints: RUNNING, FINISHED, FAILED, KILLED.
    public var name: String {
        switch self {
        case .running: "RUNNING"
        case .finished: "FINISHED"
        case .failed: "FAILED"
        case .killed: "KILLED"
        }
    }
}

/// A model version's stage.
public enum Stage: UInt8, Sendable, CaseIterable {
    case none = 0, staging = 1, production = 2, archived = 3

    /// The printed name: None, Staging, Production, Archived.
    public var name: String {
        switch self {
        case .none: "None"
        case .staging: "Staging"
        case .production: "Production"
        case .archived: "Archived"
        }
    }

    /// Parses a stage name in any case.
    public init?(name: String) {
        guard let s = Stage.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = s
    }
}

/// A model's risk tier (model-risk inventory, SR 11-7).
public enum RiskTier: UInt8, Sendable, CaseIterable {
    case unspecified = 0, low = 1, medium = 2, high = 3

    /// The printed name (empty when unspecified).
    public var name: String {
        switch self {
        case .unspecified: ""
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        }
    }
}

/// A model's validation status.
public enum ValidationStatus: UInt8, Sendable, CaseIterable {
    case unspecified = 0, pending = 1, validated = 2, failed = 3

    /// The printed name (empty when unspecified).
    public var name: String {
        switch self {
        case .unspecified: ""
        case .pending: "pending"
        case .validated: "validated"
        case .failed: "failed"
        }
    }
}

/// A model's promotion policy: what a challenger must show to replace the champion in Production.
public struct PromotionPolicy: Equatable, Sendable {
    /// The metric compared (from the version's run).
    public var metric: String
    /// Whether lower values are better (loss, error, latency).
    public var lowerIsBetter: Bool
    /// The challenger's value must be at least (at most, when lower is better) this.
    public var minimum: Double?
    /// Required relative improvement over the champion, in percent (e.g. 2 for 2%).
    public var improvementPercent: Double?
    /// The challenger's `latency_ms` metric may not exceed this.
    public var maxLatencyMs: Double?
    /// A promotion that passes waits for an approval.
    public var requiresApproval: Bool
    /// The approver must not be the one who asked for the promotion.
    public var separateApprover: Bool

    /// Compares doubles bit for bit (a NaN value equals itself), as ``MetricPoint`` does.
    public static func == (a: PromotionPolicy, b: PromotionPolicy) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool { x?.bitPattern == y?.bitPattern }
        return a.metric == b.metric && a.lowerIsBetter == b.lowerIsBetter && same(a.minimum, b.minimum)
            && same(a.improvementPercent, b.improvementPercent) && same(a.maxLatencyMs, b.maxLatencyMs)
            && a.requiresApproval == b.requiresApproval && a.separateApprover == b.separateApprover
    }

    /// Makes a policy.
    public init(metric: String, lowerIsBetter: Bool = false, minimum: Double? = nil, improvementPercent: Double? = nil,
                maxLatencyMs: Double? = nil, requiresApproval: Bool = false, separateApprover: Bool = false) {
        self.metric = metric
        self.lowerIsBetter = lowerIsBetter
        self.minimum = minimum
        self.improvementPercent = improvementPercent
        self.maxLatencyMs = maxLatencyMs
        self.requiresApproval = requiresApproval
        self.separateApprover = separateApprover
    }
}

/// The outcome of evaluating a promotion.
public enum PromotionDecision: UInt8, Sendable, CaseIterable {
    case promoted = 0, pendingApproval = 1, rejected = 2

    /// The JSON name: promoted, pending_approval, rejected.
    public var name: String {
        switch self {
        case .promoted: "promoted"
        case .pendingApproval: "pending_approval"
        case .rejected: "rejected"
        }
    }
}

/// Everything `model promote` computed, recorded whatever the outcome.
public struct PromotionEvaluation: Equatable, Sendable {
    /// The challenger's metric value (nil when its run lacks the metric).
    public var challengerValue: Double?
    /// The champion (current Production version), if any.
    public var champion: Int?
    /// The champion's metric value.
    public var championValue: Double?
    /// Relative improvement of challenger over champion in percent (positive is better), when both are known.
    public var improvementPercent: Double?
    /// The challenger's latency metric, when the policy has a maximum.
    public var latencyMs: Double?
    /// The decision.
    public var decision: PromotionDecision
    /// Why, in words (e.g. "improvement 1.2% is below the required 2%").
    public var explanation: String

    /// Compares doubles bit for bit (a NaN value equals itself), as ``MetricPoint`` does.
    public static func == (a: PromotionEvaluation, b: PromotionEvaluation) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool { x?.bitPattern == y?.bitPattern }
        return same(a.challengerValue, b.challengerValue) && a.champion == b.champion
            && same(a.championValue, b.championValue) && same(a.improvementPercent, b.improvementPercent)
            && same(a.latencyMs, b.latencyMs) && a.decision == b.decision && a.explanation == b.explanation
    }

    /// Makes an evaluation.
    public init(challengerValue: Double?, champion: Int?, championValue: Double?, improvementPercent: Double?,
                latencyMs: Double?, decision: PromotionDecision, explanation: String) {
        self.challengerValue = challengerValue
        self.champion = champion
        self.championValue = championValue
        self.improvementPercent = improvementPercent
        self.latencyMs = latencyMs
        self.decision = decision
        self.explanation = explanation
    }
}

/// One arm of an A/B test: a name, the model version it serves, and its share of traffic in basis points.
public struct ABVariant: Equatable, Hashable, Sendable {
    /// The variant's name (the first variant of a test is its control).
    public var name: String
    /// The model version it serves.
    public var version: Int
    /// Its share of units, in basis points (the shares of a test sum to 10,000).
    public var weightBasisPoints: Int

    /// Makes a variant.
    public init(name: String, version: Int, weightBasisPoints: Int) {
        self.name = name
        self.version = version
        self.weightBasisPoints = weightBasisPoints
    }
}

/// A guardrail metric of an A/B test and the direction that counts as harm.
public struct ABGuardrail: Equatable, Hashable, Sendable {
    /// The metric key.
    public var metric: String
    /// True when an increase is harm (latency, errors); false when a decrease is (revenue).
    public var higherIsWorse: Bool

    /// Makes a guardrail.
    public init(metric: String, higherIsWorse: Bool) {
        self.metric = metric
        self.higherIsWorse = higherIsWorse
    }
}

/// One outcome of an A/B test: a unit, the metric (0 = the primary metric, g = guardrail g), and the value.
public struct ABOutcome: Equatable, Sendable {
    /// The unit (user, session, request...).
    public var unit: String
    /// 0 for the primary metric, 1... for the guardrails in the test's order.
    public var metric: Int
    /// The value: 0 or 1 for a conversion metric, any finite number otherwise.
    public var value: Double

    /// Makes an outcome.
    public init(unit: String, metric: Int, value: Double) {
        self.unit = unit
        self.metric = metric
        self.value = value
    }

    public static func == (a: ABOutcome, b: ABOutcome) -> Bool {
        a.unit == b.unit && a.metric == b.metric && a.value.bitPattern == b.value.bitPattern
    }
}

/// One fact of the domain. Every case is frozen once shipped: change one by adding a new schema version to the
/// codec (with an upcast from the old one), never by editing what old bytes mean.
///
/// Runs and models are referred to by their **ordinal**: the n-th `runStarted` creates run n, the n-th
/// `modelCreated` model n (both from 1). The creating event carries the string id or name; later events carry
/// the small integer, so replay looks entities up by index instead of hashing strings.
public enum Event: Equatable, Sendable {
    // MARK: Tracking
    /// Experiment `id` (the next ordinal, from 1) was created.
    case experimentCreated(id: Int, name: String, tags: [KeyValue])
    /// An experiment got a new name.
    case experimentRenamed(id: Int, name: String)
    /// An experiment was soft-deleted (its name is free again).
    case experimentDeleted(id: Int)
    /// A deleted experiment was restored.
    case experimentRestored(id: Int)
    /// Run `run` (the next ordinal) started with string id `id` in an experiment, possibly under a parent run.
    case runStarted(run: Int, id: String, experiment: Int, name: String, parent: Int?, tags: [KeyValue],
                    source: String?, gitCommit: String?)
    /// Params were set (each once: a param never changes).
    case paramsLogged(run: Int, params: [KeyValue])
    /// Metric points were logged, grouped by key.
    case metricsLogged(run: Int, series: [MetricSeries])
    /// Tags were set or changed.
    case tagsSet(run: Int, tags: [KeyValue])
    /// Tags were removed.
    case tagsDeleted(run: Int, keys: [String])
    /// An artifact's bytes were stored content-addressed; `path` is its name inside the run.
    case artifactRecorded(run: Int, path: String, size: Int64, sha256: String)
    /// A dataset (name and SHA-256 digest) was linked to a run.
    case datasetLinked(run: Int, name: String, digest: String)
    /// A run ended (once).
    case runEnded(run: Int, status: RunStatus)
    /// A run was soft-deleted.
    case runDeleted(run: Int)
    /// A deleted run was restored.
    case runRestored(run: Int)

    // MARK: Registry
    /// Model `model` (the next ordinal) was created with its inventory fields.
    case modelCreated(model: Int, name: String, description: String?, owner: String?, purpose: String?,
                      riskTier: RiskTier)
    /// Inventory fields changed; nil means unchanged.
    case modelUpdated(model: Int, description: String?, owner: String?, purpose: String?, riskTier: RiskTier?,
                      validation: ValidationStatus?)
    /// A model was soft-deleted.
    case modelDeleted(model: Int)
    /// A deleted model was restored.
    case modelRestored(model: Int)
    /// Version `version` (the model's next, from 1) was registered from a run, with its lineage.
    case versionRegistered(model: Int, version: Int, run: Int, artifactPath: String?, artifactSHA256: String?,
                           parent: Int?, description: String?, datasets: [KeyValue], metrics: [KeyValue])
    /// A version moved between stages; `archived` lists the versions moved to Archived in the same step.
    case stageChanged(model: Int, version: Int, from: Stage, to: Stage, archived: [Int])
    /// An alias now points at a version.
    case aliasSet(model: Int, alias: String, version: Int)
    /// An alias was removed.
    case aliasRemoved(model: Int, alias: String)
    /// A model's promotion policy was set (replacing any earlier one).
    case policySet(model: Int, policy: PromotionPolicy)
    /// `model promote` evaluated a challenger against the policy and the champion.
    case promotionEvaluated(model: Int, version: Int, evaluation: PromotionEvaluation)
    /// A pending promotion was approved (the stage change follows in the same batch).
    case promotionApproved(model: Int, version: Int)
    /// A pending promotion was rejected.
    case promotionRejected(model: Int, version: Int)
    /// A rollback of a model: to the previous Production version (`toTime` nil), or of every stage and alias
    /// to what they were at `toTime` (sequence `toSequence`). The stage and alias events that restore it follow
    /// in the same batch.
    case rollbackPerformed(model: Int, toTime: Int64?, toSequence: UInt64?)

    // MARK: A/B tests
    /// A/B test `test` (the next ordinal) was created on a model: variants (the first is the control), the
    /// primary metric (a conversion metric unless `continuous`), guardrails, the minimum sample per arm, the
    /// significance level, the assignment salt, and whether decisions use always-valid (sequential) p-values.
    case abTestCreated(test: Int, name: String, model: Int, variants: [ABVariant], metric: String, continuous: Bool,
                       guardrails: [ABGuardrail], minimumSample: Int, alpha: Double, salt: String, sequential: Bool)
    /// A test started taking assignments and outcomes.
    case abTestStarted(test: Int)
    /// Units were assigned for the first time: `variants[i]` (an index into the test's variants) for `units[i]`.
    case abUnitsAssigned(test: Int, units: [String], variants: [Int])
    /// Outcomes of assigned units were recorded.
    case abOutcomesRecorded(test: Int, outcomes: [ABOutcome])
    /// A test stopped taking assignments and outcomes.
    case abTestStopped(test: Int)
    /// A test was concluded with a decision (`winner:<variant>`, `no_difference`, ...), and the variant whose
    /// version was promoted, if any.
    case abTestConcluded(test: Int, decision: String, promotedVariant: Int?)

    // MARK: Monitoring
    /// Predictions served by a model version were logged: per prediction its latency in milliseconds, and
    /// optionally the predicted value and the actual outcome (arrays of equal length).
    case predictionsLogged(model: Int, version: Int, latencies: [Double], predictions: [Double?], actuals: [Double?])
    /// The reference prediction values drift is measured against, and where they came from.
    case baselineSet(model: Int, version: Int, values: [Double], source: String)
    /// A drift check of a version's predictions since `since` (nil: all) against its baseline, with its numbers.
    case driftChecked(model: Int, version: Int, since: Int64?, psi: Double, ksStatistic: Double, ksPValue: Double,
                      drifted: Bool, baselineSize: Int, currentSize: Int)
    /// A monitoring alert: what (`drift`, `degradation`, `latency`), on which metric, the threshold and the value seen.
    case alertRaised(model: Int, version: Int, kind: String, metric: String, threshold: Double, observed: Double,
                     message: String)
    /// A model's monitoring thresholds: drift when PSI exceeds `psi` or the KS p-value falls below `ksPValue`;
    /// degradation when production falls `relativeDrop` (a fraction) behind training.
    case monitorThresholdsSet(model: Int, psi: Double, ksPValue: Double, relativeDrop: Double)

    // MARK: The store itself
    /// An explicit repair cut the log after `truncatedAfter`, removing `removedBytes` bytes that were damaged or came
    /// after damage; they were saved in `savedTo` (a folder of the store's lost+found). Recorded right after the cut,
    /// so the history says that it was cut, where, and by whom.
    case storeRepaired(truncatedAfter: UInt64, removedBytes: Int64, savedTo: String)
    /// A prune removed the archived segments holding records 1...`throughSequence` (the newest of them at
    /// `throughTime`): `segments` files, `bytes` bytes. `chain` (64 lowercase hex) is the hash chain after
    /// `throughSequence`: the checkpoint the remaining log is verified from, attested inside the chain itself.
    case storePruned(throughSequence: UInt64, throughTime: Int64, chain: String, segments: Int, bytes: Int64)
    /// The operator set how long the log must be kept: no prune may remove records younger than `minDays` days.
    case retentionSet(minDays: Int)
    /// A person's entry in the pseudonym map (kept outside the log) was destroyed: the log keeps only `pseudonym`.
    case identityErased(pseudonym: String)
}

/// An event with its envelope: where it sits in the log, when, who did it and why.
public struct EventEnvelope: Equatable, Sendable {
    /// The log sequence number.
    public var sequence: UInt64
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    /// Who did it.
    public var actor: String
    /// Why, when given.
    public var reason: String?
    /// The fact.
    public var event: Event

    /// Makes an envelope.
    public init(sequence: UInt64, timestamp: Int64, actor: String, reason: String?, event: Event) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.actor = actor
        self.reason = reason
        self.event = event
    }
}
