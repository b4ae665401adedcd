/// Result of the two-proportion z-test (control a, treatment b).
package struct ProportionZTestResult: Sendable, Equatable {
    /// Conversion rate of a, x_a/n_a.
    package let rateA: Double
    /// Conversion rate of b, x_b/n_b.
    package let rateB: Double
    /// rateB - rateA.
    package let difference: Double
    /// (x_a + x_b)/(n_a + n_b).
    package let pooledRate: Double
    /// sqrt(p(1-p)(1/n_a + 1/n_b)) with the pooled rate.
    package let pooledStandardError: Double
    /// difference / pooledStandardError; nil when the pooled SE is 0 (both arms 0% or both 100%).
    package let z: Double?
    /// 2 sf(|z|); 1 by convention when z is undefined.
    package let pValueTwoSided: Double
    /// sf(z) for the alternative b > a; 1 by convention when z is undefined.
    package let pValueOneSidedGreater: Double
    /// Unpooled (Wald) standard error of the difference.
    package let unpooledStandardError: Double
    /// Φ⁻¹(1 - alpha/2).
    package let zCritical: Double
    /// Wald interval of the difference (zero width when both arms are 0% or 100%).
    package let differenceInterval: ConfidenceInterval
    /// rateB/rateA - 1; nil when rateA = 0.
    package let relativeLift: Double?
    /// Delta-method standard error of the relative lift; nil when rateA = 0.
    package let relativeLiftStandardError: Double?
    /// relativeLift -/+ zCritical * relativeLiftStandardError; nil when rateA = 0.
    package let relativeLiftIntervalDelta: ConfidenceInterval?
    /// Log-ratio (Katz) interval of the relative lift; nil when either arm has 0 conversions.
    package let relativeLiftIntervalLog: ConfidenceInterval?
}

/// The pooled two-proportion z-test with Wald and relative-lift intervals.
package enum ProportionZTest: Sendable {
    /// Tests conversionsB/unitsB against conversionsA/unitsA; nil unless 0 <= x <= n, n > 0 and 0 < alpha < 1.
    package static func test(
        conversionsA xA: Int, unitsA nA: Int,
        conversionsB xB: Int, unitsB nB: Int,
        alpha: Double = 0.05
    ) -> ProportionZTestResult? {
        guard nA > 0, nB > 0, xA >= 0, xB >= 0, xA <= nA, xB <= nB, alpha > 0, alpha < 1,
              let zCritical = Normal.isf(alpha / 2) else { return nil }
        let na = Double(nA), nb = Double(nB), xa = Double(xA), xb = Double(xB)
        let pA = xa / na
        let pB = xb / nb
        let difference = pB - pA
        let pooled = (xa + xb) / (na + nb)
        let pooledSE = (pooled * (1 - pooled) * (1 / na + 1 / nb)).squareRoot()
        var z: Double? = nil
        var pTwo = 1.0
        var pGreater = 1.0
        if pooledSE > 0 {
            let zValue = difference / pooledSE
            z = zValue
            pTwo = min(1, 2 * Normal.sf(abs(zValue)))
            pGreater = Normal.sf(zValue)
        }
        let unpooledSE = (pA * (1 - pA) / na + pB * (1 - pB) / nb).squareRoot()
        let differenceInterval = ConfidenceInterval(center: difference, halfWidth: zCritical * unpooledSE)

        var lift: Double? = nil
        var liftSE: Double? = nil
        var liftDelta: ConfidenceInterval? = nil
        var liftLog: ConfidenceInterval? = nil
        if pA > 0 {
            let l = pB / pA - 1
            let variance = pB * (1 - pB) / (nb * pA * pA) + pB * pB * pA * (1 - pA) / (na * pA * pA * pA * pA)
            let se = variance.squareRoot()
            lift = l
            liftSE = se
            liftDelta = ConfidenceInterval(center: l, halfWidth: zCritical * se)
            if xB > 0 {
                let logSE = max(0, 1 / xa - 1 / na + 1 / xb - 1 / nb).squareRoot()
                let logRatio = libmLog(pB / pA)
                liftLog = ConfidenceInterval(
                    lower: libmExpm1(logRatio - zCritical * logSE),
                    upper: libmExpm1(logRatio + zCritical * logSE))
            }
        }
        return ProportionZTestResult(
            rateA: pA, rateB: pB, difference: difference, pooledRate: pooled, pooledStandardError: pooledSE,
            z: z, pValueTwoSided: pTwo, pValueOneSidedGreater: pGreater,
            unpooledStandardError: unpooledSE, zCritical: zCritical, differenceInterval: differenceInterval,
            relativeLift: lift, relativeLiftStandardError: liftSE,
            relativeLiftIntervalDelta: liftDelta, relativeLiftIntervalLog: liftLog)
    }
}
