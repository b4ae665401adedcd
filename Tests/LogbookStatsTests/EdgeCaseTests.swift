import Testing
@testable import LogbookStats

/// Conventions the README names (undefined is nil, never NaN; p-values 1 by convention) and invalid input.
@Suite("Edge cases and conventions")
struct EdgeCaseTests {
    @Test("Distributions: invalid parameters and out-of-range probabilities give nil, never NaN")
    func distributionDomains() {
        #expect(Normal.ppf(0) == nil)
        #expect(Normal.ppf(1) == nil)
        #expect(Normal.ppf(.nan) == nil)
        #expect(Normal.isf(0) == nil)
        #expect(StudentT.cdf(1, df: 0) == nil)
        #expect(StudentT.sf(1, df: -3) == nil)
        #expect(StudentT.cdf(.nan, df: 3) == nil)
        #expect(StudentT.ppf(0.3, df: .nan) == nil)
        #expect(StudentT.ppf(1, df: 5) == nil)
        #expect(ChiSquared.cdf(1, df: 0) == nil)
        #expect(ChiSquared.sf(.nan, df: 2) == nil)
        #expect(ChiSquared.ppf(0, df: 2) == nil)
        // A quantile beyond the largest double is reported as undefined rather than a wrong finite number.
        #expect(StudentT.ppf(1e-300, df: 0.3) == nil)
    }

    @Test("Distributions: extreme arguments stay finite, tails are computed directly")
    func distributionTails() throws {
        #expect(Normal.sf(37.5) > 0 && Normal.sf(37.5) < 1e-300)  // about 4.6e-308, near the end of the doubles
        #expect(Normal.cdf(-37.5) == Normal.sf(37.5))
        #expect(Normal.sf(-40) == 1)
        #expect(Normal.sf(.infinity) == 0 && Normal.cdf(.infinity) == 1)
        let tTail = try #require(StudentT.sf(1e200, df: 0.5))
        #expect(tTail > 0 && tTail.isFinite)  // x = df/(df + t²) underflows; the tail does not
        #expect(try #require(StudentT.cdf(.infinity, df: 2)) == 1)
        let chiTail = try #require(ChiSquared.sf(1300, df: 10))
        #expect(chiTail > 0 && chiTail < 1e-250)
        #expect(try #require(ChiSquared.cdf(0, df: 1)) == 0)
    }

    @Test("cdf + sf = 1 and the quantiles invert the cdf", arguments: [0.7, 1, 2.5, 9, 60, 4000, 250_000])
    func roundTrips(df: Double) throws {
        for p in [1e-12, 1e-6, 0.01, 0.2, 0.5, 0.8, 0.975, 0.999_999] {
            // The quantile is within a few ulps of the exact one: p lies between the cdf 4 ulps either side.
            let t = try #require(StudentT.ppf(p, df: df))
            let tLow = try #require(StudentT.cdf(t - 4 * t.ulp, df: df))
            let tHigh = try #require(StudentT.cdf(t + 4 * t.ulp, df: df))
            #expect(tLow <= p * (1 + 1e-13) && p <= tHigh * (1 + 1e-13), "t df \(df) p \(p): t \(t)")
            let x = try #require(ChiSquared.ppf(p, df: df))
            let xLow = try #require(ChiSquared.cdf(x - 4 * x.ulp, df: df))
            let xHigh = try #require(ChiSquared.cdf(x + 4 * x.ulp, df: df))
            #expect(xLow <= p * (1 + 1e-13) && p <= xHigh * (1 + 1e-13), "chi2 df \(df) p \(p): x \(x)")
        }
        for v in [-30.0, -3, -0.2, 0, 0.4, 2, 8, 100] {
            let cdf = try #require(StudentT.cdf(v, df: df)), sf = try #require(StudentT.sf(v, df: df))
            #expect(abs(cdf + sf - 1) <= 1e-15)
            #expect(try #require(StudentT.sf(-v, df: df)) == cdf)
        }
    }

    @Test("Normal quantile round trip down to 1e-300")
    func normalRoundTrip() throws {
        for p in [1e-300, 1e-200, 1e-50, 1e-10, 0.02, 0.3, 0.5, 0.7, 0.98] {
            let x = try #require(Normal.ppf(p))
            // Rounding x to a double moves the cdf by about |x| ulp(x) relative.
            #expect(abs(Normal.cdf(x) - p) <= 4e-16 * max(1, x * x) * p, "p \(p) x \(x) cdf \(Normal.cdf(x))")
            #expect(try #require(Normal.isf(p)) == -x)
        }
    }

    @Test("z-test: undefined lift is nil; zero pooled SE gives nil z and p-values of 1")
    func proportionZTestConventions() throws {
        let zeroControl = try #require(ProportionZTest.test(conversionsA: 0, unitsA: 50, conversionsB: 5, unitsB: 50))
        #expect(zeroControl.relativeLift == nil)
        #expect(zeroControl.relativeLiftStandardError == nil)
        #expect(zeroControl.relativeLiftIntervalDelta == nil)
        #expect(zeroControl.relativeLiftIntervalLog == nil)
        #expect(zeroControl.z != nil)
        let none = try #require(ProportionZTest.test(conversionsA: 0, unitsA: 100, conversionsB: 0, unitsB: 100))
        #expect(none.z == nil)
        #expect(none.pValueTwoSided == 1 && none.pValueOneSidedGreater == 1)
        #expect(none.differenceInterval == ConfidenceInterval(lower: 0, upper: 0))
        let all = try #require(ProportionZTest.test(conversionsA: 7, unitsA: 7, conversionsB: 3, unitsB: 3))
        #expect(all.z == nil && all.pValueTwoSided == 1)
        #expect(all.relativeLift == 0)
        #expect(ProportionZTest.test(conversionsA: 1, unitsA: 0, conversionsB: 1, unitsB: 5) == nil)
        #expect(ProportionZTest.test(conversionsA: 6, unitsA: 5, conversionsB: 1, unitsB: 5) == nil)
        #expect(ProportionZTest.test(conversionsA: 1, unitsA: 5, conversionsB: 1, unitsB: 5, alpha: 0) == nil)
    }

    @Test("Welch: zero variances, zero control mean, too few observations")
    func welchConventions() throws {
        let same = try #require(WelchTTest.test(SampleSummary(count: 15, mean: 2, variance: 0),
                                                SampleSummary(count: 15, mean: 2, variance: 0)))
        #expect(same.t == nil && same.degreesOfFreedom == nil && same.tCritical == nil)
        #expect(same.differenceInterval == nil && same.relativeLift == nil)
        #expect(same.pValueTwoSided == 1 && same.pValueOneSidedGreater == 1)
        let apart = try #require(WelchTTest.test(SampleSummary(count: 5, mean: 1, variance: 0),
                                                 SampleSummary(count: 5, mean: 3, variance: 0)))
        #expect(apart.t == nil && apart.pValueTwoSided == 0 && apart.pValueOneSidedGreater == 0)
        let zeroMean = try #require(WelchTTest.test(SampleSummary(count: 12, mean: 0, variance: 1),
                                                    SampleSummary(count: 12, mean: 0.4, variance: 1)))
        #expect(zeroMean.relativeLift == nil && zeroMean.relativeLiftInterval == nil)
        #expect(zeroMean.t != nil)
        #expect(WelchTTest.test(SampleSummary(count: 1, mean: 0, variance: 0),
                                SampleSummary(count: 5, mean: 1, variance: 1)) == nil)
        #expect(WelchTTest.test(samplesA: [1], samplesB: [1, 2, 3]) == nil)
        #expect(WelchTTest.test(samplesA: [1, .nan], samplesB: [1, 2, 3]) == nil)
        // Negative control mean: the lift keeps the sign of the difference.
        let negative = try #require(WelchTTest.test(SampleSummary(count: 40, mean: -10, variance: 4),
                                                    SampleSummary(count: 40, mean: -5, variance: 4)))
        #expect(try #require(negative.relativeLift) > 0)
    }

    @Test("SRM: no observations gives nil statistic and p-value 1; invalid input gives nil")
    func srmConventions() throws {
        let empty = try #require(SampleRatioMismatch.test(observed: [0, 0, 0], weights: [1, 1, 1]))
        #expect(empty.chiSquared == nil && empty.pValue == 1 && !empty.isMismatch)
        #expect(empty.degreesOfFreedom == 2)
        #expect(SampleRatioMismatch.test(observed: [1, 2], weights: [1]) == nil)
        #expect(SampleRatioMismatch.test(observed: [1, 2], weights: [1, 0]) == nil)
        #expect(SampleRatioMismatch.test(observed: [5], weights: [1]) == nil)
        #expect(SampleRatioMismatch.test(observed: [-1, 2], weights: [1, 1]) == nil)
        let basisPoints = try #require(SampleRatioMismatch.test(observed: [700, 100, 100, 100],
                                                                weights: [7000, 1000, 1000, 1000]))
        #expect(basisPoints.chiSquared == 0 && basisPoints.pValue == 1)
    }

    @Test("KS: exact p-value equals brute-force enumeration of all arrangements")
    func ksExactByEnumeration() {
        for (m, n) in [(1, 1), (2, 3), (3, 3), (4, 6), (5, 7), (6, 6)] {
            // Every arrangement of m a's and n b's is equally likely under the null; count those with D >= d.
            var statistics: [Int] = []
            let g = KolmogorovSmirnov.gcd(m, n), lcm = m / g * n
            func walk(_ i: Int, _ j: Int, _ best: Int) {
                if i == m && j == n { statistics.append(best); return }
                if i < m { walk(i + 1, j, max(best, abs((i + 1) * (lcm / m) - j * (lcm / n)))) }
                if j < n { walk(i, j + 1, max(best, abs(i * (lcm / m) - (j + 1) * (lcm / n)))) }
            }
            walk(0, 0, 0)
            for h in Set(statistics) {
                let brute = Double(statistics.filter { $0 >= h }.count) / Double(statistics.count)
                let exact = KolmogorovSmirnov.exactPValue(m: m, n: n, h: h)
                #expect(abs(exact - brute) <= 1e-14, "m \(m) n \(n) h \(h): \(exact) vs \(brute)")
            }
        }
    }

    @Test("KS: undefined and degenerate cases")
    func ksConventions() throws {
        #expect(KolmogorovSmirnov.twoSample([], [1]) == nil)
        #expect(KolmogorovSmirnov.twoSample([1, .nan], [1]) == nil)
        let one = try #require(KolmogorovSmirnov.twoSample([0.3], [0.9]))
        #expect(one.pAsymptotic == nil)  // round(n_eff) = 0
        #expect(one.pExact == 1)
        let same = try #require(KolmogorovSmirnov.twoSample([1, 2, 3], [3, 2, 1]))
        #expect(same.statistic == 0 && same.hasTies && same.pExact == 1 && same.pKolmogorov == 1)
        #expect(KolmogorovSmirnov.kolmogorovSurvival(0) == 1)
        #expect(KolmogorovSmirnov.kolmogorovSurvival(50) == 0)
        // Both forms of Q agree where they meet.
        let below = KolmogorovSmirnov.kolmogorovSurvival(1 - 1e-12)
        let above = KolmogorovSmirnov.kolmogorovSurvival(1 + 1e-12)
        #expect(abs(below - above) < 1e-11)
    }

    @Test("PSI: identical samples give 0; a constant baseline collapses to one edge")
    func psiEdges() throws {
        let sample = (0..<200).map { Double($0 % 37) * 0.25 }
        let same = try #require(PopulationStability.index(baseline: sample, current: sample))
        #expect(same.psi == 0)
        let constant = try #require(PopulationStability.index(baseline: [2, 2, 2, 2], current: [1, 2, 3]))
        #expect(constant.edges == [2])
        #expect(constant.baselineCounts == [4, 0] && constant.currentCounts == [2, 1])
        #expect(PopulationStability.index(baseline: [], current: [1]) == nil)
        #expect(PopulationStability.index(baseline: [1, .infinity], current: [1]) == nil)
    }

    @Test("Sample size: power at the rounded-up sizes reaches the target; invalid input gives nil")
    func sampleSizeConventions() throws {
        for ratio in [0.5, 1, 3] {
            let r = try #require(SampleSize.twoProportions(baseline: 0.2, effect: .relative(0.05), alpha: 0.05,
                                                           power: 0.9, ratio: ratio))
            #expect(r.powerUnpooledAtCeil >= 0.9)
            #expect(r.arcsineTwoTailRaw <= r.arcsineRaw)
            #expect(Double(r.unpooledA) >= r.unpooledRaw && Double(r.unpooledA) < r.unpooledRaw + 1)
        }
        #expect(SampleSize.twoProportions(baseline: 0.1, effect: .absolute(0)) == nil)
        #expect(SampleSize.twoProportions(baseline: 0.95, effect: .absolute(0.1)) == nil)
        #expect(SampleSize.twoProportions(baseline: 0, effect: .absolute(0.1)) == nil)
        #expect(SampleSize.twoProportions(baseline: 0.1, effect: .absolute(0.01), power: 0.01) == nil)
    }

    @Test("Chance to win: exact sum and numerical integration agree, both directions sum to 1")
    func chanceToWinConsistency() throws {
        for (xa, na, xb, nb) in [(0, 10, 1, 10), (10, 100, 15, 100), (100, 1000, 120, 1000), (20, 200, 2, 200),
                                 (3, 20_000, 9, 20_000), (1000, 10_000, 1050, 10_000)] {
            let a = try #require(BetaPosterior(successes: xa, trials: na))
            let b = try #require(BetaPosterior(successes: xb, trials: nb))
            let exact = BayesianChanceToWin.twoArm(a, b)
            let numeric = BayesianChanceToWin.probabilityOfBeingBest([a, b])
            #expect(abs(exact.probabilityBBeatsA - numeric[1]) <= 1e-10 * numeric[1], "\(xa)/\(na) vs \(xb)/\(nb)")
            #expect(abs(exact.probabilityABeatsB - numeric[0]) <= 1e-10 * numeric[0], "\(xa)/\(na) vs \(xb)/\(nb)")
            #expect(abs(exact.probabilityBBeatsA + exact.probabilityABeatsB - 1) <= 1e-12)
        }
    }

    @Test("Chance to win: non-integer priors (integration path) and best-of-k sums")
    func chanceToWinPriors() throws {
        let r = try #require(BayesianChanceToWin.twoArm(successesA: 3, trialsA: 40, successesB: 7, trialsB: 40,
                                                        priorAlpha: 0.5, priorBeta: 0.5))
        #expect(abs(r.probabilityBBeatsA + r.probabilityABeatsB - 1) <= 1e-10)
        let swapped = try #require(BayesianChanceToWin.twoArm(successesA: 7, trialsA: 40, successesB: 3, trialsB: 40,
                                                              priorAlpha: 0.5, priorBeta: 0.5))
        #expect(abs(swapped.probabilityABeatsB - r.probabilityBBeatsA) <= 1e-12)
        // A Jeffreys-prior arm with an integrable density singularity at both ends.
        let arms = [try #require(BetaPosterior(alpha: 0.5, beta: 0.5)),
                    try #require(BetaPosterior(successes: 50, trials: 100)),
                    try #require(BetaPosterior(successes: 30, trials: 100))]
        let best = BayesianChanceToWin.probabilityOfBeingBest(arms)
        #expect(abs(best.reduce(0, +) - 1) <= 1e-10, "\(best)")
        #expect(BayesianChanceToWin.probabilityOfBeingBest([arms[1]]) == [1])
        #expect(BetaPosterior(successes: 5, trials: 4) == nil)
        #expect(BetaPosterior(alpha: 0, beta: 1) == nil)
    }

    @Test("Multiple testing: invalid p-values give nil; adjustments are monotone in p")
    func multipleTestingConventions() throws {
        #expect(MultipleTesting.holm([0.1, 1.2]) == nil)
        #expect(MultipleTesting.benjaminiHochberg([-0.1]) == nil)
        #expect(MultipleTesting.bonferroni([.nan]) == nil)
        #expect(try #require(MultipleTesting.holm([])).adjusted.isEmpty)
        let p = [0.04, 0.001, 0.03, 0.5, 0.2, 0.011]
        for method in [MultipleTesting.bonferroni, MultipleTesting.holm, MultipleTesting.benjaminiHochberg] {
            let adjusted = try #require(method(p, 0.05)).adjusted
            let order = p.indices.sorted { p[$0] < p[$1] }
            for (x, y) in zip(order, order.dropFirst()) { #expect(adjusted[x] <= adjusted[y]) }
            for (raw, adj) in zip(p, adjusted) { #expect(adj >= raw && adj <= 1) }
        }
    }

    @Test("Assignment: variant boundaries, units outside the experiment, digest prefix")
    func assignmentBoundaries() {
        #expect(Assignment.variantIndex(bucket: 4999, weightsBasisPoints: [5000, 5000]) == 0)
        #expect(Assignment.variantIndex(bucket: 5000, weightsBasisPoints: [5000, 5000]) == 1)
        #expect(Assignment.variantIndex(bucket: 9999, weightsBasisPoints: [5000, 5000]) == 1)
        #expect(Assignment.variantIndex(bucket: 0, weightsBasisPoints: [0, 10_000]) == 1)
        #expect(Assignment.variantIndex(bucket: 4999, weightsBasisPoints: [4000, 1000]) == 1)
        #expect(Assignment.variantIndex(bucket: 5000, weightsBasisPoints: [4000, 1000]) == nil)
        #expect(Assignment.variantIndex(bucket: 10, weightsBasisPoints: []) == nil)
        #expect(Assignment.variantIndex(bucket: 1, weightsBasisPoints: [-5, 10_000]) == nil)
        #expect(Assignment.bucket(fromSHA256Prefix: 0) == 0)
        #expect(Assignment.bucket(fromSHA256Prefix: UInt64.max) == Int(UInt64.max % 10_000))
        let digest: [UInt8] = [0x13, 0x4D, 0x2A, 0x9F, 0x00, 0x01, 0xFF, 0x80, 0xAA]
        #expect(Assignment.bigEndianPrefix(ofDigest: digest) == 0x134D_2A9F_0001_FF80)
        #expect(Assignment.bigEndianPrefix(ofDigest: [1, 2, 3]) == nil)
        #expect(Assignment.fnv1a32("") == Assignment.fnvOffsetBasis)
    }

    @Test("Gauss-Kronrod constants integrate polynomials exactly (K15 to degree 23, G7 to degree 13)")
    func quadratureConstants() {
        for degree in 0...23 {
            let exact = degree % 2 == 0 ? 2 / Double(degree + 1) : 0  // ∫_{-1}^{1} x^d
            let k = Integration.kronrod15({ x in libmPow(x, Double(degree)) }, -1, 1)
            #expect(abs(k.value - exact) <= 1e-14, "K15 degree \(degree)")
            if degree <= 13 {
                #expect(k.error <= 1e-14, "G7 degree \(degree): \(k.error)")
            }
        }
    }
}
