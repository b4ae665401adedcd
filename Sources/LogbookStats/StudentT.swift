/// Student's t distribution with real degrees of freedom df > 0.
package enum StudentT: Sendable {
    /// P(T <= t); nil when df <= 0 or an argument is NaN.
    package static func cdf(_ t: Double, df: Double) -> Double? {
        tails(t, df: df)?.cdf
    }

    /// P(T > t), computed directly; nil when df <= 0 or an argument is NaN.
    package static func sf(_ t: Double, df: Double) -> Double? {
        tails(t, df: df)?.sf
    }

    /// Density at t; nil when df <= 0 or an argument is NaN.
    package static func pdf(_ t: Double, df: Double) -> Double? {
        guard valid(df), !t.isNaN else { return nil }
        if df.isInfinite { return Normal.pdf(t) }
        if t.isInfinite { return 0 }
        return libmExp(logPdf(abs(t), df: df))
    }

    /// The quantile: t with P(T <= t) = p; nil unless 0 < p < 1 and df > 0.
    package static func ppf(_ p: Double, df: Double) -> Double? {
        guard valid(df), p > 0, p < 1 else { return nil }
        if df.isInfinite { return Normal.ppf(p) }
        if p == 0.5 { return 0 }
        let q = p < 0.5 ? p : 1 - p  // exact for p >= 0.5
        guard let t = upperQuantile(q, df: df) else { return nil }
        return p < 0.5 ? -t : t
    }

    /// Whether df is a usable parameter.
    static func valid(_ df: Double) -> Bool {
        df > 0 && !df.isNaN
    }

    /// ln of the density at t >= 0.
    static func logPdf(_ t: Double, df: Double) -> Double {
        let r = t / df.squareRoot()
        let logOnePlus = r > 1e100 ? 2 * libmLog(r) : libmLog1p(r * r)
        return -0.5 * (df + 1) * logOnePlus - 0.5 * libmLog(df) - SpecialFunctions.logBeta(0.5 * df, 0.5)
    }

    /// Both tails at t through the incomplete beta: P(T > |t|) = I_x(df/2, 1/2)/2 with x = df/(df + t²).
    static func tails(_ t: Double, df: Double) -> (cdf: Double, sf: Double)? {
        guard valid(df), !t.isNaN else { return nil }
        if df.isInfinite { return (Normal.cdf(t), Normal.sf(t)) }
        if t == 0 { return (0.5, 0.5) }
        if t.isInfinite { return t > 0 ? (1, 0) : (0, 1) }
        let a = abs(t)
        let root = df.squareRoot()
        let x: Double
        let y: Double
        if a >= root && root / a < 1e-100 {
            // x = df/(df + t²) underflows: use the leading term I_x(a, 1/2) ≈ x^a / (a B(a, 1/2)).
            let h = 0.5 * df
            let far = 0.5 * libmExp(h * 2 * libmLog(root / a) - libmLog(h) - SpecialFunctions.logBeta(h, 0.5))
            return t > 0 ? (1 - far, far) : (far, 1 - far)
        }
        if a >= root {
            let s = root / a
            let s2 = s * s
            x = s2 / (1 + s2)
            y = 1 / (1 + s2)
        } else {
            let r = a / root
            let r2 = r * r
            x = 1 / (1 + r2)
            y = r2 / (1 + r2)
        }
        let ib = SpecialFunctions.incompleteBeta(a: 0.5 * df, b: 0.5, x: x, y: y)
        let far = 0.5 * ib.lower       // P(T > |t|)
        let near = 0.5 + 0.5 * ib.upper // P(T <= |t|)
        return t > 0 ? (near, far) : (far, near)
    }

    /// t > 0 with P(T > t) = q, for 0 < q < 1/2, by safeguarded Newton on ln P(T > e^u) = ln q.
    static func upperQuantile(_ q: Double, df: Double) -> Double? {
        guard let z = Normal.isf(q) else { return nil }
        // Cornish-Fisher start, or the power-law tail for small df.
        let z2 = z * z
        var start = z + z * (z2 + 1) / (4 * df) + z * ((5 * z2 + 16) * z2 + 3) / (96 * df * df)
        if df < 5 {
            let logTail = 0.5 * libmLog(df)
                - (libmLog(q) + libmLog(df) + SpecialFunctions.logBeta(0.5 * df, 0.5)) / df
            start = max(start, libmExp(logTail))
        }
        if !(start > 0) || !start.isFinite { start = max(z, 1e-3) }
        let logQ = libmLog(q)
        // ln q - ln P(T > t) and its slope with respect to t.
        func residual(_ t: Double) -> (value: Double, slope: Double) {
            let upper = tails(t, df: df)?.sf ?? .nan
            return (logQ - libmLog(upper), libmExp(logPdf(t, df: df)) / upper)
        }
        let root = MonotoneSolver.solveIncreasing(
            initial: libmLog(start), initialStep: 0.5, residualTolerance: 1e-9
        ) { u in
            let t = libmExp(u)
            let r = residual(t)
            return (r.value, r.slope * t)
        }
        return root.map { MonotoneSolver.polish(libmExp($0), residual) }
    }
}
