// The fields of each case, current versions (the layout table is in EventCodec.swift).
extension EventCodec {
    static func encodeFields(_ event: Event, _ w: inout BinaryWriter) {
        switch event {
        case .experimentCreated(let id, let name, let tags):
            w.int(id); w.string(name); w.keyValues(tags)
        case .experimentRenamed(let id, let name):
            w.int(id); w.string(name)
        case .experimentDeleted(let id), .experimentRestored(let id):
            w.int(id)
        case .runStarted(let run, let id, let experiment, let name, let parent, let tags, let source, let gitCommit):
            w.int(run); w.string(id); w.int(experiment); w.string(name); w.optionalInt(parent)
            w.keyValues(tags); w.optionalString(source); w.optionalString(gitCommit)
        case .paramsLogged(let run, let pairs), .tagsSet(let run, let pairs):
            w.int(run); w.keyValues(pairs)
        case .metricsLogged(let run, let series):
            w.int(run)
            encodeSeries(series, &w)
        case .tagsDeleted(let run, let keys):
            w.int(run); w.strings(keys)
        case .artifactRecorded(let run, let path, let size, let sha256):
            w.int(run); w.string(path); w.zigzag(size); w.string(sha256)
        case .datasetLinked(let run, let name, let digest):
            w.int(run); w.string(name); w.string(digest)
        case .runEnded(let run, let status):
            w.int(run); w.enumValue(status)
        case .runDeleted(let run), .runRestored(let run):
            w.int(run)
        case .modelCreated(let model, let name, let description, let owner, let purpose, let riskTier):
            w.int(model); w.string(name); w.optionalString(description); w.optionalString(owner)
            w.optionalString(purpose); w.enumValue(riskTier)
        case .modelUpdated(let model, let description, let owner, let purpose, let riskTier, let validation):
            w.int(model); w.optionalString(description); w.optionalString(owner); w.optionalString(purpose)
            w.optional(riskTier) { $0.enumValue($1) }
            w.optional(validation) { $0.enumValue($1) }
        case .modelDeleted(let model), .modelRestored(let model):
            w.int(model)
        case .versionRegistered(let model, let version, let run, let artifactPath, let artifactSHA256, let parent,
                                let description, let datasets, let metrics):
            w.int(model); w.int(version); w.int(run); w.optionalString(artifactPath); w.optionalString(artifactSHA256)
            w.optionalInt(parent); w.optionalString(description); w.keyValues(datasets); w.keyValues(metrics)
        case .stageChanged(let model, let version, let from, let to, let archived):
            w.int(model); w.int(version); w.enumValue(from); w.enumValue(to); w.ints(archived)
        case .aliasSet(let model, let alias, let version):
            w.int(model); w.string(alias); w.int(version)
        case .aliasRemoved(let model, let alias):
            w.int(model); w.string(alias)
        case .policySet(let model, let policy):
            w.int(model); w.string(policy.metric)
            var flags: UInt8 = 0
            if policy.lowerIsBetter { flags |= PolicyFlag.lowerIsBetter }
            if policy.requiresApproval { flags |= PolicyFlag.requiresApproval }
            if policy.separateApprover { flags |= PolicyFlag.separateApprover }
            w.u8(flags)
            w.optionalDouble(policy.minimum); w.optionalDouble(policy.improvementPercent)
            w.optionalDouble(policy.maxLatencyMs)
        case .promotionEvaluated(let model, let version, let e):
            w.int(model); w.int(version)
            w.optionalDouble(e.challengerValue); w.optionalInt(e.champion); w.optionalDouble(e.championValue)
            w.optionalDouble(e.improvementPercent); w.optionalDouble(e.latencyMs)
            w.enumValue(e.decision); w.string(e.explanation)
        case .promotionApproved(let model, let version), .promotionRejected(let model, let version):
            w.int(model); w.int(version)
        case .rollbackPerformed(let model, let toTime, let toSequence):
            w.int(model)
            w.optional(toTime) { $0.zigzag($1) }
            w.optional(toSequence) { $0.varint($1) }
        case let .abTestCreated(test, name, model, variants, metric, continuous, guardrails, minimumSample, alpha, salt,
                                sequential):
            w.int(test); w.string(name); w.int(model)
            w.varint(UInt64(variants.count))
            for v in variants { w.string(v.name); w.int(v.version); w.int(v.weightBasisPoints) }
            w.string(metric)
            w.u8((continuous ? ABFlag.continuous : 0) | (sequential ? ABFlag.sequential : 0))
            w.varint(UInt64(guardrails.count))
            for g in guardrails { w.string(g.metric); w.u8(g.higherIsWorse ? 1 : 0) }
            w.int(minimumSample); w.double(alpha); w.string(salt)
        case .abTestStarted(let test), .abTestStopped(let test):
            w.int(test)
        case let .abUnitsAssigned(test, units, variants):
            w.int(test)
            w.varint(UInt64(units.count))
            for (u, v) in zip(units, variants) { w.string(u); w.int(v) }
        case let .abOutcomesRecorded(test, outcomes):
            w.int(test)
            w.varint(UInt64(outcomes.count))
            for o in outcomes { w.string(o.unit); w.int(o.metric); w.double(o.value) }
        case let .abTestConcluded(test, decision, promotedVariant):
            w.int(test); w.string(decision); w.optionalInt(promotedVariant)
        case let .predictionsLogged(model, version, latencies, predictions, actuals):
            w.int(model); w.int(version)
            w.varint(UInt64(latencies.count))
            for i in latencies.indices {
                let p = i < predictions.count ? predictions[i] : nil, a = i < actuals.count ? actuals[i] : nil
                w.u8((p != nil ? 1 : 0) | (a != nil ? 2 : 0))
                w.double(latencies[i])
                if let p { w.double(p) }
                if let a { w.double(a) }
            }
        case let .baselineSet(model, version, values, source):
            w.int(model); w.int(version)
            w.varint(UInt64(values.count))
            for v in values { w.double(v) }
            w.string(source)
        case let .driftChecked(model, version, since, psi, ksStatistic, ksPValue, drifted, baselineSize, currentSize):
            w.int(model); w.int(version); w.optional(since) { $0.zigzag($1) }
            w.double(psi); w.double(ksStatistic); w.double(ksPValue); w.u8(drifted ? 1 : 0)
            w.int(baselineSize); w.int(currentSize)
        case let .alertRaised(model, version, kind, metric, threshold, observed, message):
            w.int(model); w.int(version); w.string(kind); w.string(metric); w.double(threshold); w.double(observed)
            w.string(message)
        case let .monitorThresholdsSet(model, psi, ksPValue, relativeDrop):
            w.int(model); w.double(psi); w.double(ksPValue); w.double(relativeDrop)
        case let .storeRepaired(truncatedAfter, removedBytes, savedTo):
            w.varint(truncatedAfter); w.zigzag(removedBytes); w.string(savedTo)
        case let .storePruned(throughSequence, throughTime, chain, segments, bytes):
            w.varint(throughSequence); w.zigzag(throughTime); w.string(chain); w.int(segments); w.zigzag(bytes)
        case let .retentionSet(minDays):
            w.int(minDays)
        case let .identityErased(pseudonym):
            w.string(pseudonym)
        }
    }

    /// Series count; per series the key, the point count, then per point the step and time as zigzag deltas from
    /// the previous point of the series (from 0 for the first) and the value's 8 bytes.
    static func encodeSeries(_ series: [MetricSeries], _ w: inout BinaryWriter) {
        w.int(series.count)
        for s in series {
            w.string(s.key)
            w.int(s.points.count)
            var step: Int64 = 0
            var time: Int64 = 0
            for p in s.points {
                w.zigzag(p.step &- step)
                w.zigzag(p.time &- time)
                w.double(p.value)
                step = p.step
                time = p.time
            }
        }
    }
}

/// Flag bits of `ab.created`.
enum ABFlag {
    static let continuous: UInt8 = 1
    static let sequential: UInt8 = 2
}
