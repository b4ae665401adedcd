/// Log-gamma, log-beta and the regularized incomplete beta and gamma functions.
package enum SpecialFunctions: Sendable {
    /// ln(2π) / 2.
    static let halfLogTwoPi = 0.918_938_533_204_672_741_78

    /// ln|Γ(x)|.
    package static func logGamma(_ x: Double) -> Double {
        libmLogGamma(x)
    }

    /// Stirling remainder δ(x) = lnΓ(x) - [(x - 1/2) ln x - x + ln(2π)/2], for x >= 10.
    static func stirlingRemainder(_ x: Double) -> Double {
        let r = 1 / x
        let r2 = r * r
        // Bernoulli-number series, truncated where the next term is below 1e-16 for x >= 10.
        return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680
            + r2 * (1.0 / 1188 + r2 * (-691.0 / 360_360 + r2 * (1.0 / 156)))))))
    }

    /// ln Γ(a) - ln Γ(a + b) for a >= 10, b >= 0, by Stirling's series without forming the large terms.
    static func logGammaDifference(_ a: Double, _ b: Double) -> Double {
        -b * libmLog(a) - (a + b - 0.5) * libmLog1p(b / a) + b + stirlingRemainder(a) - stirlingRemainder(a + b)
    }

    /// ln B(a, b) for a, b > 0, computed so that large arguments keep their absolute precision.
    package static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b)
        let large = max(a, b)
        if large < 10 {
            return libmLogGamma(small) + libmLogGamma(large) - libmLogGamma(small + large)
        }
        if small < 10 {
            return libmLogGamma(small) + logGammaDifference(large, small)
        }
        // Both large: ln B = ln(2π)/2 - ln(l)/2 + (s - 1/2) ln(s/(s+l)) - l ln(1 + s/l) + δ(s) + δ(l) - δ(s+l).
        return halfLogTwoPi - 0.5 * libmLog(large) + (small - 0.5) * libmLog(small / (small + large))
            - large * libmLog1p(small / large) + stirlingRemainder(small) + stirlingRemainder(large)
            - stirlingRemainder(small + large)
    }

    /// ln(1 + u) - u, accurate for small u (u > -1).
    static func log1pMinusX(_ u: Double) -> Double {
        if abs(u) > 0.1 { return libmLog1p(u) - u }
        // -u²/2 + u³/3 - u⁴/4 + ...
        var term = -u * u
        var sum = 0.0
        var k = 2.0
        while k < 60 {
            let next = term / k
            sum += next
            if abs(next) <= 1e-17 * abs(sum) { break }
            term *= -u
            k += 1
        }
        return sum
    }

    /// ln(x^a e^(-x) / Γ(a)), the prefactor of the incomplete gamma function, accurate for large a.
    static func logGammaPrefactor(a: Double, x: Double) -> Double {
        if a < 10 {
            return a * libmLog(x) - x - libmLogGamma(a)
        }
        // a ln(x/a) + a - x + ln(a)/2 - ln(2π)/2 - δ(a); the first two terms cancel when x is near a.
        let u = (x - a) / a
        let main = abs(u) < 0.5 ? a * log1pMinusX(u) : a * libmLog(x / a) + (a - x)
        return main + 0.5 * libmLog(a) - halfLogTwoPi - stirlingRemainder(a)
    }

    /// Regularized incomplete beta I_x(a, b) and its complement 1 - I_x(a, b).
    ///
    /// Pass `y = 1 - x` computed without cancellation where possible (for example t²/(ν + t²)); the
    /// smaller of the two results is computed directly, so it keeps its relative precision in the tails.
    package static func incompleteBeta(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        if x > (a + 1) / (a + b + 2) {
            let upper = smallSide(a: b, b: a, x: y, y: x)
            return (1 - upper, upper)
        }
        let lower = smallSide(a: a, b: b, x: x, y: y)
        return (lower, 1 - lower)
    }

    /// I_x(a, b) on the side where it is the directly computed one: the asymptotic expansion when a is large,
    /// b <= 1 and x >= 0.7 (there the continued fraction cancels; Student t with large df lands here),
    /// the continued fraction otherwise.
    static func smallSide(a: Double, b: Double, x: Double, y: Double) -> Double {
        if b <= 1 && a >= 15 && x >= 0.7, let value = betaLargeA(a: a, b: b, x: x, y: y) {
            return value
        }
        return betaContinuedFractionPart(a: a, b: b, x: x, y: y)
    }

    /// I_x(a, b) for a >= 15, b <= 1 by the asymptotic expansion of Didonato and Morris (1992), section 9
    /// (TOMS 708 `bgrat`); nil when it cannot be evaluated.
    static func betaLargeA(a: Double, b: Double, x: Double, y: Double) -> Double? {
        let bm1 = b - 1
        let nu = a + 0.5 * bm1
        let lnx = y > 0.375 ? libmLog(x) : libmLog1p(-y)
        let z = -nu * lnx
        guard b * z > 0 else { return nil }
        // r = e^(-z) z^b / Γ(b); u = r Γ(a+b) / (Γ(a) nu^b) factors out of the expansion.
        let logR = b * libmLog(z) - z - libmLogGamma(b)
        let logU = logR - (logGammaDifferenceGeneral(a, b) + b * libmLog(nu))
        guard logU > -Double.infinity else { return nil }
        // J_0 = Q(b, z) / r
        var j = upperGammaOverPrefactor(a: b, x: z)
        let v = 0.25 / (nu * nu)
        let t2 = 0.25 * lnx * lnx
        var sum = j
        var t = 1.0, cn = 1.0, n2 = 0.0
        var c = [Double](repeating: 0, count: 30)
        var d = [Double](repeating: 0, count: 30)
        for n in 1...30 {
            let bp2n = b + n2
            j = (bp2n * (bp2n + 1) * j + (z + bp2n + 1) * t) * v
            n2 += 2
            t *= t2
            cn /= n2 * (n2 + 1)
            c[n - 1] = cn
            var s = 0.0
            if n > 1 {
                var coefficient = b - Double(n)
                for i in 1...(n - 1) {
                    s += coefficient * c[i - 1] * d[n - 1 - i]
                    coefficient += b
                }
            }
            d[n - 1] = bm1 * cn + s / Double(n)
            let dj = d[n - 1] * j
            sum += dj
            guard sum > 0 else { return nil }
            if abs(dj) <= 1e-16 * sum { break }
        }
        return libmExp(logU + libmLog(sum))
    }

    /// ln Γ(a) - ln Γ(a + b) for a >= 10 and any b > 0 (Stirling when a + b is large too).
    static func logGammaDifferenceGeneral(_ a: Double, _ b: Double) -> Double {
        if b < 10 || b <= a { return logGammaDifference(a, b) }
        return libmLogGamma(a) - libmLogGamma(a + b)
    }

    /// x^a y^b / (a B(a, b)) times the continued fraction of I_x(a, b); converges for x < (a+1)/(a+b+2).
    static func betaContinuedFractionPart(a: Double, b: Double, x: Double, y: Double) -> Double {
        let logX = x < 0.5 ? libmLog(x) : libmLog1p(-y)
        let logY = y < 0.5 ? libmLog(y) : libmLog1p(-x)
        let logFront = a * logX + b * logY - logBeta(a, b) - libmLog(a)
        if logFront < -760 { return 0 }
        return libmExp(logFront) * betaContinuedFraction(a: a, b: b, x: x)
    }

    /// Continued fraction for I_x(a, b) (modified Lentz). Near x ≈ a/(a+b) with large a + b it needs on the
    /// order of sqrt(a + b) iterations, so the cap grows with the parameters instead of being a small constant.
    static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let eps = 1e-16
        let maxIterations = 10_000 + Int(min(200 * (a + b).squareRoot(), 10_000_000))
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        var m = 1
        while m <= maxIterations {
            let md = Double(m)
            let m2 = 2 * md
            var aa = md * (b - md) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= eps { break }
            m += 1
        }
        return h
    }

    /// Regularized incomplete gamma P(a, x) and Q(a, x) = 1 - P(a, x), for a > 0, x >= 0.
    ///
    /// The series (x < a + 1) gives P directly and the continued fraction gives Q directly, so the
    /// smaller of the two keeps its relative precision.
    package static func incompleteGamma(a: Double, x: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        let logFront = logGammaPrefactor(a: a, x: x)
        if x < a + 1 {
            let lower = logFront < -760 ? 0 : libmExp(logFront) * lowerGammaSeries(a: a, x: x)
            return (lower, 1 - lower)
        }
        let upper = logFront < -760 ? 0 : libmExp(logFront) * upperGammaFraction(a: a, x: x)
        return (1 - upper, upper)
    }

    /// Q(a, x) divided by the prefactor x^a e^(-x) / Γ(a) (finite even where both underflow).
    static func upperGammaOverPrefactor(a: Double, x: Double) -> Double {
        if x >= a + 1 { return upperGammaFraction(a: a, x: x) }
        return libmExp(-logGammaPrefactor(a: a, x: x)) - lowerGammaSeries(a: a, x: x)
    }

    /// Σ x^k / (a (a+1) ... (a+k)): P(a, x) divided by its prefactor.
    static func lowerGammaSeries(a: Double, x: Double) -> Double {
        let maxIterations = 10_000 + Int(min(100 * a.squareRoot(), 10_000_000))
        var ap = a
        var term = 1 / a
        var sum = term
        for _ in 0..<maxIterations {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum
    }

    /// Continued fraction (modified Lentz) for Q(a, x) divided by its prefactor; for x >= a + 1.
    static func upperGammaFraction(a: Double, x: Double) -> Double {
        let maxIterations = 10_000 + Int(min(100 * a.squareRoot(), 10_000_000))
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...maxIterations {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
        }
        return h
    }
}
