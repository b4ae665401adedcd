public import LogbookEvents
package import LogbookStorage

/// An experiment as the tracking projection knows it.
public struct Experiment: Equatable, Sendable {
    /// Its id (1, 2, ...), MLflow's experiment_id.
    public var id: Int
    /// Its current name.
    public var name: String
    /// Its tags.
    public var tags: [KeyValue]
    /// Soft-deleted: hidden from lists, name free for reuse, restorable.
    public var isDeleted = false
    /// When it was created.
    public var createdTime: Int64
    /// Ordinals of its runs, in start order.
    public var runs: [Int] = []
}

/// The latest value of one metric of a run (MLflow's latest_metrics rule: the point with the greatest
/// (step, time, value) wins).
public struct LatestMetric: Equatable, Sendable {
    /// Interned key id.
    public var key: Int32
    /// Step of the latest point.
    public var step: Int64
    /// Its value.
    public var value: Double
    /// Its time.
    public var time: Int64

    /// Whether `p` replaces this as the latest point.
    func isSuperseded(by p: MetricPoint) -> Bool {
        Self.isLater(p, than: MetricPoint(step: step, value: value, time: time))
    }

    /// The latest-point order (``MetricPoint/isLater(than:)``); an equal point does not replace the one held, so
    /// folding a series with it keeps the earliest of equals, as applying each would.
    @inline(__always)
    static func isLater(_ p: MetricPoint, than q: MetricPoint) -> Bool { p.isLater(than: q) }

    public static func == (a: LatestMetric, b: LatestMetric) -> Bool {
        a.key == b.key && a.step == b.step && a.time == b.time && a.value.bitPattern == b.value.bitPattern
    }
}

/// An artifact of a run: a path inside the run, its size and the SHA-256 of its bytes.
public struct Artifact: Equatable, Sendable {
    /// The path inside the run.
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// SHA-256 of the bytes, lowercase hex; the bytes are stored under this name.
    public var sha256: String
}

/// A run as the tracking projection knows it.
public struct Run: Equatable, Sendable {
    /// Its ordinal (1, 2, ...): the n-th run started.
    public var ordinal: Int
    /// Its string id (MLflow's run_id).
    public var id: String
    /// The experiment it belongs to.
    public var experiment: Int
    /// Its name.
    public var name: String
    /// The parent run's ordinal, for nested runs.
    public var parent: Int?
    /// Status.
    public var status: RunStatus = .running
    /// Start time.
    public var startTime: Int64
    /// End time, once ended.
    public var endTime: Int64?
    /// Soft-deleted.
    public var isDeleted = false
    /// Params, sorted by key.
    public var params: [KeyValue] = []
    /// Tags, sorted by key.
    public var tags: [KeyValue] = []
    /// Latest value per metric key, sorted by key id.
    public var latest: [LatestMetric] = []
    /// Artifacts in the order recorded (a path recorded again replaces the earlier entry).
    public var artifacts: [Artifact] = []
    /// Linked datasets (name, digest), in the order linked.
    public var datasets: [KeyValue] = []
    /// Where the code came from.
    public var source: String?
    /// The git commit recorded at start.
    public var gitCommit: String?
    /// How many model versions were registered from this run (such a run cannot be deleted).
    public var registeredVersions = 0
    /// Positions of its metricsLogged events, in log order (metric history reads only these).
    package var metricEvents: [LogPosition] = []
    /// Positions of its other events, in log order.
    package var otherEvents: [LogPosition] = []

    /// The value of a param.
    public func param(_ key: String) -> String? { params.first { $0.key == key }?.value }
    /// The value of a tag.
    public func tag(_ key: String) -> String? { tags.first { $0.key == key }?.value }
}

/// What lists of runs count: a run's status and whether it is deleted.
public struct RunLiveness: Equatable, Sendable {
    public var status: RunStatus
    public var isDeleted: Bool

    init(status: RunStatus, isDeleted: Bool) {
        self.status = status
        self.isDeleted = isDeleted
    }

    init(_ run: borrowing Run) { self.init(status: run.status, isDeleted: run.isDeleted) }
}

/// Interned strings (metric keys, actors): small integer ids in first-seen order.
public struct StringTable: Equatable, Sendable {
    /// The strings, by id.
    public private(set) var strings: [String] = []
    private var ids: [String: Int32] = [:]

    /// The id of `s`, adding it when new.
    mutating func intern(_ s: String) -> Int32 {
        if let id = ids[s] { return id }
        let id = Int32(strings.count)
        strings.append(s)
        ids[s] = id
        return id
    }

    /// The id of `s`, if known.
    public func id(of s: String) -> Int32? { ids[s] }

    /// Rebuilds from strings in id order.
    init(_ strings: [String]) {
        for s in strings { _ = intern(s) }
    }

    /// An empty table.
    public init() {}

    public static func == (a: StringTable, b: StringTable) -> Bool { a.strings == b.strings }
}

extension Array where Element == KeyValue {
    /// Sets `key` to `value`, keeping the array sorted by key.
    mutating func set(_ key: String, _ value: String) {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].key < key { lo = mid + 1 } else { hi = mid }
        }
        if lo < count && self[lo].key == key { self[lo].value = value } else { insert(KeyValue(key, value), at: lo) }
    }

    /// Removes `key` if present.
    mutating func remove(_ key: String) { removeAll { $0.key == key } }
}
