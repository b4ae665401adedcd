@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

@Suite("Tracking rules")
struct TrackingRulesTests {
    @Test("experiments get ids 1, 2, ...; a live name is unique; delete frees it; restore needs it free")
    func experiments() throws {
        let t = try TestStore()
        let s = t.store
        #expect(try s.createExperiment(name: "churn", t.ctx()).id == 1)
        #expect(try s.createExperiment(name: "fraud", tags: [KeyValue("team", "risk")], t.ctx()).id == 2)
        expectRefusal(t, .refused, "already exists") { try s.createExperiment(name: "churn", t.ctx()) }
        expectRefusal(t, .refused, "already exists") { try s.renameExperiment("fraud", to: "churn", t.ctx()) }
        expectRefusal(t, .notFound) { try s.renameExperiment("nope", to: "x", t.ctx()) }
        expectRefusal(t, .usage, "empty") { try s.createExperiment(name: "", t.ctx()) }
        expectRefusal(t, .usage, "control character") { try s.createExperiment(name: "a\u{1}b", t.ctx()) }
        expectRefusal(t, .usage, "limit") { try s.createExperiment(name: String(repeating: "x", count: 1_000_000), t.ctx()) }
        try s.deleteExperiment("churn", t.ctx())
        expectRefusal(t, .notFound, "deleted") { _ = try s.requireExperiment("churn") }
        #expect(try s.createExperiment(name: "churn", t.ctx()).id == 3)
        expectRefusal(t, .refused, "Another live experiment") { try s.restoreExperiment("churn", t.ctx()) }
        try s.renameExperiment("churn", to: "churn-v2", t.ctx())
        try s.restoreExperiment("churn", t.ctx())
        #expect(try s.requireExperiment("churn").id == 1)
        expectRefusal(t, .refused, "not deleted") { try s.restoreExperiment("churn", t.ctx()) }
    }

    @Test("runs start in a live experiment, with a unique valid id and an existing parent")
    func runStart() throws {
        let t = try TestStore()
        let s = t.store
        try s.createExperiment(name: "e", t.ctx())
        let parent = try s.startRun(experiment: "e", id: "p1", gitCommit: "ABCDEF12", source: "train.py", t.ctx())
        let child = try s.startRun(experiment: "e", name: "child", parent: "p1", tags: [KeyValue("k", "v")], t.ctx())
        #expect(child.parent == parent.ordinal)
        #expect(child.id.count == 32)
        #expect(s.state.run(id: "p1")?.gitCommit == "abcdef12")
        #expect(s.state.run(id: "p1")?.source == "train.py")
        expectRefusal(t, .notFound) { try s.startRun(experiment: "nope", t.ctx()) }
        expectRefusal(t, .refused, "already exists") { try s.startRun(experiment: "e", id: "p1", t.ctx()) }
        expectRefusal(t, .usage, "run id") { try s.startRun(experiment: "e", id: "bad id!", t.ctx()) }
        expectRefusal(t, .notFound) { try s.startRun(experiment: "e", parent: "ghost", t.ctx()) }
        expectRefusal(t, .usage, "git commit") { try s.startRun(experiment: "e", gitCommit: "not-hex", t.ctx()) }
    }

    @Test("a param, once set, cannot change (same value is a no-op); metrics take NaN and ±Inf; steps are not negative")
    func paramsAndMetrics() throws {
        let t = try TestStore.withRun()
        let s = t.store
        try s.logToRun("r", params: [KeyValue("lr", "0.01")], metrics: [series("loss", [3, 2, .nan, .infinity, -.infinity])], t.ctx())
        let seq = s.state.lastSequence
        try s.logToRun("r", params: [KeyValue("lr", "0.01")], t.ctx())
        #expect(s.state.lastSequence == seq) // nothing new
        expectRefusal(t, .refused, "params cannot change") { try s.logToRun("r", params: [KeyValue("lr", "0.1")], t.ctx()) }
        expectRefusal(t, .refused, "params cannot change") {
            try s.logToRun("r", params: [KeyValue("new", "1"), KeyValue("new", "2")], t.ctx())
        }
        expectRefusal(t, .usage, "steps are 0 or more") {
            try s.logToRun("r", metrics: [MetricSeries(key: "m", points: [MetricPoint(step: -1, value: 1, time: 0)])], t.ctx())
        }
        expectRefusal(t, .usage, "Nothing to log") { try s.logToRun("r", t.ctx()) }
        let r = try s.requireRun("r")
        let loss = r.latest.first { s.state.metricKeys.strings[Int($0.key)] == "loss" }!
        #expect(loss.step == 4 && loss.value == -.infinity)
        let history = try s.metricHistory(run: "r", key: "loss")
        #expect(history.count == 5 && history[2].value.isNaN && history[3].value == .infinity)
        // MLflow's latest rule: the greatest step wins, whatever the logging order.
        try s.logToRun("r", metrics: [MetricSeries(key: "acc", points: [MetricPoint(step: 5, value: 0.9, time: 10),
                                                                         MetricPoint(step: 2, value: 0.1, time: 20)])], t.ctx())
        #expect(try s.requireRun("r").latest.first { s.state.metricKeys.strings[Int($0.key)] == "acc" }?.value == 0.9)
        expectRefusal(t, .notFound) { _ = try s.metricHistory(run: "r", key: "nope") }
    }

    @Test("a run ends once; a deleted run refuses logging; a registered version's run cannot be deleted")
    func endAndDelete() throws {
        let t = try TestStore.withRun()
        let s = t.store
        try s.startRun(experiment: "e", id: "q", t.ctx())
        expectRefusal(t, .usage) { try s.endRun("r", status: .running, t.ctx()) }
        try s.endRun("r", status: .failed, t.ctx())
        #expect(try s.requireRun("r").status == .failed)
        #expect(try s.requireRun("r").endTime == t.now)
        expectRefusal(t, .refused, "ends once") { try s.endRun("r", t.ctx()) }
        try s.deleteRun("q", t.ctx())
        expectRefusal(t, .refused, "deleted") { try s.logToRun("q", tags: [KeyValue("a", "b")], t.ctx()) }
        expectRefusal(t, .refused, "already deleted") { try s.deleteRun("q", t.ctx()) }
        try s.restoreRun("q", t.ctx())
        expectRefusal(t, .refused, "not deleted") { try s.restoreRun("q", t.ctx()) }
        try s.createModel(name: "m", t.ctx())
        try s.registerVersion(model: "m", run: "r", t.ctx())
        expectRefusal(t, .refused, "m/1") { try s.deleteRun("r", t.ctx()) }
        expectRefusal(t, .notFound) { try s.endRun("ghost", t.ctx()) }
    }

    @Test("artifacts are stored content-addressed; paths that escape the run are refused")
    func artifacts() throws {
        let t = try TestStore.withRun()
        let s = t.store
        let bytes = Array("model weights".utf8)
        let a = try s.addArtifact("r", bytes: bytes, path: "model/weights.bin", t.ctx())
        #expect(a.sha256 == SHA256Hex.of(bytes))
        #expect(try s.artifactBytes("r", path: "model/weights.bin") == bytes)
        for bad in ["../x", "/etc/passwd", "a/../../b", "a//b", "./a", "a/", ""] {
            expectRefusal(t, .usage) { try s.addArtifact("r", bytes: [1], path: bad, t.ctx()) }
        }
        expectRefusal(t, .notFound) { _ = try s.artifactBytes("r", path: "nope") }
        // Damaged bytes are refused, not served.
        let stored = t.dir.path + "/store/artifacts/" + a.sha256.prefix(2) + "/" + a.sha256
        writeFile(stored, Array("tampered".utf8))
        expectRefusal(t, .integrity, "damaged") { _ = try s.artifactBytes("r", path: "model/weights.bin") }
    }

    @Test("datasets need a SHA-256 digest")
    func datasets() throws {
        let t = try TestStore.withRun()
        let s = t.store
        try s.linkDataset("r", name: "train", digest: String(repeating: "AB", count: 32), t.ctx())
        #expect(try s.requireRun("r").datasets == [KeyValue("train", String(repeating: "ab", count: 32))])
        expectRefusal(t, .usage, "SHA-256") { try s.linkDataset("r", name: "x", digest: "abc", t.ctx()) }
    }

    @Test("a write earlier than the newest event is refused")
    func timeNeverGoesBack() throws {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        expectRefusal(t, .refused, "never go back") {
            try t.store.createExperiment(name: "f", WriteContext(actor: "a", time: t.now - 1))
        }
    }
}

/// SHA-256 hex of bytes, through the storage layer's implementation.
enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String { LogbookStorageSHA.hex(bytes) }
}
