/// A mergeable histogram with logarithmic buckets for non-negative values (latencies): any quantile is returned
/// within 1% of the exact value at that rank, whatever the distribution, with a few hundred buckets.
///
/// Bucket `i` holds the values in (γ^(i−1), γ^i] with γ = (1 + α)/(1 − α), α = 0.01, and stands for the value
/// 2γ^i/(γ + 1), which is within α (relative) of every value in the bucket (the DDSketch construction of
/// Masson, Rim and Lee, 2019). Values at or below `zeroThreshold` share one bucket that stands for 0. Histograms of
/// disjoint parts merge by adding counts, exactly: the histogram of a minute, of an hour and of a version are
/// the same kind of value.
package struct LogHistogram: Sendable, Equatable {
    /// The relative accuracy α of every quantile.
    package static let relativeAccuracy = 0.01
    /// γ = (1 + α)/(1 − α).
    package static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let logGamma = libmLog(gamma)
    /// Values at or below this count as 0 (1 ns when values are milliseconds).
    package static let zeroThreshold = 1e-6

    /// Values added.
    package private(set) var count: UInt64 = 0
    /// Values at or below the zero threshold.
    package private(set) var zeroCount: UInt64 = 0
    /// Counts per bucket index.
    package private(set) var buckets: [Int32: UInt64] = [:]
    /// The smallest and largest values added (quantiles are clamped to them).
    package private(set) var minimum = Double.infinity
    package private(set) var maximum = -Double.infinity

    /// An empty histogram.
    package init() {}

    /// The bucket of a positive value above the zero threshold.
    @inline(__always)
    static func index(of value: Double) -> Int32 {
        Int32((libmLog(value) / logGamma).rounded(.up))
    }

    /// The value bucket `i` stands for.
    static func representative(of i: Int32) -> Double {
        2 * libmPow(gamma, Double(i)) / (gamma + 1)
    }

    /// Adds a value; false (and nothing added) for a negative or non-finite one.
    @discardableResult
    package mutating func add(_ value: Double) -> Bool {
        guard value.isFinite, value >= 0 else { return false }
        count += 1
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
        if value <= Self.zeroThreshold { zeroCount += 1 } else { buckets[Self.index(of: value), default: 0] += 1 }
        return true
    }

    /// Adds another histogram's counts (as if its values had been added here).
    package mutating func merge(_ other: LogHistogram) {
        guard other.count > 0 else { return }
        count += other.count
        zeroCount += other.zeroCount
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
        for (i, c) in other.buckets { buckets[i, default: 0] += c }
    }

    /// The value at quantile `q` (0...1): within 1% of the exact value at rank ⌊q (count − 1)⌋ of the sorted values.
    /// nil when empty or `q` is outside 0...1.
    package func quantile(_ q: Double) -> Double? {
        guard count > 0, q >= 0, q <= 1 else { return nil }
        let rank = UInt64((q * Double(count - 1)).rounded(.down))
        if rank < zeroCount { return Swift.max(0, minimum) }
        var seen = zeroCount
        for (i, c) in buckets.sorted(by: { $0.key < $1.key }) {
            seen += c
            if rank < seen { return Swift.min(Swift.max(Self.representative(of: i), minimum), maximum) }
        }
        return maximum
    }

    /// The buckets in index order (for storing the histogram canonically).
    package var sortedBuckets: [(index: Int32, count: UInt64)] {
        buckets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A histogram from its stored parts (see ``sortedBuckets``); nil when they do not add up.
    package init?(zeroCount: UInt64, buckets: [(index: Int32, count: UInt64)], minimum: Double, maximum: Double) {
        var total = zeroCount
        for b in buckets {
            guard b.count > 0, self.buckets[b.index] == nil else { return nil }
            self.buckets[b.index] = b.count
            let (sum, overflow) = total.addingReportingOverflow(b.count)
            guard !overflow else { return nil }
            total = sum
        }
        guard total == 0 || (minimum <= maximum && minimum >= 0) else { return nil }
        self.zeroCount = zeroCount
        count = total
        self.minimum = total == 0 ? .infinity : minimum
        self.maximum = total == 0 ? -.infinity : maximum
    }
}
