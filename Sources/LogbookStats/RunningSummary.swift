/// Count, mean and variance of one sample: the inputs of the Welch test.
package struct SampleSummary: Sendable, Equatable {
    /// Number of observations.
    package let count: Int
    /// Sample mean.
    package let mean: Double
    /// Sample variance with divisor count - 1.
    package let variance: Double

    /// A summary from its parts.
    package init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }

    /// Two-pass mean and (n-1) variance of `samples`; nil for fewer than 2 values or a non-finite value.
    package init?(samples: [Double]) {
        guard samples.count >= 2, samples.allSatisfy(\.isFinite) else { return nil }
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        var squares = 0.0
        for v in samples {
            let d = v - mean
            squares += d * d
        }
        self.init(count: samples.count, mean: mean, variance: squares / (n - 1))
    }
}

/// Streaming count, mean and variance (Welford), mergeable across partial tallies (Chan et al.).
///
/// Values are tallied relative to the first one (`shift`), so data with a large common offset (timestamps,
/// latencies around a baseline) keep their precision: x - shift is exact for nearby values.
package struct RunningSummary: Sendable, Equatable {
    /// Number of values added.
    package private(set) var count: Int = 0
    /// The first value added (0 while empty); everything else is kept relative to it.
    private var shift: Double = 0
    /// Running mean of (value - shift).
    private var shiftedMean: Double = 0
    /// Sum of squared deviations from the running mean.
    private var sumOfSquares: Double = 0

    /// An empty summary.
    package init() {}

    /// The exact internal state, for storing a summary and reading it back bit for bit (snapshots).
    package var storedParts: (count: Int, shift: Double, shiftedMean: Double, sumOfSquares: Double) {
        (count, shift, shiftedMean, sumOfSquares)
    }

    /// A summary from ``storedParts``.
    package init(storedParts p: (count: Int, shift: Double, shiftedMean: Double, sumOfSquares: Double)) {
        count = p.count
        shift = p.shift
        shiftedMean = p.shiftedMean
        sumOfSquares = p.sumOfSquares
    }

    /// A summary of `values`, added in order.
    package init(_ values: some Sequence<Double>) {
        for v in values { add(v) }
    }

    /// Adds one value.
    package mutating func add(_ value: Double) {
        if count == 0 { shift = value }
        count += 1
        let x = value - shift
        let delta = x - shiftedMean
        shiftedMean += delta / Double(count)
        sumOfSquares += delta * (x - shiftedMean)
    }

    /// Folds another summary into this one, as if its values had been added here.
    package mutating func merge(_ other: RunningSummary) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let n1 = Double(count), n2 = Double(other.count)
        let total = n1 + n2
        // Difference of the two means, from the shifts first (exact when they are close).
        let delta = (other.shift - shift) + (other.shiftedMean - shiftedMean)
        shiftedMean += delta * (n2 / total)
        sumOfSquares += other.sumOfSquares + delta * delta * (n1 * n2 / total)
        count += other.count
    }

    /// This summary merged with another.
    package func merged(with other: RunningSummary) -> RunningSummary {
        var copy = self
        copy.merge(other)
        return copy
    }

    /// The mean; nil while empty.
    package var mean: Double? {
        count > 0 ? shift + shiftedMean : nil
    }

    /// The sample variance (divisor n - 1); nil for fewer than 2 values.
    package var sampleVariance: Double? {
        count > 1 ? sumOfSquares / Double(count - 1) : nil
    }

    /// The population variance (divisor n); nil while empty.
    package var populationVariance: Double? {
        count > 0 ? sumOfSquares / Double(count) : nil
    }

    /// Count, mean and sample variance for the Welch test; nil for fewer than 2 values.
    package var summary: SampleSummary? {
        guard let mean, let variance = sampleVariance else { return nil }
        return SampleSummary(count: count, mean: mean, variance: variance)
    }
}
