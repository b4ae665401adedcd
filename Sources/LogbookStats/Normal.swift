/// The standard normal distribution: cdf, survival function (computed directly) and quantile.
package enum Normal: Sendable {
    /// 1/√2 rounded to double.
    static let invSqrt2Hi = 0.707_106_781_186_547_6
    /// 1/√2 minus `invSqrt2Hi`: the rounding error of the constant.
    static let invSqrt2Lo = -4.833_646_656_726_457e-17
    /// 2/√π.
    static let twoOverSqrtPi = 1.128_379_167_095_512_573_9
    /// 1/√(2π).
    static let invSqrtTwoPi = 0.398_942_280_401_432_677_94

    /// P(Z <= x).
    package static func cdf(_ x: Double) -> Double {
        upperTail(-x)
    }

    /// P(Z > x), computed directly so that the upper tail keeps its relative precision.
    package static func sf(_ x: Double) -> Double {
        upperTail(x)
    }

    /// Density φ(x).
    package static func pdf(_ x: Double) -> Double {
        invSqrtTwoPi * libmExp(-0.5 * x * x)
    }

    /// The quantile Φ⁻¹(p) (Wichura's AS241, about 1e-16 relative); nil unless 0 < p < 1.
    package static func ppf(_ p: Double) -> Double? {
        guard p > 0, p < 1 else { return nil }
        return as241(p)
    }

    /// The inverse survival function: x with P(Z > x) = q; nil unless 0 < q < 1.
    package static func isf(_ q: Double) -> Double? {
        guard q > 0, q < 1 else { return nil }
        return -as241(q)
    }

    /// 0.5 erfc(z/√2), with the rounding error of z/√2 corrected to first order (it matters for |z| > 10).
    static func upperTail(_ z: Double) -> Double {
        if z.isNaN { return z }
        let y = z * invSqrt2Hi
        let r = libmErfc(y)
        if !z.isFinite || r == 0 { return 0.5 * r }
        // y + e is z/√2 to about twice double precision.
        let e = (-y).addingProduct(z, invSqrt2Hi) + z * invSqrt2Lo
        let corrected = r - e * twoOverSqrtPi * libmExp(-y * y)
        return 0.5 * corrected
    }

    /// Wichura (1988), Algorithm AS 241 (PPND16), for 0 < p < 1.
    static func as241(_ p: Double) -> Double {
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
            let den = (((((((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r
                + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                + 42.313330701600911252) * r + 1.0)
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-libmLog(r)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            value = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0)
        } else {
            r -= 5
            value = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0)
        }
        return q < 0 ? -value : value
    }
}
