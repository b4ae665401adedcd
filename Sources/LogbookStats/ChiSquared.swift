/// The chi-square distribution with df > 0 degrees of freedom.
package enum ChiSquared: Sendable {
    /// P(X <= x); nil when df <= 0 or an argument is NaN.
    package static func cdf(_ x: Double, df: Double) -> Double? {
        tails(x, df: df)?.cdf
    }

    /// P(X > x), computed directly (accurate for very large statistics); nil when df <= 0 or NaN.
    package static func sf(_ x: Double, df: Double) -> Double? {
        tails(x, df: df)?.sf
    }

    /// The quantile: x with P(X <= x) = p; nil unless 0 < p < 1 and df > 0.
    package static func ppf(_ p: Double, df: Double) -> Double? {
        guard valid(df), p > 0, p < 1 else { return nil }
        let k = df
        // Wilson-Hilferty start; the small-x power law where it fails.
        let z = Normal.ppf(p) ?? 0
        let c = 2 / (9 * k)
        let wh = k * libmPow(1 - c + z * c.squareRoot(), 3)
        let small = 2 * libmExp((libmLog(p) + SpecialFunctions.logGamma(0.5 * k + 1)) / (0.5 * k))
        var start = wh
        if !(wh > 0) || small < wh * 0.5 { start = small }
        if !(start > 0) || !start.isFinite { start = k }
        let lower = p <= 0.5
        let target = lower ? libmLog(p) : libmLog(1 - p)
        // ln F(x) - ln p (or ln q - ln S(x)) and its slope with respect to x.
        func residual(_ x: Double) -> (value: Double, slope: Double) {
            guard let t = tails(x, df: k) else { return (.nan, .nan) }
            let density = libmExp(logPdf(x, df: k))
            return lower ? (libmLog(t.cdf) - target, density / t.cdf) : (target - libmLog(t.sf), density / t.sf)
        }
        let root = MonotoneSolver.solveIncreasing(
            initial: libmLog(start), initialStep: 0.5, residualTolerance: 1e-9
        ) { u in
            let x = libmExp(u)
            let r = residual(x)
            return (r.value, r.slope * x)
        }
        return root.map { MonotoneSolver.polish(libmExp($0), residual) }
    }

    /// Whether df is a usable parameter.
    static func valid(_ df: Double) -> Bool {
        df > 0 && df.isFinite
    }

    /// ln of the density at x > 0.
    static func logPdf(_ x: Double, df: Double) -> Double {
        let h = 0.5 * df
        return (h - 1) * libmLog(x) - 0.5 * x - h * libmLog(2) - SpecialFunctions.logGamma(h)
    }

    /// Both tails through the regularized incomplete gamma: P(X <= x) = P(df/2, x/2).
    static func tails(_ x: Double, df: Double) -> (cdf: Double, sf: Double)? {
        guard valid(df), !x.isNaN else { return nil }
        if x <= 0 { return (0, 1) }
        let g = SpecialFunctions.incompleteGamma(a: 0.5 * df, x: 0.5 * x)
        return (g.lower, g.upper)
    }
}
