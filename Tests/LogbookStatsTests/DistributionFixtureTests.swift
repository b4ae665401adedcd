import Testing
@testable import LogbookStats

/// normal.json, t.json and chi2.json: every case, one test argument per case.
@Suite("Distributions against SciPy fixtures")
struct DistributionFixtureTests {
    @Test("normal.json cdf/sf", arguments: try FixtureFile.cases("normal.json", op: "cdf"))
    func normalCDF(_ c: FixtureCase) throws {
        let x = try c.number("x")
        var check = CaseChecker(c)
        check.number("cdf", Normal.cdf(x))
        check.number("sf", Normal.sf(x))
        check.finish()
    }

    @Test("normal.json ppf", arguments: try FixtureFile.cases("normal.json", op: "ppf"))
    func normalPPF(_ c: FixtureCase) throws {
        let p = try c.number("p")
        var check = CaseChecker(c)
        check.number("ppf", Normal.ppf(p))
        check.finish()
    }

    @Test("t.json cdf/sf", arguments: try FixtureFile.cases("t.json", op: "cdf"))
    func studentTCDF(_ c: FixtureCase) throws {
        let t = try c.number("t")
        let df = try c.number("df")
        var check = CaseChecker(c)
        check.number("cdf", StudentT.cdf(t, df: df))
        check.number("sf", StudentT.sf(t, df: df))
        check.finish()
    }

    @Test("t.json ppf", arguments: try FixtureFile.cases("t.json", op: "ppf"))
    func studentTPPF(_ c: FixtureCase) throws {
        let p = try c.number("p")
        let df = try c.number("df")
        var check = CaseChecker(c)
        check.number("ppf", StudentT.ppf(p, df: df))
        check.finish()
    }

    @Test("chi2.json cdf/sf", arguments: try FixtureFile.cases("chi2.json", op: "cdf"))
    func chiSquaredCDF(_ c: FixtureCase) throws {
        let x = try c.number("x")
        let df = try c.number("df")
        var check = CaseChecker(c)
        check.number("cdf", ChiSquared.cdf(x, df: df))
        check.number("sf", ChiSquared.sf(x, df: df))
        check.finish()
    }

    @Test("chi2.json ppf", arguments: try FixtureFile.cases("chi2.json", op: "ppf"))
    func chiSquaredPPF(_ c: FixtureCase) throws {
        let p = try c.number("p")
        let df = try c.number("df")
        var check = CaseChecker(c)
        check.number("ppf", ChiSquared.ppf(p, df: df))
        check.finish()
    }
}
