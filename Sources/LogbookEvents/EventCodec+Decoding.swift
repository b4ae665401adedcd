// The fields of each case, current versions: the mirror of EventCodec+Encoding.swift.
extension EventCodec {
    static func decodeFields(_ type: EventType, _ r: inout BinaryReader) throws(CodecError) -> Event {
        switch type {
        case .experimentCreated:
            let id = try r.int(); let name = try r.string()
            return .experimentCreated(id: id, name: name, tags: try r.keyValues())
        case .experimentRenamed:
            let id = try r.int()
            return .experimentRenamed(id: id, name: try r.string())
        case .experimentDeleted:
            return .experimentDeleted(id: try r.int())
        case .experimentRestored:
            return .experimentRestored(id: try r.int())
        case .runStarted:
            let run = try r.int(); let id = try r.string(); let experiment = try r.int(); let name = try r.string()
            let parent = try r.optionalInt(); let tags = try r.keyValues(); let source = try r.optionalString()
            return .runStarted(run: run, id: id, experiment: experiment, name: name, parent: parent, tags: tags,
                               source: source, gitCommit: try r.optionalString())
        case .paramsLogged:
            let run = try r.int()
            return .paramsLogged(run: run, params: try r.keyValues())
        case .metricsLogged:
            let run = try r.int()
            return .metricsLogged(run: run, series: try decodeSeries(&r))
        case .tagsSet:
            let run = try r.int()
            return .tagsSet(run: run, tags: try r.keyValues())
        case .tagsDeleted:
            let run = try r.int()
            return .tagsDeleted(run: run, keys: try r.strings())
        case .artifactRecorded:
            let run = try r.int(); let path = try r.string(); let size = try r.zigzag()
            return .artifactRecorded(run: run, path: path, size: size, sha256: try r.string())
        case .datasetLinked:
            let run = try r.int(); let name = try r.string()
            return .datasetLinked(run: run, name: name, digest: try r.string())
        case .runEnded:
            let run = try r.int()
            return .runEnded(run: run, status: try r.enumValue(RunStatus.self, "run status"))
        case .runDeleted:
            return .runDeleted(run: try r.int())
        case .runRestored:
            return .runRestored(run: try r.int())
        case .modelCreated:
            let model = try r.int(); let name = try r.string(); let description = try r.optionalString()
            let owner = try r.optionalString(); let purpose = try r.optionalString()
            return .modelCreated(model: model, name: name, description: description, owner: owner, purpose: purpose,
                                 riskTier: try r.enumValue(RiskTier.self, "risk tier"))
        case .modelUpdated:
            let model = try r.int(); let description = try r.optionalString(); let owner = try r.optionalString()
            let purpose = try r.optionalString(); let riskTier = try r.optionalEnum(RiskTier.self, "risk tier")
            return .modelUpdated(model: model, description: description, owner: owner, purpose: purpose,
                                 riskTier: riskTier,
                                 validation: try r.optionalEnum(ValidationStatus.self, "validation status"))
        case .modelDeleted:
            return .modelDeleted(model: try r.int())
        case .modelRestored:
            return .modelRestored(model: try r.int())
        case .versionRegistered:
            let model = try r.int(); let version = try r.int(); let run = try r.int()
            let artifactPath = try r.optionalString(); let artifactSHA256 = try r.optionalString()
            let parent = try r.optionalInt(); let description = try r.optionalString()
            let datasets = try r.keyValues()
            return .versionRegistered(model: model, version: version, run: run, artifactPath: artifactPath,
                                      artifactSHA256: artifactSHA256, parent: parent, description: description,
                                      datasets: datasets, metrics: try r.keyValues())
        case .stageChanged:
            let model = try r.int(); let version = try r.int()
            let from = try r.enumValue(Stage.self, "stage"); let to = try r.enumValue(Stage.self, "stage")
            return .stageChanged(model: model, version: version, from: from, to: to, archived: try r.ints())
        case .aliasSet:
            let model = try r.int(); let alias = try r.string()
            return .aliasSet(model: model, alias: alias, version: try r.int())
        case .aliasRemoved:
            let model = try r.int()
            return .aliasRemoved(model: model, alias: try r.string())
        case .policySet:
            let model = try r.int(); let metric = try r.string()
            let flags = try r.flags(allowed: PolicyFlag.all)
            let minimum = try r.optionalDouble(); let improvement = try r.optionalDouble()
            let policy = PromotionPolicy(metric: metric, lowerIsBetter: flags & PolicyFlag.lowerIsBetter != 0,
                                         minimum: minimum, improvementPercent: improvement,
                                         maxLatencyMs: try r.optionalDouble(),
                                         requiresApproval: flags & PolicyFlag.requiresApproval != 0,
                                         separateApprover: flags & PolicyFlag.separateApprover != 0)
            return .policySet(model: model, policy: policy)
        case .promotionEvaluated:
            let model = try r.int(); let version = try r.int()
            let challengerValue = try r.optionalDouble(); let champion = try r.optionalInt()
            let championValue = try r.optionalDouble(); let improvement = try r.optionalDouble()
            let latency = try r.optionalDouble()
            let decision = try r.enumValue(PromotionDecision.self, "promotion decision")
            let evaluation = PromotionEvaluation(challengerValue: challengerValue, champion: champion,
                                                 championValue: championValue, improvementPercent: improvement,
                                                 latencyMs: latency, decision: decision, explanation: try r.string())
            return .promotionEvaluated(model: model, version: version, evaluation: evaluation)
        case .promotionApproved:
            let model = try r.int()
            return .promotionApproved(model: model, version: try r.int())
        case .promotionRejected:
            let model = try r.int()
            return .promotionRejected(model: model, version: try r.int())
        case .rollbackPerformed:
            let model = try r.int(); let toTime = try r.optionalZigzag()
            return .rollbackPerformed(model: model, toTime: toTime, toSequence: try r.optionalVarint())
        case .abTestCreated:
            let test = try r.int(); let name = try r.string(); let model = try r.int()
            let variantCount = try r.count(minimumElementSize: 3)
            var variants: [ABVariant] = []
            variants.reserveCapacity(variantCount)
            for _ in 0..<variantCount {
                let name = try r.string(); let version = try r.int()
                variants.append(ABVariant(name: name, version: version, weightBasisPoints: try r.int()))
            }
            let metric = try r.string()
            let flags = try r.flags(allowed: ABFlag.continuous | ABFlag.sequential)
            let guardrailCount = try r.count(minimumElementSize: 2)
            var guardrails: [ABGuardrail] = []
            guardrails.reserveCapacity(guardrailCount)
            for _ in 0..<guardrailCount {
                let metric = try r.string()
                guardrails.append(ABGuardrail(metric: metric, higherIsWorse: try r.flags(allowed: 1) == 1))
            }
            let minimumSample = try r.int(); let alpha = try r.double()
            return .abTestCreated(test: test, name: name, model: model, variants: variants, metric: metric,
                                  continuous: flags & ABFlag.continuous != 0, guardrails: guardrails,
                                  minimumSample: minimumSample, alpha: alpha, salt: try r.string(),
                                  sequential: flags & ABFlag.sequential != 0)
        case .abTestStarted:
            return .abTestStarted(test: try r.int())
        case .abTestStopped:
            return .abTestStopped(test: try r.int())
        case .abUnitsAssigned:
            let test = try r.int()
            let n = try r.count(minimumElementSize: ElementLayout.assignment)
            var units: [String] = [], variants: [Int] = []
            units.reserveCapacity(n)
            variants.reserveCapacity(n)
            for _ in 0..<n {
                let (unit, variant) = try assignment(&r)
                units.append(String(decoding: unit, as: UTF8.self))
                variants.append(variant)
            }
            return .abUnitsAssigned(test: test, units: units, variants: variants)
        case .abOutcomesRecorded:
            let test = try r.int()
            let n = try r.count(minimumElementSize: ElementLayout.outcome)
            var outcomes: [ABOutcome] = []
            outcomes.reserveCapacity(n)
            for _ in 0..<n {
                let (unit, metric, value) = try outcome(&r)
                outcomes.append(ABOutcome(unit: String(decoding: unit, as: UTF8.self), metric: metric, value: value))
            }
            return .abOutcomesRecorded(test: test, outcomes: outcomes)
        case .abTestConcluded:
            let test = try r.int(); let decision = try r.string()
            return .abTestConcluded(test: test, decision: decision, promotedVariant: try r.optionalInt())
        case .predictionsLogged:
            let model = try r.int(); let version = try r.int()
            let n = try r.count(minimumElementSize: ElementLayout.prediction)
            var latencies: [Double] = [], predictions: [Double?] = [], actuals: [Double?] = []
            latencies.reserveCapacity(n); predictions.reserveCapacity(n); actuals.reserveCapacity(n)
            for _ in 0..<n {
                let p = try prediction(&r)
                latencies.append(p.latency)
                predictions.append(p.prediction)
                actuals.append(p.actual)
            }
            return .predictionsLogged(model: model, version: version, latencies: latencies, predictions: predictions, actuals: actuals)
        case .baselineSet:
            let model = try r.int(); let version = try r.int()
            let n = try r.count(minimumElementSize: 8)
            var values: [Double] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(try r.double()) }
            return .baselineSet(model: model, version: version, values: values, source: try r.string())
        case .driftChecked:
            let model = try r.int(); let version = try r.int(); let since = try r.optionalZigzag()
            let psi = try r.double(); let d = try r.double(); let p = try r.double()
            let drifted = try r.flags(allowed: 1) == 1
            let baselineSize = try r.int()
            return .driftChecked(model: model, version: version, since: since, psi: psi, ksStatistic: d, ksPValue: p,
                                 drifted: drifted, baselineSize: baselineSize, currentSize: try r.int())
        case .alertRaised:
            let model = try r.int(); let version = try r.int(); let kind = try r.string(); let metric = try r.string()
            let threshold = try r.double(); let observed = try r.double()
            return .alertRaised(model: model, version: version, kind: kind, metric: metric, threshold: threshold,
                                observed: observed, message: try r.string())
        case .monitorThresholdsSet:
            let model = try r.int(); let psi = try r.double(); let p = try r.double()
            return .monitorThresholdsSet(model: model, psi: psi, ksPValue: p, relativeDrop: try r.double())
        case .storeRepaired:
            let after = try r.varint(); let removed = try r.zigzag()
            return .storeRepaired(truncatedAfter: after, removedBytes: removed, savedTo: try r.string())
        case .storePruned:
            let through = try r.varint(); let time = try r.zigzag(); let chain = try r.string(); let segments = try r.int()
            return .storePruned(throughSequence: through, throughTime: time, chain: chain, segments: segments,
                                bytes: try r.zigzag())
        case .retentionSet:
            return .retentionSet(minDays: try r.int())
        case .identityErased:
            return .identityErased(pseudonym: try r.string())
        }
    }

    /// The mirror of ``encodeSeries(_:_:)``. (EventCodec+Metrics.swift walks the same layout without allocating.)
    static func decodeSeries(_ r: inout BinaryReader) throws(CodecError) -> [MetricSeries] {
        let seriesCount = try r.count(minimumElementSize: MetricsLayout.minimumSeriesSize)
        var series: [MetricSeries] = []
        series.reserveCapacity(seriesCount)
        for _ in 0..<seriesCount {
            let key = try r.string()
            let n = try r.count(minimumElementSize: MetricsLayout.minimumPointSize)
            var points: [MetricPoint] = []
            points.reserveCapacity(n)
            var step: Int64 = 0
            var time: Int64 = 0
            for _ in 0..<n {
                step = step &+ (try r.zigzag())
                time = time &+ (try r.zigzag())
                points.append(MetricPoint(step: step, value: try r.double(), time: time))
            }
            series.append(MetricSeries(key: key, points: points))
        }
        return series
    }
}

/// Sizes used to check counts in `metrics.logged` against the bytes left.
enum MetricsLayout {
    /// An empty key (1) and a zero point count (1).
    static let minimumSeriesSize = 2
    /// One-byte step and time deltas and the 8-byte value.
    static let minimumPointSize = 10
}
