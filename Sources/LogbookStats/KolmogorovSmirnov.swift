/// Result of the two-sided two-sample Kolmogorov-Smirnov test.
package struct KolmogorovSmirnovResult: Sendable, Equatable {
    /// D = max |F_a - F_b| over the observed values (exact: statisticTimesLCM / lcm).
    package let statistic: Double
    /// D * lcm(n_a, n_b), an exact integer.
    package let statisticTimesLCM: Int
    /// lcm(n_a, n_b).
    package let lcm: Int
    /// n_a n_b / (n_a + n_b).
    package let effectiveSize: Double
    /// Whether the pooled sample has repeated values (the p-values then assume continuity anyway).
    package let hasTies: Bool
    /// P(D >= d) under the exact null distribution for these sizes (SciPy method='exact');
    /// nil when n_a n_b exceeds `KolmogorovSmirnov.exactCellLimit`.
    package let pExact: Double?
    /// SciPy method='asymp': one-sample Kolmogorov distribution with round(n_eff) points (half to even);
    /// nil when that rounds to 0.
    package let pAsymptotic: Double?
    /// Limiting Kolmogorov distribution Q(sqrt(n_eff) D).
    package let pKolmogorov: Double
    /// Q((sqrt(n_eff) + 0.12 + 0.11/sqrt(n_eff)) D), the Stephens / Numerical Recipes correction.
    package let pKolmogorovStephens: Double
}

/// Two-sample Kolmogorov-Smirnov test: exact statistic and four p-values.
package enum KolmogorovSmirnov: Sendable {
    /// Largest n_a n_b for which the exact p-value (an O(n_a n_b) lattice-path recursion) is computed.
    package static let exactCellLimit = 100_000_000

    /// The test of samples a and b; nil when either is empty or holds a NaN.
    package static func twoSample(_ a: [Double], _ b: [Double]) -> KolmogorovSmirnovResult? {
        guard !a.isEmpty, !b.isEmpty, !a.contains(where: \.isNaN), !b.contains(where: \.isNaN) else { return nil }
        let sa = a.sorted(), sb = b.sorted()
        let m = sa.count, n = sb.count
        let g = gcd(m, n)
        let lcm = m / g * n
        let stepA = lcm / m, stepB = lcm / n
        // Walk the distinct pooled values; F counts values <= v.
        var i = 0, j = 0, best = 0
        var ties = false
        var previous: Double? = nil
        while i < m || j < n {
            let v = j >= n || (i < m && sa[i] <= sb[j]) ? sa[i] : sb[j]
            if previous == v { ties = true }
            var countHere = 0
            while i < m && sa[i] == v { i += 1; countHere += 1 }
            while j < n && sb[j] == v { j += 1; countHere += 1 }
            if countHere > 1 { ties = true }
            previous = v
            best = max(best, abs(i * stepA - j * stepB))
        }
        let d = Double(best) / Double(lcm)
        let nm = Double(m), nn = Double(n)
        let effective = nm * nn / (nm + nn)
        let pExact: Double? = m.multipliedReportingOverflow(by: n).partialValue <= exactCellLimit
            ? exactPValue(m: m, n: n, h: best) : nil
        let rounded = effective.rounded(.toNearestOrEven)
        let pAsymptotic: Double? = rounded >= 1 ? oneSampleSurvival(n: Int(rounded), d: d) : nil
        let root = effective.squareRoot()
        return KolmogorovSmirnovResult(
            statistic: d, statisticTimesLCM: best, lcm: lcm, effectiveSize: effective, hasTies: ties,
            pExact: pExact, pAsymptotic: pAsymptotic,
            pKolmogorov: kolmogorovSurvival(root * d),
            pKolmogorovStephens: kolmogorovSurvival((root + 0.12 + 0.11 / root) * d))
    }

    /// Greatest common divisor.
    static func gcd(_ a: Int, _ b: Int) -> Int {
        var x = a, y = b
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// Exact P(D >= h / lcm(m, n)) under the null: the share of monotone lattice paths from (0,0) to (m,n)
    /// that touch |i/m - j/n| >= h/lcm, i.e. |i n - j m| >= h gcd(m, n). q(i,j) is that share among paths
    /// to (i,j): 1 on the boundary, else (i q(i-1,j) + j q(i,j-1)) / (i+j) (convex, so no cancellation).
    package static func exactPValue(m: Int, n: Int, h: Int) -> Double {
        if h <= 0 { return 1 }
        let threshold = h * gcd(m, n)
        var row = [Double](repeating: 0, count: n + 1)
        for i in 0...m {
            for j in 0...n {
                if abs(i * n - j * m) >= threshold {
                    row[j] = 1
                } else if i == 0 && j == 0 {
                    row[j] = 0
                } else {
                    // row[j] still holds q(i-1, j); row[j-1] already holds q(i, j-1).
                    let fromLeft = i > 0 ? Double(i) * row[j] : 0
                    let fromBelow = j > 0 ? Double(j) * row[j - 1] : 0
                    row[j] = (fromLeft + fromBelow) / Double(i + j)
                }
            }
        }
        return min(1, max(0, row[n]))
    }

    /// Kolmogorov's limiting survival function Q(λ) = 2 Σ_{j>=1} (-1)^(j-1) exp(-2 j² λ²).
    /// For small λ the equivalent theta series of the cdf, (√(2π)/λ) Σ exp(-(2j-1)² π² / (8λ²)), is used.
    package static func kolmogorovSurvival(_ lambda: Double) -> Double {
        if !(lambda > 0) { return 1 }
        if lambda < 1 {
            let k = -Double.pi * Double.pi / (8 * lambda * lambda)
            var cdf = 0.0
            var j = 1.0
            while true {
                let term = libmExp(k * (2 * j - 1) * (2 * j - 1))
                cdf += term
                if term < 1e-17 * cdf || term == 0 { break }
                j += 1
            }
            cdf *= (2 * Double.pi).squareRoot() / lambda
            return min(1, max(0, 1 - cdf))
        }
        var sum = 0.0
        var sign = 1.0
        var j = 1.0
        while j < 1000 {
            let term = libmExp(-2 * j * j * lambda * lambda)
            sum += sign * term
            if term < 1e-17 * abs(sum) || term == 0 { break }
            sign = -sign
            j += 1
        }
        return min(1, max(0, 2 * sum))
    }

    /// One-sided Smirnov probability P(D_n^+ >= d), exact (Birnbaum-Tingey):
    /// d Σ_{j=0}^{⌊n(1-d)⌋} C(n,j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1).
    package static func smirnovOneSided(n: Int, d: Double) -> Double {
        if d <= 0 { return 1 }
        if d >= 1 { return 0 }
        let nn = Double(n)
        let last = Int((nn * (1 - d)).rounded(.down))
        var sum = 0.0
        for j in 0...max(0, last) {
            let dj = Double(j)
            let left = ((nn - dj) - nn * d) / nn  // 1 - d - j/n
            if left <= 0 { continue }
            let right = d + dj / nn
            let logChoose = -libmLog(nn + 1) - SpecialFunctions.logBeta(dj + 1, nn - dj + 1)
            sum += libmExp(logChoose + (nn - dj) * libmLog(left) + (dj - 1) * libmLog(right))
        }
        return min(1, max(0, d * sum))
    }

    /// Survival function of the one-sample two-sided statistic D_n at d, following SciPy's `kstwo.sf`
    /// (Simard and L'Ecuyer's choice of method by region): closed forms near the ends, 2 × Smirnov in the
    /// tail, the Durbin matrix in the body, Pelz-Good for large n.
    package static func oneSampleSurvival(n: Int, d: Double) -> Double {
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let nn = Double(n)
        let t = nn * d
        if t <= 1 {
            if t <= 0.5 { return 1 }
            var cdf: Double
            if n <= 140 {
                cdf = 1
                for i in 1...n { cdf *= Double(i) / nn * (2 * t - 1) }
            } else {
                cdf = libmExp(logFactorialOverPower(n) + nn * libmLog(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nn - 1 {
            return clip(2 * libmPow(1 - d, nn))
        }
        if d >= 0.5 {
            return clip(2 * smirnovOneSided(n: n, d: d))
        }
        let nxSquared = t * d
        if n <= 140 {
            if nxSquared <= 4 {
                return clip(1 - durbinMatrixCDF(n: n, d: d))
            }
            return clip(2 * smirnovOneSided(n: n, d: d))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovOneSided(n: n, d: d)) }
        let cdf: Double
        if n <= 100_000 && nn * libmPow(d, 1.5) <= 1.4 {
            cdf = durbinMatrixCDF(n: n, d: d)
        } else {
            cdf = pelzGoodCDF(n: n, d: d)
        }
        return clip(1 - cdf)
    }

    /// Clips a probability to [0, 1].
    static func clip(_ p: Double) -> Double {
        min(1, max(0, p))
    }

    /// ln(n! / n^n) by Stirling's series.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let nn = Double(n)
        let r = 1 / nn
        let coefficients = [-2.955065359477124183e-2, 6.4102564102564102564e-3,
                            -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                            -5.952380952380952381e-4, 7.9365079365079365079e-4,
                            -2.7777777777777777778e-3, 8.3333333333333333333e-2]
        let x = r / nn
        var poly = 0.0
        for c in coefficients { poly = poly * x + c }
        return libmLog(nn) / 2 - nn + libmLog(2 * Double.pi) / 2 + r * poly
    }

    /// P(D_n <= d) by the Durbin matrix (Marsaglia, Tsang and Wang 2003), with exponent tracking.
    static func durbinMatrixCDF(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0  // 1/j!
        var hPower = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            hPower *= h
            v[j - 1] = (1 - hPower) * factorial
        }
        let tt = libmPow(max(2 * h - 1, 0), Double(m)) - 2 * hPower
        v[m - 1] = (1 + tt) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for col in 1..<max(m, 1) {
            for row in (col - 1)..<m { matrix[row * m + col] = w[row - col + 1] }
        }
        for row in 0..<m { matrix[row * m] = v[row] }
        for col in 0..<m { matrix[(m - 1) * m + col] = v[m - 1 - col] }

        let big = 0x1p128, small = 0x1p-128
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var exponent = 0, matrixExponent = 0
        var remaining = n
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + (k - 1)]) > big {
                for i in matrix.indices { matrix[i] /= big }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        let nn = Double(n)
        for i in 1...n {
            p = Double(i) * p / nn
            if abs(p) < small {
                p *= big
                exponent -= 128
            }
        }
        if exponent != 0 { p = Double(sign: .plus, exponent: exponent, significand: p) }
        return clip(p)
    }

    /// Product of two m × m row-major matrices.
    static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for k in 0..<m {
                let aik = a[i * m + k]
                if aik == 0 { continue }
                for j in 0..<m { c[i * m + j] += aik * b[k * m + j] }
            }
        }
        return c
    }

    /// Pelz-Good asymptotic approximation of P(D_n <= d) (as in SciPy's `_kolmogn_PelzGood`).
    static func pelzGoodCDF(n: Int, d: Double) -> Double {
        if d <= 0 { return 0 }
        if d >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let sqrt2pi = (2 * Double.pi).squareRoot()
        let z = Double(n).squareRoot() * d
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = libmExp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        var k0 = 0.0, k1 = 0.0, k2 = 0.0, k3 = 0.0
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let mm = Double(2 * k - 1)
                let m2 = mm * mm, m4 = m2 * m2, m6 = m4 * m2
                let qPower = libmPow(q, Double(8 * k))
                k0 = k0 * qPower + 1
                k1 = k1 * qPower + (k1a + k1b * m2)
                k2 = k2 * qPower + (k2a + k2b * m2 + k2c * m4)
                k3 = k3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            }
        }
        let scale = q * sqrt2pi
        k0 *= scale / z
        k1 *= scale / (6 * z4)
        k2 *= scale / (72 * z4 * z3)
        k3 *= scale / (6480 * z4 * z6)
        q = libmExp(-pi2 / 2 / z2)
        var extra2 = 0.0, extra3 = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxK >= 1 {
            for k in stride(from: maxK, through: 1, by: -1) {
                let kk = Double(k)
                let k2v = kk * kk
                let qp = libmPow(q, k2v)
                extra2 += k2v * qp
                let kpi = Double.pi * kk
                extra3 += (sqrt3z + kpi) * (sqrt3z - kpi) * k2v * qp
            }
        }
        k2 += extra2 * pi2 * sqrt2pi / (-36 * z3)
        k3 += extra3 * pi2 * sqrt2pi / (216 * z6)
        let nn = Double(n)
        let rootN = nn.squareRoot()
        return k0 + k1 / rootN + k2 / nn + k3 / (nn * rootN)
    }
}
