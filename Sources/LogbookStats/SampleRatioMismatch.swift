/// Result of the sample-ratio-mismatch (SRM) chi-square goodness-of-fit test.
package struct SampleRatioMismatchResult: Sendable, Equatable {
    /// Expected count per variant, w_i / sum(w) * N.
    package let expectedCounts: [Double]
    /// Pearson statistic sum (o - e)²/e; nil when there are no observations.
    package let chiSquared: Double?
    /// k - 1.
    package let degreesOfFreedom: Int
    /// sf_chi2(chiSquared, k - 1); 1 by convention when there are no observations.
    package let pValue: Double
    /// pValue < threshold (0.001 unless another threshold was asked for).
    package let isMismatch: Bool
}

/// The sample-ratio-mismatch check: do observed assignment counts fit the configured weights?
package enum SampleRatioMismatch: Sendable {
    /// The usual alert threshold on the p-value.
    package static let defaultThreshold = 0.001

    /// Tests `observed` counts against `weights` (any positive scale); nil unless there are at least 2
    /// variants, as many weights as counts, every weight positive and finite, and every count >= 0.
    package static func test(
        observed: [Int], weights: [Double], threshold: Double = defaultThreshold
    ) -> SampleRatioMismatchResult? {
        guard observed.count >= 2, observed.count == weights.count,
              observed.allSatisfy({ $0 >= 0 }), weights.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let total = Double(observed.reduce(0, +))
        let weightSum = weights.reduce(0, +)
        let expected = weights.map { $0 / weightSum * total }
        let df = observed.count - 1
        guard total > 0 else {
            return SampleRatioMismatchResult(
                expectedCounts: expected, chiSquared: nil, degreesOfFreedom: df, pValue: 1, isMismatch: false)
        }
        var statistic = 0.0
        for (o, e) in zip(observed, expected) {
            let d = Double(o) - e
            statistic += d * d / e
        }
        let p = ChiSquared.sf(statistic, df: Double(df)) ?? 1
        return SampleRatioMismatchResult(
            expectedCounts: expected, chiSquared: statistic, degreesOfFreedom: df, pValue: p,
            isMismatch: p < threshold)
    }
}
