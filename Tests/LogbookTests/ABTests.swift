import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStats
import LogbookStorage
import LogbookTestSupport
import Testing

/// A store with model "m" (versions 1...3) and a running 50/50 conversion test "t" between versions 1 and 2.
private func abStore(weights: [Int] = [5000, 5000], continuous: Bool = false, sequential: Bool = false,
                     minimumSample: Int = 100, guardrails: [ABGuardrail] = []) throws -> TestStore {
    let t = try TestStore()
    let s = t.store
    try s.createExperiment(name: "e", t.ctx())
    for i in 1...3 { try s.startRun(experiment: "e", id: "r\(i)", t.ctx()) }
    try s.createModel(name: "m", t.ctx())
    for i in 1...3 { try s.registerVersion(model: "m", run: "r\(i)", t.ctx()) }
    try s.setStage(model: "m", version: 1, stage: .production, t.ctx("baseline"))
    let variants = weights.enumerated().map { ABVariant(name: $0.offset == 0 ? "control" : "v\($0.offset)", version: $0.offset + 1,
                                                      weightBasisPoints: $0.element) }
    try s.createABTest(name: "t", model: "m", variants: variants, metric: "converted", continuous: continuous,
                       guardrails: guardrails, minimumSample: minimumSample, sequential: sequential, t.ctx())
    try s.startABTest("t", t.ctx())
    return t
}

@Suite("A/B tests")
struct ABTests {
    @Test("a test needs a model, existing versions, two or more variants and weights summing to 100%")
    func creationRules() throws {
        let t = try abStore()
        let s = t.store
        func v(_ n: String, _ version: Int, _ w: Int) -> ABVariant { ABVariant(name: n, version: version, weightBasisPoints: w) }
        expectRefusal(t, .refused, "already exists") { try s.createABTest(name: "t", model: "m", variants: [v("a", 1, 5000), v("b", 2, 5000)], metric: "c", t.ctx()) }
        expectRefusal(t, .notFound) { try s.createABTest(name: "u", model: "ghost", variants: [v("a", 1, 5000), v("b", 2, 5000)], metric: "c", t.ctx()) }
        expectRefusal(t, .notFound, "no version 9") { try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 5000), v("b", 9, 5000)], metric: "c", t.ctx()) }
        expectRefusal(t, .usage, "sum to 9000") { try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 5000), v("b", 2, 4000)], metric: "c", t.ctx()) }
        expectRefusal(t, .usage, "at least two") { try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 10000)], metric: "c", t.ctx()) }
        expectRefusal(t, .usage, "named twice") { try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 5000), v("a", 2, 5000)], metric: "c", t.ctx()) }
        expectRefusal(t, .usage, "--alpha") { try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 5000), v("b", 2, 5000)], metric: "c", alpha: 1.5, t.ctx()) }
        expectRefusal(t, .usage, "primary metric") {
            try s.createABTest(name: "u", model: "m", variants: [v("a", 1, 5000), v("b", 2, 5000)], metric: "c",
                               guardrails: [ABGuardrail(metric: "c", higherIsWorse: true)], t.ctx())
        }
    }

    @Test("assignment happens only while running; outcomes only for assigned units, once, 0/1 for conversions")
    func lifecycle() throws {
        let t = try abStore()
        let s = t.store
        try s.createABTest(name: "later", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                                 ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                           metric: "c", t.ctx())
        expectRefusal(t, .refused, "has not started") { try s.assign(test: "later", units: ["u"], t.ctx()) }
        expectRefusal(t, .notFound) { try s.assign(test: "ghost", units: ["u"], t.ctx()) }
        let first = try s.assign(test: "t", units: ["alice", "bob", "alice"], t.ctx())
        #expect(first[0] == first[2])
        let seq = s.state.lastSequence
        #expect(try s.assign(test: "t", units: ["alice"], t.ctx()) == [first[0]]) // sticky, nothing new recorded
        #expect(s.state.lastSequence == seq)
        expectRefusal(t, .notFound, "not assigned") { try s.recordOutcomes(test: "t", [("carol", 1, nil)], t.ctx()) }
        expectRefusal(t, .usage, "0 or 1") { try s.recordOutcomes(test: "t", [("alice", 2, nil)], t.ctx()) }
        expectRefusal(t, .usage, "finite") { try s.recordOutcomes(test: "t", [("alice", .nan, nil)], t.ctx()) }
        expectRefusal(t, .notFound, "no metric") { try s.recordOutcomes(test: "t", [("alice", 1, "revenue")], t.ctx()) }
        try s.recordOutcomes(test: "t", [("alice", 1, nil)], t.ctx())
        expectRefusal(t, .refused, "already has an outcome") { try s.recordOutcomes(test: "t", [("alice", 0, nil)], t.ctx()) }
        expectRefusal(t, .refused, "only a created test") { try s.startABTest("t", t.ctx()) }
        try s.stopABTest("t", t.ctx())
        expectRefusal(t, .refused, "takes no more") { try s.assign(test: "t", units: ["dave"], t.ctx()) }
        expectRefusal(t, .refused, "takes no more") { try s.recordOutcomes(test: "t", [("bob", 1, nil)], t.ctx()) }
        #expect(s.state.abTest(named: "t")?.status == .concluded)
    }

    @Test("assignment follows the reference SHA-256 buckets exactly",
          arguments: try assignmentCases())
    func referenceBuckets(_ c: AssignmentCase) throws {
        #expect(ABTest.unitHash(salt: c.salt, unit: c.unit) == c.u64)
        let t = ABTest(ordinal: 1, name: "x", model: 1,
                       variants: c.weights.enumerated().map { ABVariant(name: "v\($0.offset)", version: 1, weightBasisPoints: $0.element) },
                       metric: "m", continuous: false, guardrails: [], minimumSample: 0, alpha: 0.05, salt: c.salt,
                       sequential: false, createdTime: 0)
        #expect(t.variantIndex(forHash: c.u64) == c.expected, "\(c.id) weights \(c.weights)")
    }

    @Test("100,000 units on a 90/10 split land within the binomial 99.9% band; two stores agree unit by unit")
    func split() throws {
        let t = try abStore(weights: [9000, 1000])
        let other = try abStore(weights: [9000, 1000])
        let units = (0..<100_000).map { "user-\($0)" }
        var treatment = 0
        for chunk in stride(from: 0, to: units.count, by: 20_000) {
            let batch = Array(units[chunk..<(chunk + 20_000)])
            let a = try t.store.assign(test: "t", units: batch, t.ctx())
            treatment += a.filter { $0 == "v1" }.count
            if chunk == 0 { #expect(try other.store.assign(test: "t", units: batch, other.ctx()) == a) }
        }
        let band = 3.29 * (100_000 * 0.1 * 0.9).squareRoot()
        #expect(abs(Double(treatment) - 10_000) < band, "treatment got \(treatment)")
        #expect(t.store.state.abTest(named: "t")!.units == [100_000 - treatment, treatment])
    }

    @Test("status numbers are the library's; a planted 2-point lift is a winner; a planted SRM is invalid")
    func statusAndDecisions() throws {
        let t = try abStore(minimumSample: 10_000)
        let s = t.store
        var g = SeededGenerator(seed: 31)
        var units: [String] = []
        for i in 0..<40_000 { units.append("u\(i)") }
        let variants = try s.assign(test: "t", units: units, t.ctx())
        var outcomes: [(unit: String, value: Double, metric: String?)] = []
        for (u, v) in zip(units, variants) {
            let rate = v == "control" ? 0.10 : 0.12
            if Double.random(in: 0..<1, using: &g) < rate { outcomes.append((u, 1, nil)) }
        }
        try s.recordOutcomes(test: "t", outcomes, t.ctx())
        let report = try s.abStatus("t")
        let c = report.variants[0], b = report.variants[1]
        #expect(c.units + b.units == 40_000 && c.outcomes == c.conversions && c.conversions + b.conversions == outcomes.count)
        let z = try #require(ProportionZTest.test(conversionsA: c.conversions, unitsA: c.units, conversionsB: b.conversions, unitsB: b.units))
        let comparison = try #require(report.analysis?.comparisons.first)
        #expect(comparison.lift == z.difference && comparison.pValue == z.pValueTwoSided)
        #expect(report.analysis?.srmPValue == SampleRatioMismatch.test(observed: [c.units, b.units], weights: [5000, 5000])?.pValue)
        #expect(report.decision == "winner:v1")
        // As of the moment before the outcomes, nothing was known yet.
        let before = try s.state(at: .sequence(s.state.lastSequence - 1))
        #expect(try s.abStatus("t", in: before).variants.allSatisfy { $0.conversions == 0 })
        #expect(try s.abStatus("t", in: before).decision == "continue" || (try s.abStatus("t", in: before)).decision == "no_difference")
    }

    @Test("an SRM planted by dropping 5% of one arm's units is flagged")
    func plantedSRM() throws {
        let t = try abStore(minimumSample: 1000)
        let s = t.store
        // 100,000 units: a 5% loss in one arm (about 2,500 units) is far outside the natural spread (σ ≈ 160).
        let units = (0..<100_000).map { "u\($0)" }
        let t0 = s.state.abTest(named: "t")!
        // Drop 5% of the treatment's units before they are ever assigned (a logging bug).
        var kept: [String] = []
        var treatmentSeen = 0
        for u in units {
            if t0.variantIndex(forHash: ABTest.unitHash(salt: t0.salt, unit: u)) == 1 {
                treatmentSeen += 1
                if treatmentSeen % 20 == 0 { continue } // every 20th treatment unit is lost: 5% of the arm
            }
            kept.append(u)
        }
        try s.assign(test: "t", units: kept, t.ctx())
        let report = try s.abStatus("t")
        #expect(report.variants.map(\.units) == [kept.count - (treatmentSeen - treatmentSeen / 20), treatmentSeen - treatmentSeen / 20])
        #expect((report.analysis?.srmPValue ?? 1) < 0.001)
        #expect(report.decision == "invalid:srm")
    }

    @Test("stop --promote-winner promotes through the registry with the statistics recorded; without a winner it refuses")
    func promoteWinner() throws {
        let t = try abStore(minimumSample: 5000)
        let s = t.store
        var g = SeededGenerator(seed: 32)
        let units = (0..<30_000).map { "u\($0)" }
        let variants = try s.assign(test: "t", units: units, t.ctx())
        expectRefusal(t, .refused, "no winning treatment") { try s.stopABTest("t", promoteWinner: true, t.ctx()) }
        var outcomes: [(unit: String, value: Double, metric: String?)] = []
        for (u, v) in zip(units, variants) where Double.random(in: 0..<1, using: &g) < (v == "control" ? 0.10 : 0.13) {
            outcomes.append((u, 1, nil))
        }
        try s.recordOutcomes(test: "t", outcomes, t.ctx())
        // A policy the winner fails still applies: refused, nothing appended.
        try s.logToRun("r2", metrics: [series("auc", [0.5])], t.ctx())
        try s.setPolicy(model: "m", PromotionPolicy(metric: "auc", minimum: 0.9), t.ctx())
        expectRefusal(t, .refused, "promotion policy") { try s.stopABTest("t", promoteWinner: true, t.ctx("clear winner")) }
        try s.setPolicy(model: "m", PromotionPolicy(metric: "auc", minimum: 0.1), t.ctx())
        let report = try s.stopABTest("t", promoteWinner: true, t.ctx("clear winner"))
        #expect(report.decision == "winner:v1")
        #expect(s.state.model(named: "m")!.production?.number == 2)
        #expect(s.state.model(named: "m")!.versions[0].stage == .archived)
        let test = s.state.abTest(named: "t")!
        #expect(test.status == .concluded && test.promotedVariant == 1 && test.decision == "winner:v1")
        let evaluation = try s.auditEvents(AuditQuery(entity: .model("m"))).compactMap { e -> PromotionEvaluation? in
            if case let .promotionEvaluated(_, 2, ev) = e.event { return ev } else { return nil }
        }.first
        #expect(evaluation?.explanation.contains("A/B test t: winner:v1") == true)
        #expect(evaluation?.champion == 1)
    }

    @Test("A/B state survives snapshot + tail exactly, and replays to the same bytes")
    func snapshotReplay() throws {
        let t = try abStore(continuous: true, sequential: true, guardrails: [ABGuardrail(metric: "latency", higherIsWorse: true)])
        let s = t.store
        var g = SeededGenerator(seed: 33)
        for round in 0..<6 {
            let units = (0..<500).map { "u\(round)-\($0)" }
            try s.assign(test: "t", units: units, t.ctx())
            try s.recordOutcomes(test: "t", units.map { ($0, Double(g.next() % 100) / 10, nil) }
                                 + units.prefix(100).map { ($0, Double(g.next() % 50), "latency") }, t.ctx())
            if round == 2 { try s.writeSnapshot() }
        }
        let live = s.state
        try t.reopen()
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(live))
        #expect(StateCodec.encode(try fullReplay(t)) == StateCodec.encode(live))
        #expect(t.store.state.abTests[0].sequentialTauSquared[0] != nil)
        #expect(t.store.state.abTests[0].sequentialMinimumPositive[0] != nil || t.store.state.abTests[0].sequentialMinimumNegative[0] != nil)
        #expect(try t.store.check().snapshotsChecked >= 1)
    }

    @Test("a test as of any moment, folded from its own events, equals the test in the whole state as of then")
    func testAtEveryMoment() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        let s = t.store
        let variants = [ABVariant(name: "a", version: 1, weightBasisPoints: 3000), ABVariant(name: "b", version: 2, weightBasisPoints: 7000)]
        try s.createABTest(name: "first", model: "m", variants: variants, metric: "c",
                           guardrails: [ABGuardrail(metric: "latency", higherIsWorse: true)], t.ctx())
        try s.createABTest(name: "second", model: "m", variants: variants, metric: "rev", continuous: true,
                           sequential: true, t.ctx())
        try s.startABTest("first", t.ctx())
        try s.startABTest("second", t.ctx())
        var g = SeededGenerator(seed: 7)
        for batch in 0..<4 {
            // Batches of 100 units go through the sorted merge; small ones through single inserts.
            let units = (0..<(batch % 2 == 0 ? 120 : 7)).map { "u\(batch)-\($0)" }
            for name in ["first", "second"] {
                _ = try s.assign(test: name, units: units, t.ctx())
                try s.recordOutcomes(test: name, units.prefix(units.count / 2).map { ($0, Double(g.next() % 2), nil) }, t.ctx())
            }
            try s.recordOutcomes(test: "first", units.prefix(3).map { ($0, Double(g.next() % 50), "latency") }, t.ctx())
            if batch == 1 { try s.writeSnapshot() }
        }
        try s.stopABTest("first", t.ctx())
        try s.logToRun("r", metrics: [series("acc", [0.1, 0.2])], t.ctx())
        for n in 0...s.state.lastSequence {
            for name in ["first", "second", "none"] {
                let fast = try s.state(at: .sequence(n), forABTest: name).abTest(named: name)
                #expect(fast == (try s.state(at: .sequence(n))).abTest(named: name), "test \(name) at #\(n)")
            }
        }
        #expect(try s.state(at: .sequence(3), forABTest: "first").abTest(named: "first") == nil)
        #expect(try s.state(at: .sequence(s.state.lastSequence), forABTest: "first").abTest(named: "first")?.status == .concluded)
    }

    @Test("sample size per arm for a plan is the pooled two-proportion formula")
    func plan() throws {
        let plan = try LogbookStore.planSampleSize(baseline: 0.1, effect: 0.02, relative: false)
        #expect(plan.perArm == SampleSize.twoProportions(baseline: 0.1, effect: .absolute(0.02), alpha: 0.05, power: 0.8, ratio: 1)?.pooledA)
        #expect(plan.perArm > 3000 && plan.perArm < 4000)
        #expect(throws: LogbookError.self) { _ = try LogbookStore.planSampleSize(baseline: 1.5, effect: 0.1, relative: true) }
    }
}

/// One `sha256_bucket` case of the reference file, for one weight vector summing to 10,000.
struct AssignmentCase: Sendable, CustomTestStringConvertible {
    let id: String, salt: String, unit: String, u64: UInt64, weights: [Int], expected: Int
    var testDescription: String { "\(id) [\(weights.map(String.init).joined(separator: ","))]" }
}

func assignmentCases() throws -> [AssignmentCase] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/stats/assignment.json")
    let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    var cases: [AssignmentCase] = []
    for c in root["cases"] as! [[String: Any]] where c["op"] as? String == "sha256_bucket" {
        let input = c["input"] as! [String: Any], expected = c["expected"] as! [String: Any]
        for (key, index) in expected["variants"] as! [String: Any] {
            let weights = key.split(separator: ",").map { Int($0)! }
            guard weights.reduce(0, +) == 10_000 else { continue }
            cases.append(AssignmentCase(id: c["id"] as! String, salt: input["salt"] as! String, unit: input["unit"] as! String,
                                        u64: UInt64(expected["u64"] as! String)!, weights: weights, expected: (index as! NSNumber).intValue))
        }
    }
    return cases.sorted { ($0.id, $0.weights.description) < ($1.id, $1.weights.description) }
}

@Suite("A/B unit hash")
struct ABUnitHashTests {
    @Test("the unit hash is the big-endian prefix of SHA-256 of SALT.UNIT, as the statistics library reads it")
    func prefixMatchesLibrary() {
        for (salt, unit) in [("t", "u1"), ("checkout-v2", "user-42"), ("", ""), ("ü", "🙂"), (String(repeating: "s", count: 100), "x")] {
            let digest = LogbookStorage.SHA256.hash(Array((salt + "." + unit).utf8))
            #expect(ABTest.unitHash(salt: salt, unit: unit) == Assignment.bigEndianPrefix(ofDigest: digest.bytes))
        }
    }

    @Test("the hashes of a batch of units (two at a time) are the reference buckets' hashes, unit by unit")
    func batchMatchesReference() throws {
        let cases = try assignmentCases()
        for (salt, group) in Dictionary(grouping: cases, by: \.salt) {
            #expect(ABTest.unitHashes(salt: salt, group.map(\.unit)) == group.map(\.u64), "salt '\(salt)'")
        }
        // Units of every length around one block (55 bytes with the salt and dot), in odd and even numbers.
        for count in [0, 1, 2, 3, 64, 65] {
            let units = (0..<count).map { String(repeating: "u", count: $0 % 70) + "\($0)" }
            #expect(ABTest.unitHashes(salt: "checkout", units) == units.map { ABTest.unitHash(salt: "checkout", unit: $0) },
                    "\(count) units")
        }
    }
}
