/// The effect a two-proportion test should detect.
package enum MinimumDetectableEffect: Sendable, Equatable {
    /// p2 = p1 + delta.
    case absolute(Double)
    /// p2 = p1 (1 + fraction).
    case relative(Double)
}

/// Per-arm sample sizes for a two-sided two-proportion test, by three formulas.
package struct SampleSizeResult: Sendable, Equatable {
    /// Treatment rate under the alternative.
    package let treatmentRate: Double
    /// p2 - p1.
    package let delta: Double
    /// Φ⁻¹(1 - alpha/2).
    package let zAlpha: Double
    /// Φ⁻¹(power).
    package let zBeta: Double
    /// Pooled-variance formula, real-valued n_a.
    package let pooledRaw: Double
    /// ceil(pooledRaw).
    package let pooledA: Int
    /// ceil(ratio * pooledRaw).
    package let pooledB: Int
    /// Unpooled-variance formula, real-valued n_a.
    package let unpooledRaw: Double
    /// ceil(unpooledRaw).
    package let unpooledA: Int
    /// ceil(ratio * unpooledRaw).
    package let unpooledB: Int
    /// Cohen's h (arcsine) formula, real-valued n_a.
    package let arcsineRaw: Double
    /// Cohen's h with both rejection tails counted as power, solved exactly, real-valued n_a.
    package let arcsineTwoTailRaw: Double
    /// Two-sided power of the unpooled z-test at (unpooledA, unpooledB).
    package let powerUnpooledAtCeil: Double
}

/// Sample size for comparing two proportions.
package enum SampleSize: Sendable {
    /// Sizes for baseline rate p1, the effect to detect, two-sided alpha, power and ratio k = n_b / n_a.
    /// Nil unless 0 < p1, p2 < 1, p2 != p1, 0 < alpha < 1, alpha < power < 1, ratio > 0 and the sizes fit in Int.
    package static func twoProportions(
        baseline p1: Double,
        effect: MinimumDetectableEffect,
        alpha: Double = 0.05,
        power: Double = 0.8,
        ratio k: Double = 1
    ) -> SampleSizeResult? {
        let p2: Double
        switch effect {
        case .absolute(let delta): p2 = p1 + delta
        case .relative(let fraction): p2 = p1 * (1 + fraction)
        }
        guard p1 > 0, p1 < 1, p2 > 0, p2 < 1, p2 != p1, alpha > 0, alpha < 1, power > alpha, power < 1,
              k > 0, k.isFinite,
              let zAlpha = Normal.isf(alpha / 2), let zBeta = Normal.ppf(power) else { return nil }
        let d = p2 - p1
        let q1 = 1 - p1, q2 = 1 - p2
        let d2 = d * d
        let zSum = zAlpha + zBeta

        let pbar = (p1 + k * p2) / (1 + k)
        let pooledTerm = zAlpha * (pbar * (1 - pbar) * (1 + 1 / k)).squareRoot()
            + zBeta * (p1 * q1 + p2 * q2 / k).squareRoot()
        let pooledRaw = pooledTerm * pooledTerm / d2
        let unpooledRaw = zSum * zSum * (p1 * q1 + p2 * q2 / k) / d2

        let h = 2 * libmAsin(p2.squareRoot()) - 2 * libmAsin(p1.squareRoot())
        let spread = 1 + 1 / k
        let arcsineRaw = zSum * zSum * spread / (h * h)
        guard let w = twoTailStandardizedEffect(zAlpha: zAlpha, power: power, start: zSum) else { return nil }
        let arcsineTwoTailRaw = w * w * spread / (h * h)

        guard let pooledA = ceilInt(pooledRaw), let pooledB = ceilInt(k * pooledRaw),
              let unpooledA = ceilInt(unpooledRaw), let unpooledB = ceilInt(k * unpooledRaw) else { return nil }
        let s = (p1 * q1 / Double(unpooledA) + p2 * q2 / Double(unpooledB)).squareRoot()
        let achieved = Normal.cdf(abs(d) / s - zAlpha) + Normal.cdf(-abs(d) / s - zAlpha)
        return SampleSizeResult(
            treatmentRate: p2, delta: d, zAlpha: zAlpha, zBeta: zBeta,
            pooledRaw: pooledRaw, pooledA: pooledA, pooledB: pooledB,
            unpooledRaw: unpooledRaw, unpooledA: unpooledA, unpooledB: unpooledB,
            arcsineRaw: arcsineRaw, arcsineTwoTailRaw: arcsineTwoTailRaw, powerUnpooledAtCeil: achieved)
    }

    /// w > 0 with Φ(w - zAlpha) + Φ(-w - zAlpha) = power (requires power > 2Φ(-zAlpha) = alpha).
    static func twoTailStandardizedEffect(zAlpha: Double, power: Double, start: Double) -> Double? {
        let initial = start > 0 ? start : 1
        let root = MonotoneSolver.solveIncreasing(
            initial: libmLog(initial), initialStep: 0.25, tolerance: 1e-15, residualTolerance: 1e-12
        ) { u in
            let w = libmExp(u)
            let value = Normal.cdf(w - zAlpha) + Normal.cdf(-w - zAlpha) - power
            let slope = w * (Normal.pdf(w - zAlpha) - Normal.pdf(w + zAlpha))
            return (value, slope)
        }
        return root.map { libmExp($0) }
    }

    /// ceil(x) as Int; nil when not finite or too large.
    static func ceilInt(_ x: Double) -> Int? {
        guard x.isFinite, x >= 0, x < 9e18 else { return nil }
        return Int(x.rounded(.up))
    }
}
