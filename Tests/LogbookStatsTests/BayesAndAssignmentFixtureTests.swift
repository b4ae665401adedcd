import LogbookStorage
import Testing
@testable import LogbookStats

/// beta_ctw.json and assignment.json: every case.
@Suite("Chance to win and assignment against fixtures")
struct BayesAndAssignmentFixtureTests {
    @Test("beta_ctw.json two_arm", arguments: try FixtureFile.cases("beta_ctw.json", op: "two_arm"))
    func twoArm(_ c: FixtureCase) throws {
        let r = try #require(BayesianChanceToWin.twoArm(
            successesA: try c.integer("x_a"), trialsA: try c.integer("n_a"),
            successesB: try c.integer("x_b"), trialsB: try c.integer("n_b"),
            priorAlpha: try c.number("prior_alpha"), priorBeta: try c.number("prior_beta")))
        var check = CaseChecker(c)
        check.number("alpha_a", r.posteriorA.alpha)
        check.number("beta_a", r.posteriorA.beta)
        check.number("alpha_b", r.posteriorB.alpha)
        check.number("beta_b", r.posteriorB.beta)
        check.number("p_b_beats_a", r.probabilityBBeatsA)
        check.number("p_a_beats_b", r.probabilityABeatsB)
        check.finish()
    }

    @Test("beta_ctw.json best_of_k", arguments: try FixtureFile.cases("beta_ctw.json", op: "best_of_k"))
    func bestOfK(_ c: FixtureCase) throws {
        let arms = try #require(c.input["arms"]?.array)
        let priorAlpha = try c.number("prior_alpha"), priorBeta = try c.number("prior_beta")
        let posteriors = try arms.map { arm in
            let x = try #require(arm.object?["x"]?.number.flatMap { Int(exactly: $0) })
            let n = try #require(arm.object?["n"]?.number.flatMap { Int(exactly: $0) })
            return try #require(BetaPosterior(successes: x, trials: n, priorAlpha: priorAlpha, priorBeta: priorBeta))
        }
        var check = CaseChecker(c)
        check.numbers("p_best", BayesianChanceToWin.probabilityOfBeingBest(posteriors))
        check.finish()
    }

    @Test("assignment.json fnv1a32_utf8", arguments: try FixtureFile.cases("assignment.json", op: "fnv1a32_utf8"))
    func fnv(_ c: FixtureCase) throws {
        var check = CaseChecker(c)
        check.integer("hash", Int(Assignment.fnv1a32(try c.string("s"))))
        check.finish()
    }

    @Test("assignment.json growthbook_hash", arguments: try FixtureFile.cases("assignment.json", op: "growthbook_hash"))
    func growthBook(_ c: FixtureCase) throws {
        let seed = try c.string("seed"), value = try c.string("value")
        var check = CaseChecker(c)
        check.number("v1", Assignment.growthBookHashV1(seed: seed, value: value))
        check.number("v2", Assignment.growthBookHashV2(seed: seed, value: value))
        check.finish()
    }

    @Test("assignment.json sha256_bucket (from the expected u64)",
          arguments: try FixtureFile.cases("assignment.json", op: "sha256_bucket"))
    /// SHA-256 is not part of this module (it is the storage layer's); the test hashes `SALT.UNIT` with it and
    /// checks the big-endian prefix, then the bucket and variant choice computed from that prefix.
    func sha256Bucket(_ c: FixtureCase) throws {
        let u64String = try #require(c.expected["u64"]?.string)
        let expectedU64 = try #require(UInt64(u64String), "\(c.id): u64 \(u64String) is not a UInt64")
        #expect(try c.string("key") == (try c.string("salt")) + "." + (try c.string("unit")), "\(c.id): key")
        let digest = SHA256.hash(Array(try c.string("key").utf8))
        let u64 = try #require(Assignment.bigEndianPrefix(ofDigest: digest.bytes))
        #expect(u64 == expectedU64, "\(c.id): SHA-256 prefix of the key")
        let bucket = Assignment.bucket(fromSHA256Prefix: u64)
        var check = CaseChecker(c)
        check.markChecked("u64")
        check.integer("bucket_10000", bucket)
        let variants = try #require(c.expected["variants"]?.object)
        check.markChecked("variants")
        for (weightsKey, expected) in variants.sorted(by: { $0.key < $1.key }) {
            let weights = try weightsKey.split(separator: ",").map { try #require(Int($0)) }
            let index = Assignment.variantIndex(bucket: bucket, weightsBasisPoints: weights) ?? -1
            #expect(expected.number == Double(index), "\(c.id) variants[\(weightsKey)]: expected \(expected), actual \(index)")
        }
        check.finish()
    }
}
