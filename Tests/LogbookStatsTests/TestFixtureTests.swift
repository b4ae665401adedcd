import Testing
@testable import LogbookStats

/// ztest.json, welch.json, srm.json, ks.json, psi.json, sample_size.json, multitest.json: every case.
@Suite("Statistical tests against SciPy fixtures")
struct TestFixtureTests {
    @Test("ztest.json", arguments: try FixtureFile.cases("ztest.json"))
    func proportionZTest(_ c: FixtureCase) throws {
        let r = try #require(ProportionZTest.test(
            conversionsA: c.integer("x_a"), unitsA: c.integer("n_a"),
            conversionsB: c.integer("x_b"), unitsB: c.integer("n_b"),
            alpha: c.number("alpha")))
        var check = CaseChecker(c)
        check.number("p_a", r.rateA)
        check.number("p_b", r.rateB)
        check.number("diff", r.difference)
        check.number("pooled_p", r.pooledRate)
        check.number("se_pooled", r.pooledStandardError)
        check.number("z", r.z)
        check.number("p_value_two_sided", r.pValueTwoSided)
        check.number("p_value_one_sided_greater", r.pValueOneSidedGreater)
        check.number("se_unpooled", r.unpooledStandardError)
        check.number("z_crit", r.zCritical)
        check.numbers("diff_ci", r.differenceInterval.endpoints)
        check.number("rel_lift", r.relativeLift)
        check.number("rel_se_delta", r.relativeLiftStandardError)
        check.numbers("rel_ci_delta", r.relativeLiftIntervalDelta?.endpoints)
        check.numbers("rel_ci_log", r.relativeLiftIntervalLog?.endpoints)
        check.finish()
    }

    @Test("welch.json summary", arguments: try FixtureFile.cases("welch.json", op: "summary"))
    func welchFromSummaries(_ c: FixtureCase) throws {
        let a = SampleSummary(count: try c.integer("n_a"), mean: try c.number("mean_a"), variance: try c.number("var_a"))
        let b = SampleSummary(count: try c.integer("n_b"), mean: try c.number("mean_b"), variance: try c.number("var_b"))
        let r = try #require(WelchTTest.test(a, b, alpha: try c.number("alpha")))
        var check = CaseChecker(c)
        checkWelch(&check, r)
        check.finish()
    }

    @Test("welch.json samples", arguments: try FixtureFile.cases("welch.json", op: "samples"))
    func welchFromSamples(_ c: FixtureCase) throws {
        let r = try #require(WelchTTest.test(
            samplesA: try c.numbers("a"), samplesB: try c.numbers("b"), alpha: try c.number("alpha")))
        var check = CaseChecker(c)
        check.number("mean_a", r.summaryA.mean)
        check.number("var_a", r.summaryA.variance)
        check.number("mean_b", r.summaryB.mean)
        check.number("var_b", r.summaryB.variance)
        checkWelch(&check, r)
        check.finish()
    }

    /// The fields welch.json has for both operations.
    private func checkWelch(_ check: inout CaseChecker, _ r: WelchTTestResult) {
        check.number("diff", r.difference)
        check.number("se", r.standardError)
        check.number("t", r.t)
        check.number("df", r.degreesOfFreedom)
        check.number("p_value_two_sided", r.pValueTwoSided)
        check.number("p_value_one_sided_greater", r.pValueOneSidedGreater)
        check.number("t_crit", r.tCritical)
        check.numbers("diff_ci", r.differenceInterval?.endpoints)
        check.number("rel_lift", r.relativeLift)
        check.number("rel_se_delta", r.relativeLiftStandardError)
        check.numbers("rel_ci_delta", r.relativeLiftInterval?.endpoints)
    }

    @Test("srm.json", arguments: try FixtureFile.cases("srm.json"))
    func sampleRatioMismatch(_ c: FixtureCase) throws {
        let observed = try c.numbers("observed").map { try #require(Int(exactly: $0)) }
        let r = try #require(SampleRatioMismatch.test(observed: observed, weights: try c.numbers("weights")))
        var check = CaseChecker(c)
        check.numbers("expected_counts", r.expectedCounts)
        check.number("chi2", r.chiSquared)
        check.integer("df", r.degreesOfFreedom)
        check.number("p_value", r.pValue)
        check.boolean("srm_at_0.001", r.isMismatch)
        check.finish()
    }

    @Test("ks.json", arguments: try FixtureFile.cases("ks.json"))
    func kolmogorovSmirnov(_ c: FixtureCase) throws {
        let r = try #require(KolmogorovSmirnov.twoSample(try c.numbers("a"), try c.numbers("b")))
        var check = CaseChecker(c)
        check.number("D", r.statistic)
        check.integer("D_times_lcm", r.statisticTimesLCM)
        check.integer("lcm", r.lcm)
        check.number("n_eff", r.effectiveSize)
        check.boolean("has_ties", r.hasTies)
        check.number("p_exact", r.pExact)
        check.number("p_asymp_scipy", r.pAsymptotic)
        check.number("p_kolmogorov", r.pKolmogorov)
        check.number("p_kolmogorov_stephens", r.pKolmogorovStephens)
        check.finish()
    }

    @Test("psi.json", arguments: try FixtureFile.cases("psi.json"))
    func populationStability(_ c: FixtureCase) throws {
        let r = try #require(PopulationStability.index(
            baseline: try c.numbers("baseline"), current: try c.numbers("current"),
            bins: try c.integer("bins"), epsilon: try c.number("epsilon")))
        var check = CaseChecker(c)
        check.numbers("edges", r.edges)
        check.integers("counts_baseline", r.baselineCounts)
        check.integers("counts_current", r.currentCounts)
        check.numbers("prop_baseline", r.baselineProportions)
        check.numbers("prop_current", r.currentProportions)
        check.number("psi", r.psi)
        check.finish()
    }

    @Test("sample_size.json", arguments: try FixtureFile.cases("sample_size.json"))
    func sampleSize(_ c: FixtureCase) throws {
        let mde = try c.number("mde")
        let effect: MinimumDetectableEffect
        switch try c.string("mde_type") {
        case "absolute": effect = .absolute(mde)
        case "relative": effect = .relative(mde)
        case let other: Issue.record("\(c.id): unknown mde_type \(other)"); return
        }
        let r = try #require(SampleSize.twoProportions(
            baseline: try c.number("p1"), effect: effect, alpha: try c.number("alpha"),
            power: try c.number("power"), ratio: try c.number("ratio")))
        var check = CaseChecker(c)
        check.number("p2", r.treatmentRate)
        check.number("delta", r.delta)
        check.number("z_alpha", r.zAlpha)
        check.number("z_beta", r.zBeta)
        check.number("n_a_pooled_raw", r.pooledRaw)
        check.integer("n_a_pooled", r.pooledA)
        check.integer("n_b_pooled", r.pooledB)
        check.number("n_a_unpooled_raw", r.unpooledRaw)
        check.integer("n_a_unpooled", r.unpooledA)
        check.integer("n_b_unpooled", r.unpooledB)
        check.number("n_a_arcsine_raw", r.arcsineRaw)
        check.number("n_a_arcsine_two_tail_raw", r.arcsineTwoTailRaw)
        check.number("power_unpooled_at_ceil", r.powerUnpooledAtCeil)
        check.finish()
    }

    @Test("multitest.json", arguments: try FixtureFile.cases("multitest.json"))
    func multipleTesting(_ c: FixtureCase) throws {
        let p = try c.numbers("p_values")
        let alpha = try c.number("alpha")
        let bonferroni = try #require(MultipleTesting.bonferroni(p, alpha: alpha))
        let holm = try #require(MultipleTesting.holm(p, alpha: alpha))
        let bh = try #require(MultipleTesting.benjaminiHochberg(p, alpha: alpha))
        var check = CaseChecker(c)
        check.numbers("bonferroni_adjusted", bonferroni.adjusted)
        check.booleans("bonferroni_reject", bonferroni.rejected)
        check.numbers("holm_adjusted", holm.adjusted)
        check.booleans("holm_reject", holm.rejected)
        check.numbers("benjamini_hochberg_adjusted", bh.adjusted)
        check.booleans("benjamini_hochberg_reject", bh.rejected)
        check.finish()
    }
}
