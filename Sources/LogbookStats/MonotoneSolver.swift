/// Root finding for monotone functions: Newton steps kept inside a bracket, bisection when Newton leaves it.
enum MonotoneSolver {
    /// The root of an increasing function g, starting from `initial`; g returns its value and slope.
    ///
    /// The bracket is found by stepping away from `initial` with doubling steps. Returns nil when no sign
    /// change is found. `tolerance` is the step size (relative to max(1, |u|)) at which the iteration stops;
    /// the root is rejected (nil) when |g| there still exceeds `residualTolerance` — which happens when the
    /// true root lies beyond the range where g can be evaluated (for example a quantile that overflows).
    static func solveIncreasing(
        initial: Double,
        initialStep: Double,
        tolerance: Double = 1e-14,
        residualTolerance: Double,
        _ g: (Double) -> (value: Double, slope: Double)
    ) -> Double? {
        guard let u = iterate(initial: initial, initialStep: initialStep, tolerance: tolerance, g),
              u.isFinite, abs(g(u).value) <= residualTolerance else { return nil }
        return u
    }

    /// Newton steps on g in the variable itself (after solving in a log scale, whose resolution is coarser
    /// than the variable's own for large values); a step is kept only while it reduces |g|.
    static func polish(_ x0: Double, steps: Int = 3, _ g: (Double) -> (value: Double, slope: Double)) -> Double {
        var x = x0
        var current = g(x)
        for _ in 0..<steps {
            let next = x - current.value / current.slope
            guard next.isFinite, next != x else { break }
            let evaluated = g(next)
            guard abs(evaluated.value) < abs(current.value) else { break }
            x = next
            current = evaluated
        }
        return x
    }

    /// The iteration behind `solveIncreasing`, without the residual check.
    private static func iterate(
        initial: Double,
        initialStep: Double,
        tolerance: Double,
        _ g: (Double) -> (value: Double, slope: Double)
    ) -> Double? {
        var u = initial
        var current = g(u)
        if current.value == 0 { return u }
        if current.value.isNaN { return nil }
        var lo = -Double.infinity
        var hi = Double.infinity
        // Bracket the root.
        var step = initialStep
        var probe = u
        var probeValue = current.value
        for _ in 0..<200 {
            if probeValue < 0 { lo = probe } else { hi = probe }
            if lo.isFinite && hi.isFinite { break }
            probe = probeValue < 0 ? probe + step : probe - step
            step *= 2
            let evaluated = g(probe)
            if evaluated.value.isNaN { return nil }
            if evaluated.value == 0 { return probe }
            probeValue = evaluated.value
            if abs(evaluated.value) < abs(current.value) {
                u = probe
                current = evaluated
            }
        }
        guard lo.isFinite, hi.isFinite else { return nil }
        // Safeguarded Newton.
        for _ in 0..<300 {
            let newton = u - current.value / current.slope
            if newton == u { return u }  // the step is below the resolution of u: converged
            var next = newton
            var bisected = false
            if !(next > lo && next < hi) || !next.isFinite {
                next = 0.5 * (lo + hi)
                bisected = true
            }
            let evaluated = g(next)
            if evaluated.value.isNaN { return nil }
            let stepSize = abs(next - u)
            u = next
            current = evaluated
            if current.value == 0 { return u }
            if current.value < 0 { lo = u } else { hi = u }
            if (!bisected && stepSize <= tolerance * max(1, abs(u))) || hi - lo <= 4e-16 * max(1, abs(u)) {
                return u
            }
        }
        return u
    }
}
