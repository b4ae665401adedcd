/// Adaptive Gauss-Kronrod (7-15) quadrature on finite intervals.
enum Integration {
    /// Kronrod nodes in [0, 1): the 15-point rule uses ±node.
    static let kronrodNodes: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0,
    ]
    /// Kronrod weights matching `kronrodNodes`.
    static let kronrodWeights: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    /// Gauss (7-point) weights for kronrodNodes[1], [3], [5], [7].
    static let gaussWeights: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
    ]

    /// The 15-point Kronrod estimate and its difference from the embedded 7-point Gauss estimate.
    static func kronrod15(_ f: (Double) -> Double, _ a: Double, _ b: Double) -> (value: Double, error: Double) {
        let center = 0.5 * (a + b)
        let half = 0.5 * (b - a)
        let fc = f(center)
        var kronrod = fc * kronrodWeights[7]
        var gauss = fc * gaussWeights[3]
        for i in 0..<7 {
            let dx = half * kronrodNodes[i]
            let sum = f(center - dx) + f(center + dx)
            kronrod += kronrodWeights[i] * sum
            if i % 2 == 1 { gauss += gaussWeights[i / 2] * sum }
        }
        return (kronrod * half, abs((kronrod - gauss) * half))
    }

    /// ∫ f over [a, b], splitting in halves until each piece's error estimate is below its share of
    /// `tolerance` (absolute) or the depth limit is reached.
    /// `budget` caps the number of 15-point evaluations left for the whole integral; pieces narrower than
    /// `minimumWidth` are not split further (there the integrand is smooth and any remaining discrepancy
    /// between the two rules is rounding noise of f).
    static func adaptive(
        _ f: (Double) -> Double, _ a: Double, _ b: Double, tolerance: Double, minimumWidth: Double,
        depth: Int = 0, budget: inout Int
    ) -> Double {
        let estimate = kronrod15(f, a, b)
        budget -= 1
        if estimate.error <= tolerance || depth >= 50 || budget <= 0 || b - a <= minimumWidth
            || b - a <= 1e-15 * max(1, abs(a)) {
            return estimate.value
        }
        let mid = 0.5 * (a + b)
        return adaptive(f, a, mid, tolerance: 0.5 * tolerance, minimumWidth: minimumWidth, depth: depth + 1,
                        budget: &budget)
            + adaptive(f, mid, b, tolerance: 0.5 * tolerance, minimumWidth: minimumWidth, depth: depth + 1,
                       budget: &budget)
    }

    /// ∫ f over consecutive `breakpoints` (ascending, within [0, 1]), with a relative tolerance on the total.
    /// f receives t and 1 - t, the latter computed without cancellation near 1.
    ///
    /// `startPower` / `endPower` (m >= 1) remove an integrable singularity of f at the first / last
    /// breakpoint: that piece [a, b] is integrated in u with t = a + (b - a) u^m (or b - (b - a) u^m), so a
    /// factor (t - a)^e becomes u^(m(e + 1) - 1), bounded for m >= 1/(e + 1).
    static func piecewiseOnUnitInterval(
        _ f: @escaping (_ t: Double, _ oneMinusT: Double) -> Double, breakpoints: [Double],
        relativeTolerance: Double, minimumWidth: Double = 0, startPower: Int = 1, endPower: Int = 1
    ) -> Double {
        guard breakpoints.count >= 2 else { return 0 }
        let last = breakpoints.count - 1
        // The integrand of piece i, on [0, 1] when substituted, else on the piece itself.
        func piece(_ i: Int) -> (f: (Double) -> Double, lower: Double, upper: Double, width: Double) {
            let a = breakpoints[i - 1], b = breakpoints[i]
            if i == 1 && startPower > 1 {
                let m = Double(startPower)
                return ({ u in
                    let um1 = libmPow(u, m - 1)
                    let t = a + (b - a) * um1 * u
                    return f(t, 1 - t) * (b - a) * m * um1
                }, 0, 1, minimumWidth / (b - a))
            }
            if i == last && endPower > 1 {
                let m = Double(endPower)
                return ({ u in
                    let um1 = libmPow(u, m - 1)
                    let offset = (b - a) * um1 * u
                    return f(b - offset, (1 - b) + offset) * (b - a) * m * um1
                }, 0, 1, minimumWidth / (b - a))
            }
            return ({ t in f(t, 1 - t) }, a, b, minimumWidth)
        }
        let pieces = (1...last).map(piece)
        var rough = 0.0
        for p in pieces {
            rough += abs(kronrod15(p.f, p.lower, p.upper).value)
        }
        let tolerance = max(relativeTolerance * rough, Double.leastNormalMagnitude) / Double(pieces.count)
        var total = 0.0
        for p in pieces {
            var budget = 500  // per piece, so that a noisy piece cannot starve the others
            total += adaptive(p.f, p.lower, p.upper, tolerance: tolerance, minimumWidth: p.width, budget: &budget)
        }
        return total
    }
}
