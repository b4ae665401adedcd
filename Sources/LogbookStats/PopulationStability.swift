/// Result of the Population Stability Index with its binning, for locating a disagreement.
package struct PopulationStabilityResult: Sendable, Equatable {
    /// Distinct baseline quantile edges, ascending.
    package let edges: [Double]
    /// Baseline count per bin (edges.count + 1 bins).
    package let baselineCounts: [Int]
    /// Current count per bin.
    package let currentCounts: [Int]
    /// Baseline proportions, floored at epsilon.
    package let baselineProportions: [Double]
    /// Current proportions, floored at epsilon.
    package let currentProportions: [Double]
    /// sum (A - E) ln(A / E).
    package let psi: Double
}

/// Population Stability Index with baseline-quantile bins (type 7 quantiles, right-closed bins).
package enum PopulationStability: Sendable {
    /// PSI of `current` against `baseline`; nil when a sample is empty or has a non-finite value, bins < 1,
    /// or epsilon is not positive.
    package static func index(
        baseline: [Double], current: [Double], bins: Int = 10, epsilon: Double = 1e-4
    ) -> PopulationStabilityResult? {
        guard !baseline.isEmpty, !current.isEmpty, bins >= 1, epsilon > 0,
              baseline.allSatisfy(\.isFinite), current.allSatisfy(\.isFinite) else { return nil }
        let sorted = baseline.sorted()
        var edges: [Double] = []
        for i in 1..<bins {
            let e = quantile(sorted, Double(i) / Double(bins))
            if edges.last != e { edges.append(e) }  // quantiles ascend, so duplicates are adjacent
        }
        let baselineCounts = counts(baseline, edges: edges)
        let currentCounts = counts(current, edges: edges)
        let nb = Double(baseline.count), nc = Double(current.count)
        let e = baselineCounts.map { max(Double($0) / nb, epsilon) }
        let a = currentCounts.map { max(Double($0) / nc, epsilon) }
        var psi = 0.0
        for (ak, ek) in zip(a, e) {
            psi += (ak - ek) * libmLog(ak / ek)
        }
        return PopulationStabilityResult(
            edges: edges, baselineCounts: baselineCounts, currentCounts: currentCounts,
            baselineProportions: e, currentProportions: a, psi: psi)
    }

    /// Type 7 quantile of sorted values at q: h = (n-1)q, interpolated as NumPy does.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let j = Int(h.rounded(.down))
        let t = h - Double(j)
        let lo = sorted[j]
        guard j + 1 < sorted.count else { return lo }
        let hi = sorted[j + 1]
        let diff = hi - lo
        // NumPy's _lerp: from the nearer endpoint, so t = 1 gives hi exactly.
        return t >= 0.5 ? hi - diff * (1 - t) : lo + diff * t
    }

    /// Per-bin counts: the bin of v is the number of edges strictly below v.
    static func counts(_ values: [Double], edges: [Double]) -> [Int] {
        var result = [Int](repeating: 0, count: edges.count + 1)
        for v in values {
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            result[lo] += 1
        }
        return result
    }
}
