/// Result of Welch's two-sample t-test (control a, treatment b).
package struct WelchTTestResult: Sendable, Equatable {
    /// Summary of a (count, mean, variance) the test used.
    package let summaryA: SampleSummary
    /// Summary of b (count, mean, variance) the test used.
    package let summaryB: SampleSummary
    /// mean_b - mean_a.
    package let difference: Double
    /// sqrt(var_a/n_a + var_b/n_b).
    package let standardError: Double
    /// difference / standardError; nil when the standard error is 0.
    package let t: Double?
    /// Welch-Satterthwaite degrees of freedom; nil when the standard error is 0.
    package let degreesOfFreedom: Double?
    /// 2 sf_t(|t|, df); with zero standard error 1 if the means are equal, else 0.
    package let pValueTwoSided: Double
    /// sf_t(t, df) for the alternative b > a; with zero standard error 1 if mean_b <= mean_a, else 0.
    package let pValueOneSidedGreater: Double
    /// ppf_t(1 - alpha/2, df); nil when df is undefined.
    package let tCritical: Double?
    /// difference -/+ tCritical standardError; nil when df is undefined.
    package let differenceInterval: ConfidenceInterval?
    /// (mean_b - mean_a)/|mean_a|; nil when mean_a = 0 or df is undefined.
    package let relativeLift: Double?
    /// Delta-method standard error of the relative lift; nil when relativeLift is.
    package let relativeLiftStandardError: Double?
    /// relativeLift -/+ tCritical relativeLiftStandardError; nil when relativeLift is.
    package let relativeLiftInterval: ConfidenceInterval?
}

/// Welch's unequal-variance t-test.
package enum WelchTTest: Sendable {
    /// The test from summaries; nil unless both counts are >= 2, variances >= 0, values finite, 0 < alpha < 1.
    package static func test(_ a: SampleSummary, _ b: SampleSummary, alpha: Double = 0.05) -> WelchTTestResult? {
        guard a.count >= 2, b.count >= 2, a.variance >= 0, b.variance >= 0,
              a.mean.isFinite, b.mean.isFinite, a.variance.isFinite, b.variance.isFinite,
              alpha > 0, alpha < 1 else { return nil }
        let na = Double(a.count), nb = Double(b.count)
        let wa = a.variance / na
        let wb = b.variance / nb
        let difference = b.mean - a.mean
        let se = (wa + wb).squareRoot()
        guard se > 0 else {
            // Degenerate: no spread in either arm. The difference is then certain (or exactly zero).
            return WelchTTestResult(
                summaryA: a, summaryB: b, difference: difference, standardError: se, t: nil,
                degreesOfFreedom: nil,
                pValueTwoSided: difference == 0 ? 1 : 0,
                pValueOneSidedGreater: difference > 0 ? 0 : 1,
                tCritical: nil, differenceInterval: nil,
                relativeLift: nil, relativeLiftStandardError: nil, relativeLiftInterval: nil)
        }
        let t = difference / se
        let df = (wa + wb) * (wa + wb) / (wa * wa / (na - 1) + wb * wb / (nb - 1))
        guard let sfAbs = StudentT.sf(abs(t), df: df),
              let sfT = StudentT.sf(t, df: df),
              let tCritical = StudentT.ppf(1 - alpha / 2, df: df) else { return nil }
        let interval = ConfidenceInterval(center: difference, halfWidth: tCritical * se)
        var lift: Double? = nil
        var liftSE: Double? = nil
        var liftInterval: ConfidenceInterval? = nil
        if a.mean != 0 {
            let l = difference / abs(a.mean)
            let ma2 = a.mean * a.mean
            let s = (b.variance / (nb * ma2) + a.variance * b.mean * b.mean / (na * ma2 * ma2)).squareRoot()
            lift = l
            liftSE = s
            liftInterval = ConfidenceInterval(center: l, halfWidth: tCritical * s)
        }
        return WelchTTestResult(
            summaryA: a, summaryB: b, difference: difference, standardError: se, t: t, degreesOfFreedom: df,
            pValueTwoSided: min(1, 2 * sfAbs), pValueOneSidedGreater: sfT,
            tCritical: tCritical, differenceInterval: interval,
            relativeLift: lift, relativeLiftStandardError: liftSE, relativeLiftInterval: liftInterval)
    }

    /// The test from raw samples (two-pass means and n-1 variances); nil as for summaries.
    package static func test(samplesA: [Double], samplesB: [Double], alpha: Double = 0.05) -> WelchTTestResult? {
        guard let a = SampleSummary(samples: samplesA), let b = SampleSummary(samples: samplesB) else { return nil }
        return test(a, b, alpha: alpha)
    }
}
