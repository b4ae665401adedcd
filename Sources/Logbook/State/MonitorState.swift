internal import LogbookEvents
package import LogbookStats
package import LogbookStorage

/// What one minute of a version's predictions looked like: mergeable, so any window is a merge of its minutes.
public struct MinuteStats: Equatable, Sendable {
    /// Minutes since the epoch (time / 60,000, rounded down).
    public var minute: Int64
    /// Latencies (ms) in a 1%-accurate log-bucket histogram.
    package var latency = LogHistogram()
    /// Predicted values.
    package var predictions = RunningSummary()
    /// Predictions that came with an actual outcome.
    public var withActuals = 0
    /// Of those, how many predicted 0/1 exactly right (when every pair so far was 0/1).
    public var hits = 0
    /// Whether every (prediction, actual) pair so far was 0/1 (accuracy applies), else MAE applies.
    public var allBinary = true
    /// Sum of |prediction − actual|.
    public var absoluteErrorSum = 0.0
}

/// The monitoring projection of one model version.
public struct VersionMonitor: Equatable, Sendable {
    /// The model (ordinal) and version.
    public var model: Int
    public var version: Int
    /// Per-minute statistics, ascending.
    public var minutes: [MinuteStats] = []
    /// Positions of its predictionsLogged events and their minutes (drift reads the window's values from these).
    package var predictionEvents: [LogPosition] = []
    package var predictionEventTimes: [Int64] = []
    /// The baselineSet event in force.
    package var baseline: LogPosition?
    /// Number of baseline values.
    public var baselineSize = 0

    /// The statistics of the minutes at or after `since` (all when nil), merged.
    func merged(since: Int64?) -> MinuteStats {
        var total = MinuteStats(minute: 0)
        let first = since.map { Self.minute(of: $0) } ?? .min
        for m in minutes where m.minute >= first {
            total.latency.merge(m.latency)
            total.predictions.merge(m.predictions)
            total.withActuals += m.withActuals
            total.hits += m.hits
            total.allBinary = total.allBinary && m.allBinary
            total.absoluteErrorSum += m.absoluteErrorSum
        }
        return total
    }

    static func minute(of time: Int64) -> Int64 { time / 60_000 - (time % 60_000 < 0 ? 1 : 0) }

    /// Applies one batch of predictions logged at `time`.
    mutating func apply(latencies: [Double], predictions: [Double?], actuals: [Double?], time: Int64, position: LogPosition) {
        let minute = Self.minute(of: time)
        if minutes.last?.minute != minute { minutes.append(MinuteStats(minute: minute)) }
        let i = minutes.count - 1
        for k in latencies.indices {
            minutes[i].latency.add(latencies[k])
            guard let p = k < predictions.count ? predictions[k] : nil else { continue }
            minutes[i].predictions.add(p)
            guard let a = k < actuals.count ? actuals[k] : nil else { continue }
            minutes[i].withActuals += 1
            let binary = (p == 0 || p == 1) && (a == 0 || a == 1)
            minutes[i].allBinary = minutes[i].allBinary && binary
            if binary && p == a { minutes[i].hits += 1 }
            minutes[i].absoluteErrorSum += abs(p - a)
        }
        predictionEvents.append(position)
        predictionEventTimes.append(time)
    }
}

/// A monitoring alert as recorded.
public struct MonitorAlert: Equatable, Sendable {
    public var model: Int
    public var version: Int
    public var time: Int64
    public var sequence: UInt64
    public var kind: String
    public var metric: String
    public var threshold: Double
    public var observed: Double
    public var message: String

    public static func == (a: MonitorAlert, b: MonitorAlert) -> Bool {
        a.model == b.model && a.version == b.version && a.time == b.time && a.sequence == b.sequence && a.kind == b.kind
            && a.metric == b.metric && a.threshold.bitPattern == b.threshold.bitPattern
            && a.observed.bitPattern == b.observed.bitPattern && a.message == b.message
    }
}

/// A model's monitoring thresholds (defaults: PSI > 0.25 or KS p < 0.01 is drift; 5% behind training is degradation).
public struct MonitorThresholds: Equatable, Sendable {
    public var psi = DriftCheck.defaultPSIThreshold
    public var ksPValue = DriftCheck.defaultKSPValueThreshold
    public var relativeDrop = 0.05

    /// The defaults.
    public init() {}
}

/// The monitoring projection: per model version, its alerts, and the thresholds set per model.
struct Monitoring: Equatable, Sendable {
    /// Monitoring per model version, sorted by (model, version).
    var monitors: [VersionMonitor] = []
    /// Alerts, in the order raised.
    var alerts: [MonitorAlert] = []
    /// Thresholds set per model (ordinal); models without an entry use the defaults.
    var thresholds: [Int: MonitorThresholds] = [:]

    /// The index of a version's monitor.
    func index(model: Int, version: Int) -> Int? {
        var lo = 0, hi = monitors.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (monitors[mid].model, monitors[mid].version) < (model, version) { lo = mid + 1 } else { hi = mid }
        }
        return lo < monitors.count && monitors[lo].model == model && monitors[lo].version == version ? lo : nil
    }

    /// The index of a version's monitor, inserted in order when new.
    mutating func slot(model: Int, version: Int) -> Int {
        if let i = index(model: model, version: version) { return i }
        let at = monitors.firstIndex { ($0.model, $0.version) > (model, version) } ?? monitors.count
        monitors.insert(VersionMonitor(model: model, version: version), at: at)
        return at
    }
}
