@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

/// A store with experiment "e", runs r1...r4 with metric acc = 0.80, 0.82, 0.85, 0.70 and latency_ms, and model "m".
private func registryStore() throws -> TestStore {
    let t = try TestStore()
    let s = t.store
    try s.createExperiment(name: "e", t.ctx())
    for (i, acc) in [0.80, 0.82, 0.85, 0.70].enumerated() {
        try s.startRun(experiment: "e", id: "r\(i + 1)", t.ctx())
        try s.logToRun("r\(i + 1)", metrics: [series("acc", [acc]), series("latency_ms", [Double(10 * (i + 1))])], t.ctx())
    }
    try s.createModel(name: "m", description: "churn model", owner: "ml-team", purpose: "retention", riskTier: .high, t.ctx())
    return t
}

@Suite("Registry rules")
struct RegistryRulesTests {
    @Test("versions are numbered per model from 1, with lineage from the run")
    func register() throws {
        let t = try registryStore()
        let s = t.store
        try s.addArtifact("r1", bytes: [1, 2, 3], path: "model.pkl", t.ctx())
        try s.linkDataset("r1", name: "train", digest: String(repeating: "0", count: 64), t.ctx())
        #expect(try s.registerVersion(model: "m", run: "r1", artifact: "model.pkl", t.ctx()) == 1)
        #expect(try s.registerVersion(model: "m", run: "r2", parent: 1, description: "retrained", t.ctx()) == 2)
        let v1 = s.state.model(named: "m")!.versions[0]
        #expect(v1.artifactSHA256 == SHA256Hex.of([1, 2, 3]))
        #expect(v1.datasets.first?.key == "train")
        #expect(v1.metrics.contains(KeyValue("acc", "0.8")))
        #expect(s.state.model(named: "m")!.versions[1].parent == 1)
        expectRefusal(t, .notFound) { try s.registerVersion(model: "m", run: "ghost", t.ctx()) }
        // Registering to a model that does not exist creates it in the same batch (as MLflow does).
        let before = s.state.lastSequence
        #expect(try s.registerVersion(model: "fresh", run: "r1", t.ctx()) == 1)
        #expect(s.state.lastSequence == before + 2 && s.state.model(named: "fresh")?.versions.count == 1)
        expectRefusal(t, .notFound, "no artifact") { try s.registerVersion(model: "m", run: "r2", artifact: "x", t.ctx()) }
        expectRefusal(t, .notFound, "no version 9") { try s.registerVersion(model: "m", run: "r2", parent: 9, t.ctx()) }
        expectRefusal(t, .refused, "already exists") { try s.createModel(name: "m", t.ctx()) }
        expectRefusal(t, .usage) { try s.createModel(name: "a@b", t.ctx()) }
    }

    @Test("a stage change needs a reason; to Production it archives the champion in the same event")
    func stages() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2", "r3"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        expectRefusal(t, .usage, "--reason") { try s.setStage(model: "m", version: 1, stage: .production, t.ctx()) }
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("first release"))
        let before = s.state.lastSequence
        try s.setStage(model: "m", version: 2, stage: .production, t.ctx("better"))
        #expect(s.state.lastSequence == before + 1) // one event: promote and archive together
        #expect(s.state.model(named: "m")!.versions.map(\.stage) == [.archived, .production, .none])
        expectRefusal(t, .refused, "already in Production") { try s.setStage(model: "m", version: 2, stage: .production, t.ctx("x")) }
        try s.setStage(model: "m", version: 3, stage: .production, keepExisting: true, t.ctx("canary"))
        #expect(s.state.model(named: "m")!.versions.map(\.stage) == [.archived, .production, .production])
        expectRefusal(t, .notFound) { try s.setStage(model: "m", version: 7, stage: .staging, t.ctx("x")) }
    }

    @Test("no prefix of the log ever shows two Production versions (without --keep-existing)")
    func neverTwoProduction() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2", "r3", "r4"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        var g = SeededGenerator(seed: 7)
        for _ in 0..<40 {
            let v = 1 + Int(g.next() % 4)
            let stage = [Stage.staging, .production, .archived, .none][Int(g.next() % 4)]
            try? s.setStage(model: "m", version: v, stage: stage, t.ctx("shuffle"))
        }
        for n in 1...s.state.lastSequence {
            let past = try s.state(at: .sequence(n))
            for m in past.models {
                #expect(m.versions.filter { $0.stage == .production }.count <= 1, "at sequence \(n)")
                #expect(m.versions.filter { $0.stage == .staging }.count <= 1, "at sequence \(n)")
            }
        }
    }

    @Test("aliases move with a reason; reserved names are refused; references resolve")
    func aliasesAndResolve() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("go"))
        try s.setStage(model: "m", version: 2, stage: .staging, t.ctx("try"))
        expectRefusal(t, .usage, "--reason") { try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx()) }
        try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx("current best"))
        expectRefusal(t, .refused, "already points") { try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx("again")) }
        for bad in ["production", "Staging", "latest", "3", "a@b"] {
            expectRefusal(t, .usage) { try s.setAlias(model: "m", alias: bad, version: 1, t.ctx("x")) }
        }
        #expect(try s.resolve("m@production").version.number == 1)
        #expect(try s.resolve("m@staging").version.number == 2)
        #expect(try s.resolve("m@champion").version.number == 1)
        #expect(try s.resolve("m@latest").version.number == 2)
        #expect(try s.resolve("m/2").version.run == 2)
        expectRefusal(t, .notFound) { _ = try s.resolve("m@ghost") }
        expectRefusal(t, .notFound) { _ = try s.resolve("m/9") }
        expectRefusal(t, .usage) { _ = try s.resolve("m") }
        try s.removeAlias(model: "m", alias: "champion", t.ctx("retire"))
        expectRefusal(t, .notFound) { try s.removeAlias(model: "m", alias: "champion", t.ctx("again")) }
        let history = try s.history(model: "m")
        #expect(history.map(\.kind) == ["stage", "stage", "alias", "alias"])
        #expect(history[2].to == "1" && history[3].from == "1" && history[3].to == nil)
        #expect(history[0].reason == "go" && history[0].actor == "alice")
    }

    @Test("promote records its evaluation whatever the outcome; a rejection appends it and refuses")
    func promotion() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2", "r3", "r4"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        expectRefusal(t, .refused, "no promotion policy") { _ = try s.promote(model: "m", version: 1, t.ctx()) }
        try s.setPolicy(model: "m", PromotionPolicy(metric: "acc", minimum: 0.75, improvementPercent: 3, maxLatencyMs: 35), t.ctx())
        // No champion yet: v1 passes the minimum and is promoted, evaluation and stage change in one batch.
        let e1 = try s.promote(model: "m", version: 1, t.ctx())
        #expect(e1.decision == .promoted && e1.champion == nil)
        #expect(s.state.model(named: "m")!.production?.number == 1)
        // v2: 0.82 vs 0.80 is +2.5%, below the required 3%: recorded, then refused.
        let seq = s.state.lastSequence
        do {
            let e2 = try s.promote(model: "m", version: 2, t.ctx())
            #expect(e2.decision == .rejected)
            #expect(e2.explanation.contains("below the required 3.0%"))
            #expect(abs(e2.improvementPercent! - 2.5) < 1e-9)
        }
        #expect(s.state.lastSequence == seq + 1)
        #expect(s.state.model(named: "m")!.production?.number == 1)
        // Dry run: nothing recorded.
        let dry = try s.promote(model: "m", version: 3, dryRun: true, t.ctx())
        #expect(dry.decision == .promoted && dry.champion == 1)
        #expect(s.state.lastSequence == seq + 1)
        // v4 misses the minimum and the latency maximum.
        let e4 = try s.promote(model: "m", version: 4, t.ctx())
        #expect(e4.decision == .rejected && e4.explanation.contains("below the minimum") && e4.explanation.contains("latency_ms"))
        // v3 passes: +6.25% and 30 ms.
        #expect(try s.promote(model: "m", version: 3, t.ctx()).decision == .promoted)
        #expect(s.state.model(named: "m")!.versions.map(\.stage) == [.archived, .none, .production, .none])
    }

    @Test("a champion whose metric is NaN does not block a challenger")
    func nanChampion() throws {
        let t = try registryStore()
        let s = t.store
        try s.logToRun("r4", metrics: [series("loss", [.nan])], t.ctx())
        try s.logToRun("r2", metrics: [series("loss", [0.3])], t.ctx())
        try s.registerVersion(model: "m", run: "r4", t.ctx())
        try s.registerVersion(model: "m", run: "r2", t.ctx())
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("legacy"))
        try s.setPolicy(model: "m", PromotionPolicy(metric: "loss", lowerIsBetter: true, improvementPercent: 5), t.ctx())
        let e = try s.promote(model: "m", version: 2, t.ctx())
        #expect(e.decision == .promoted && e.champion == 1 && e.championValue == nil)
    }

    @Test("with approval required a passing promotion waits; the requester cannot approve when a separate approver is required")
    func approvals() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        try s.setPolicy(model: "m", PromotionPolicy(metric: "acc", requiresApproval: true, separateApprover: true), t.ctx())
        #expect(try s.promote(model: "m", version: 1, t.ctx()).decision == .pendingApproval)
        #expect(s.state.model(named: "m")!.production == nil)
        expectRefusal(t, .refused, "awaiting approval") { _ = try s.promote(model: "m", version: 1, t.ctx()) }
        expectRefusal(t, .usage, "--reason") { try s.approve(model: "m", version: 1, t.ctx()) }
        expectRefusal(t, .refused, "separate approver") { try s.approve(model: "m", version: 1, t.ctx("ok")) }
        expectRefusal(t, .refused, "no promotion awaiting") { try s.approve(model: "m", version: 2, t.ctx("ok", actor: "bob")) }
        try s.approve(model: "m", version: 1, t.ctx("reviewed", actor: "bob"))
        #expect(s.state.model(named: "m")!.production?.number == 1)
        #expect(try s.promote(model: "m", version: 2, t.ctx()).decision == .pendingApproval)
        try s.reject(model: "m", version: 2, t.ctx("not convinced", actor: "bob"))
        expectRefusal(t, .refused) { try s.reject(model: "m", version: 2, t.ctx("again", actor: "bob")) }
        #expect(s.state.model(named: "m")!.versions[1].pendingPromotionBy == nil)
    }

    @Test("rollback: the previous Production version returns; --to restores every stage and alias of that moment")
    func rollback() throws {
        let t = try registryStore()
        let s = t.store
        for r in ["r1", "r2", "r3"] { try s.registerVersion(model: "m", run: r, t.ctx()) }
        expectRefusal(t, .refused, "no earlier Production") { try s.rollback(model: "m", t.ctx("x")) }
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("v1"))
        try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx("v1"))
        try s.setStage(model: "m", version: 2, stage: .staging, t.ctx("try v2"))
        let moment = t.now
        let snapshotOfThen = try s.state(at: .time(moment))
        try s.setStage(model: "m", version: 2, stage: .production, t.ctx("v2"))
        try s.setAlias(model: "m", alias: "champion", version: 2, t.ctx("v2"))
        try s.setAlias(model: "m", alias: "beta", version: 3, t.ctx("try"))
        try s.registerVersion(model: "m", run: "r4", t.ctx())
        try s.setStage(model: "m", version: 4, stage: .staging, t.ctx("try v4"))
        expectRefusal(t, .usage, "--reason") { try s.rollback(model: "m", t.ctx()) }
        // Without --to: v1 comes back, v2 is archived, in one batch.
        try s.rollback(model: "m", t.ctx("v2 regressed"))
        #expect(s.state.model(named: "m")!.production?.number == 1)
        #expect(s.state.model(named: "m")!.versions[1].stage == .archived)
        // With --to: exactly the stages and aliases of that moment; the later version 4 is archived.
        try s.rollback(model: "m", to: .time(moment), t.ctx("back to the morning"))
        let now = s.state.model(named: "m")!
        let then = snapshotOfThen.model(named: "m")!
        #expect(now.versions.prefix(3).map(\.stage) == then.versions.map(\.stage))
        #expect(now.versions[3].stage == .archived)
        #expect(now.aliases == then.aliases)
        expectRefusal(t, .refused, "already what they were") { try s.rollback(model: "m", to: .time(moment), t.ctx("again")) }
        // History is never rewritten: the old events are still there, and the rollback is recorded with its reason.
        let history = try s.history(model: "m")
        #expect(history.filter { $0.kind == "rollback" }.count == 2)
        #expect(history.contains { $0.reason == "back to the morning" })
    }

    @Test("inventory fields change by events; delete hides a model and restore brings it back")
    func inventory() throws {
        let t = try registryStore()
        let s = t.store
        try s.updateModel("m", validation: .validated, t.ctx())
        #expect(s.state.model(named: "m")!.validation == .validated)
        #expect(s.state.model(named: "m")!.riskTier == .high)
        expectRefusal(t, .usage) { try s.updateModel("m", t.ctx()) }
        try s.deleteModel("m", t.ctx())
        expectRefusal(t, .notFound, "deleted") { _ = try s.requireModel("m") }
        expectRefusal(t, .refused, "deleted") { try s.createModel(name: "m", t.ctx()) }
        try s.restoreModel("m", t.ctx())
        expectRefusal(t, .refused) { try s.restoreModel("m", t.ctx()) }
        #expect(try s.requireModel("m").owner == "ml-team")
    }
}
