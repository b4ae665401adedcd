/// Prediction drift of a current window against a baseline: PSI (the binning rule of the reference fixtures) and
/// the two-sample Kolmogorov–Smirnov test, with the verdict against thresholds.
///
/// Exact while both samples hold at most ``exactLimit`` values; a larger sample is replaced by a uniform random
/// sample of that size (reservoir sampling, Algorithm R, with a fixed seed so the same data always gives the same
/// numbers). With 100,000 values per side the sampling error of the KS statistic is about 0.003 and of PSI about
/// 10⁻⁴ (tested), far below the thresholds that matter (PSI 0.1–0.25, KS p 0.01).
package enum DriftCheck: Sendable {
    /// The largest sample used as is.
    package static let exactLimit = 100_000
    /// Default thresholds: drift when PSI > 0.25 or the KS p-value < 0.01.
    package static let defaultPSIThreshold = 0.25
    package static let defaultKSPValueThreshold = 0.01
    /// The reservoirs' seeds (fixed: the same data always gives the same numbers).
    package static let baselineSeed: UInt64 = 0xBA5E
    package static let currentSeed: UInt64 = 0xC0DE

    /// The outcome of one check.
    package struct Result: Sendable, Equatable {
        /// Population Stability Index (10 baseline-decile bins, ε = 10⁻⁴).
        package var psi: Double
        /// KS statistic D.
        package var ksStatistic: Double
        /// KS p-value: exact (no ties, n_a n_b ≤ 10⁸), else SciPy's asymptotic method.
        package var ksPValue: Double
        /// Whether PSI > its threshold or the p-value < its threshold.
        package var drifted: Bool
        /// Sizes of the samples actually compared (after reservoir sampling).
        package var baselineSize: Int
        package var currentSize: Int
        /// Whether a sample was reduced to ``exactLimit`` values.
        package var sampled: Bool
    }

    /// Compares `current` with `baseline`; nil when either is empty or holds a non-finite value.
    package static func check(baseline: [Double], current: [Double], psiThreshold: Double = defaultPSIThreshold,
                              ksPValueThreshold: Double = defaultKSPValueThreshold,
                              limit: Int = exactLimit) -> Result? {
        let a = reservoir(baseline, size: limit, seed: baselineSeed)
        let b = reservoir(current, size: limit, seed: currentSeed)
        guard let psi = PopulationStability.index(baseline: a, current: b),
              let ks = KolmogorovSmirnov.twoSample(a, b) else { return nil }
        let p = (ks.hasTies ? nil : ks.pExact) ?? ks.pAsymptotic ?? ks.pKolmogorov
        return Result(psi: psi.psi, ksStatistic: ks.statistic, ksPValue: p,
                      drifted: psi.psi > psiThreshold || p < ksPValueThreshold,
                      baselineSize: a.count, currentSize: b.count, sampled: a.count < baseline.count || b.count < current.count)
    }

    /// A uniform sample of `size` values (all of them when there are no more), deterministic for a seed.
    package static func reservoir(_ values: [Double], size: Int, seed: UInt64) -> [Double] {
        var r = Reservoir(size: size, seed: seed)
        for v in values { r.add(v) }
        return r.values
    }

    /// Algorithm R fed one value at a time: memory stays at `size` values however many are added, and the sample is
    /// the same as ``reservoir(_:size:seed:)`` of all of them.
    package struct Reservoir: Sendable {
        /// The sample so far.
        package private(set) var values: [Double] = []
        /// How many values were added.
        package private(set) var seen = 0
        let size: Int
        var state: UInt64

        /// An empty reservoir of `size` values.
        package init(size: Int = DriftCheck.exactLimit, seed: UInt64) {
            self.size = size
            state = seed
        }

        /// Adds a value.
        package mutating func add(_ value: Double) {
            defer { seen += 1 }
            if seen < size {
                values.append(value)
                return
            }
            // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let j = Int(z % UInt64(seen + 1))
            if j < size { values[j] = value }
        }
    }

    /// Compares two samples already reduced by reservoirs (``Reservoir``), streamed by the caller; `sampled` is
    /// whether either reservoir saw more values than it kept.
    package static func check(baseline: Reservoir, current: Reservoir, psiThreshold: Double = defaultPSIThreshold,
                              ksPValueThreshold: Double = defaultKSPValueThreshold) -> Result? {
        guard var result = check(baseline: baseline.values, current: current.values, psiThreshold: psiThreshold,
                                 ksPValueThreshold: ksPValueThreshold, limit: .max) else { return nil }
        result.sampled = baseline.seen > baseline.values.count || current.seen > current.values.count
        return result
    }
}
