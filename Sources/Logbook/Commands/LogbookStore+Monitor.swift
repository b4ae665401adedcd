internal import LogbookEvents
package import LogbookStats

/// `monitor status`: latency percentiles and the prediction distribution over a window.
public struct MonitorStatus: Equatable, Sendable {
    /// Predictions in the window.
    public var count: UInt64
    /// Latency percentiles (ms), within 1% of the exact values; nil without predictions.
    public var latencyP50: Double?, latencyP95: Double?, latencyP99: Double?
    /// Mean and standard deviation of the predicted values.
    public var predictionMean: Double?, predictionStd: Double?
}

/// `monitor compare`: the production value of a model version against its training metric.
public struct DegradationReport: Equatable, Sendable {
    /// "accuracy" (every prediction and actual 0/1) or "mae".
    public var measure: String
    /// Its production value, from predictions logged with actual outcomes.
    public var production: Double
    /// The metric of the run behind the version.
    public var training: Double
    /// How far production is behind training, as a fraction (positive is worse); nil when training is 0.
    public var relativeDrop: Double?
    /// Whether the drop passed the model's threshold (and an alert was recorded).
    public var alerted: Bool
}

extension LogbookStore {
    func requireMonitored(model name: String, version number: Int) throws(LogbookError) -> (Model, ModelVersion) {
        let m = try requireModel(name)
        return (m, try requireVersion(m, number))
    }

    /// Logs served predictions (one batch, one durable write); a batch whose p99 latency passes the promotion
    /// policy's maximum also records a latency alert in the same write.
    /// - Returns: the alert raised, if any.
    @discardableResult
    public func logPredictions(model name: String, version number: Int,
                               _ items: [(latency: Double, prediction: Double?, actual: Double?)],
                               _ context: WriteContext) throws(LogbookError) -> MonitorAlert? {
        let (m, _) = try requireMonitored(model: name, version: number)
        guard !items.isEmpty else { throw LogbookError.usage("No predictions to log") }
        var histogram = LogHistogram()
        for (i, item) in items.enumerated() {
            guard item.latency.isFinite && item.latency >= 0 else {
                throw LogbookError.usage("Prediction \(i + 1): latency \(item.latency) ms is not a finite number of 0 or more")
            }
            if let p = item.prediction, !p.isFinite { throw LogbookError.usage("Prediction \(i + 1): the prediction \(p) is not finite") }
            if let a = item.actual, !a.isFinite { throw LogbookError.usage("Prediction \(i + 1): the actual \(a) is not finite") }
            if item.actual != nil && item.prediction == nil {
                throw LogbookError.usage("Prediction \(i + 1) has an actual outcome but no prediction")
            }
            histogram.add(item.latency)
        }
        var events: [Event] = [.predictionsLogged(model: m.ordinal, version: number, latencies: items.map(\.latency),
                                                  predictions: items.map(\.prediction), actuals: items.map(\.actual))]
        var alert: MonitorAlert?
        if let max = m.policy?.maxLatencyMs, let p99 = histogram.quantile(0.99), p99 > max {
            let message = "p99 latency \(Self.format(p99)) ms of version \(number) passes the policy's maximum \(Self.format(max)) ms"
            events.append(.alertRaised(model: m.ordinal, version: number, kind: "latency", metric: "latency_ms_p99",
                                       threshold: max, observed: p99, message: message))
            alert = MonitorAlert(model: m.ordinal, version: number, time: 0, sequence: 0, kind: "latency",
                                 metric: "latency_ms_p99", threshold: max, observed: p99, message: message)
        }
        try append(events, context)
        if alert != nil { alert = state.alerts.last }
        return alert
    }

    /// Sets the reference prediction values a version's drift is measured against.
    public func setBaseline(model name: String, version number: Int, values: [Double], source: String,
                            _ context: WriteContext) throws(LogbookError) {
        let (m, _) = try requireMonitored(model: name, version: number)
        guard !values.isEmpty else { throw LogbookError.usage("The baseline has no values") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw LogbookError.usage("Baseline value \(bad + 1) is \(values[bad]); values are finite numbers")
        }
        try Validate.text(source, "baseline source", limit: 1024)
        try append([.baselineSet(model: m.ordinal, version: number, values: values, source: source)], context)
    }

    /// Sets the baseline of `version` from the predictions `sourceVersion` logged between `since` and `until`
    /// (inclusive; nil: unbounded) — e.g. the champion's last week, as the reference for a challenger.
    /// - Returns: the number of values.
    @discardableResult
    public func setBaseline(model name: String, version number: Int, fromVersion sourceVersion: Int, since: Int64? = nil,
                            until: Int64? = nil, _ context: WriteContext) throws(LogbookError) -> Int {
        let (m, _) = try requireMonitored(model: name, version: number)
        _ = try requireVersion(m, sourceVersion)
        guard let monitor = state.monitor(model: m.ordinal, version: sourceVersion) else {
            throw LogbookError.refused("Version \(sourceVersion) of '\(name)' has logged no predictions")
        }
        // A baseline keeps at most the reservoir's bound: beyond it drift would sample it anyway.
        var sample = DriftCheck.Reservoir(seed: DriftCheck.baselineSeed)
        try predictionSample(monitor, since: since, until: until, into: &sample)
        let values = sample.values
        guard !values.isEmpty else {
            throw LogbookError.refused("Version \(sourceVersion) of '\(name)' logged no predicted values in that window")
        }
        let window = "\(since.map(Timestamp.iso) ?? "the start")...\(until.map(Timestamp.iso) ?? "now")"
        try append([.baselineSet(model: m.ordinal, version: number, values: values,
                                 source: "predictions of version \(sourceVersion), \(window)")], context)
        return values.count
    }

    /// Sets a model's monitoring thresholds (nil keeps the current value).
    public func setMonitorThresholds(model name: String, psi: Double? = nil, ksPValue: Double? = nil,
                                     relativeDrop: Double? = nil, _ context: WriteContext) throws(LogbookError) {
        let m = try requireModel(name)
        var t = state.thresholds(model: m.ordinal)
        if let psi { guard psi > 0 && psi.isFinite else { throw LogbookError.usage("The PSI threshold must be positive") }; t.psi = psi }
        if let ksPValue {
            guard ksPValue > 0 && ksPValue < 1 else { throw LogbookError.usage("The KS p-value threshold must be between 0 and 1") }
            t.ksPValue = ksPValue
        }
        if let relativeDrop {
            guard relativeDrop > 0 && relativeDrop.isFinite else { throw LogbookError.usage("The relative drop must be positive (e.g. 0.05)") }
            t.relativeDrop = relativeDrop
        }
        try append([.monitorThresholdsSet(model: m.ordinal, psi: t.psi, ksPValue: t.ksPValue, relativeDrop: t.relativeDrop)],
                   context)
    }

    /// Latency percentiles and prediction statistics of a model (one version, or all) since a time, as of `past`.
    /// - Complexity: O(minutes in the window × buckets), independent of the number of predictions.
    public func monitorStatus(model name: String, version: Int? = nil, since: Int64? = nil,
                              in past: LogbookState? = nil) throws(LogbookError) -> MonitorStatus {
        let s = past ?? state
        guard let m = s.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        if let version, !(version >= 1 && version <= m.versions.count) {
            throw LogbookError.notFound("Model '\(name)' has no version \(version)")
        }
        var total = MinuteStats(minute: 0)
        for monitor in s.monitors where monitor.model == m.ordinal && (version == nil || monitor.version == version) {
            let part = monitor.merged(since: since)
            total.latency.merge(part.latency)
            total.predictions.merge(part.predictions)
        }
        return MonitorStatus(count: total.latency.count, latencyP50: total.latency.quantile(0.5),
                             latencyP95: total.latency.quantile(0.95), latencyP99: total.latency.quantile(0.99),
                             predictionMean: total.predictions.mean,
                             predictionStd: total.predictions.sampleVariance.map { $0.squareRoot() })
    }

    /// Feeds the predicted values a version logged since `since` (all when nil) into a bounded reservoir, reading
    /// its prediction events one at a time (memory stays at the reservoir's size).
    func predictionSample(_ monitor: VersionMonitor, since: Int64?, until: Int64? = nil,
                          into reservoir: inout DriftCheck.Reservoir) throws(LogbookError) {
        for (position, time) in zip(monitor.predictionEvents, monitor.predictionEventTimes)
        where time >= (since ?? .min) && time <= (until ?? .max) {
            if case let .predictionsLogged(_, _, _, predictions, _)? = try events(at: [position]).first?.event {
                for p in predictions { if let p { reservoir.add(p) } }
            }
        }
    }

    /// Checks a version's predictions since `since` against its baseline (PSI and KS; exact up to 100,000 values per
    /// side, a reservoir sample beyond) and records the result; crossing a threshold also records an alert.
    @discardableResult
    package func checkDrift(model name: String, version number: Int, since: Int64? = nil,
                            _ context: WriteContext) throws(LogbookError) -> DriftCheck.Result {
        let (m, _) = try requireMonitored(model: name, version: number)
        guard let monitor = state.monitor(model: m.ordinal, version: number), let baselinePosition = monitor.baseline else {
            throw LogbookError.refused("Version \(number) of '\(name)' has no baseline; set one with 'logbook monitor baseline'")
        }
        var baseline = DriftCheck.Reservoir(seed: DriftCheck.baselineSeed)
        guard case let .baselineSet(_, _, values, _)? = try events(at: [baselinePosition]).first?.event else {
            throw LogbookError.refused("The baseline of version \(number) of '\(name)' was pruned with old history; set a new one with 'logbook monitor baseline'")
        }
        for v in values { baseline.add(v) }
        var current = DriftCheck.Reservoir(seed: DriftCheck.currentSeed)
        try predictionSample(monitor, since: since, into: &current)
        guard current.seen > 0 else {
            throw LogbookError.refused("Version \(number) of '\(name)' has no predicted values in the window to compare")
        }
        let t = state.thresholds(model: m.ordinal)
        guard let result = DriftCheck.check(baseline: baseline, current: current, psiThreshold: t.psi,
                                            ksPValueThreshold: t.ksPValue) else {
            throw LogbookError(.failure, "The drift check could not be computed")
        }
        var events: [Event] = [.driftChecked(model: m.ordinal, version: number, since: since, psi: result.psi,
                                             ksStatistic: result.ksStatistic, ksPValue: result.ksPValue, drifted: result.drifted,
                                             baselineSize: result.baselineSize, currentSize: result.currentSize)]
        if result.drifted {
            let psiCrossed = result.psi > t.psi
            events.append(.alertRaised(model: m.ordinal, version: number, kind: "drift", metric: psiCrossed ? "psi" : "ks_p_value",
                                       threshold: psiCrossed ? t.psi : t.ksPValue,
                                       observed: psiCrossed ? result.psi : result.ksPValue,
                                       message: "predictions of version \(number) drifted: PSI \(Self.format(result.psi)), "
                                           + "KS D \(Self.format(result.ksStatistic)), p \(Self.format(result.ksPValue))"))
        }
        try append(events, context)
        return result
    }

    /// Compares a version's production value (accuracy when every prediction and actual is 0/1, MAE otherwise)
    /// with the metric `key` of the run behind it; a drop past the model's threshold records an alert.
    public func compareToTraining(model name: String, version number: Int, metric key: String,
                                  _ context: WriteContext) throws(LogbookError) -> DegradationReport {
        let (m, v) = try requireMonitored(model: name, version: number)
        guard let id = state.metricKeys.id(of: key), let training = state.runs[v.run - 1].latest.first(where: { $0.key == id })?.value,
              training.isFinite else {
            throw LogbookError.notFound("The run of version \(number) has no metric '\(key)'")
        }
        guard let monitor = state.monitor(model: m.ordinal, version: number), case let total = monitor.merged(since: nil),
              total.withActuals > 0 else {
            throw LogbookError.refused("Version \(number) of '\(name)' has no predictions logged with actual outcomes")
        }
        let accuracy = total.allBinary
        let production = accuracy ? Double(total.hits) / Double(total.withActuals) : total.absoluteErrorSum / Double(total.withActuals)
        // Accuracy: higher is better; MAE: lower is better.
        let drop: Double? = training == 0 ? nil : (accuracy ? (training - production) : (production - training)) / abs(training)
        let threshold = state.thresholds(model: m.ordinal).relativeDrop
        let alerted = (drop ?? 0) > threshold
        if alerted {
            try append([.alertRaised(model: m.ordinal, version: number, kind: "degradation", metric: key,
                                     threshold: threshold, observed: drop!,
                                     message: "production \(accuracy ? "accuracy" : "MAE") \(Self.format(production)) of version "
                                         + "\(number) is \(Self.percent(drop! * 100)) behind training \(key) \(Self.format(training))")],
                       context)
        }
        return DegradationReport(measure: accuracy ? "accuracy" : "mae", production: production, training: training,
                                 relativeDrop: drop, alerted: alerted)
    }

    /// The alerts raised (for one model, or all), as of `past`.
    public func monitorAlerts(model name: String? = nil, in past: LogbookState? = nil) throws(LogbookError) -> [MonitorAlert] {
        let s = past ?? state
        guard let name else { return s.alerts }
        guard let m = s.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        return s.alerts.filter { $0.model == m.ordinal }
    }
}
