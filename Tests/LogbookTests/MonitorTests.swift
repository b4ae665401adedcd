import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStats
import LogbookStorage
import LogbookTestSupport
import Testing

/// A store with model "m" version 1 from run "r" (metric acc = 0.9, mae = 0.5).
private func monitorStore() throws -> TestStore {
    let t = try TestStore()
    let s = t.store
    try s.createExperiment(name: "e", t.ctx())
    try s.startRun(experiment: "e", id: "r", t.ctx())
    try s.logToRun("r", metrics: [series("acc", [0.9]), series("mae", [0.5])], t.ctx())
    try s.registerVersion(model: "m", run: "r", t.ctx())
    return t
}

private func normals(_ n: Int, mean: Double, seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { _ in
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
        return mean + (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

@Suite("Monitoring")
struct MonitorTests {
    @Test("bad input is refused whole: unknown model or version, negative or non-finite latency, an actual without a prediction")
    func refusals() throws {
        let t = try monitorStore()
        let s = t.store
        expectRefusal(t, .notFound) { try s.logPredictions(model: "ghost", version: 1, [(1, nil, nil)], t.ctx()) }
        expectRefusal(t, .notFound) { try s.logPredictions(model: "m", version: 2, [(1, nil, nil)], t.ctx()) }
        expectRefusal(t, .usage, "Prediction 2") { try s.logPredictions(model: "m", version: 1, [(1, 0.5, nil), (-1, 0.5, nil)], t.ctx()) }
        expectRefusal(t, .usage, "not finite") { try s.logPredictions(model: "m", version: 1, [(1, .nan, nil)], t.ctx()) }
        expectRefusal(t, .usage, "no prediction") { try s.logPredictions(model: "m", version: 1, [(1, nil, 1)], t.ctx()) }
        expectRefusal(t, .usage) { try s.setBaseline(model: "m", version: 1, values: [1, .infinity], source: "x", t.ctx()) }
        expectRefusal(t, .refused, "no baseline") { try s.checkDrift(model: "m", version: 1, t.ctx()) }
    }

    @Test("status percentiles are the histogram's over exactly the window, and as of any moment")
    func status() throws {
        let t = try monitorStore()
        let s = t.store
        var g = SeededGenerator(seed: 61)
        var all = LogHistogram()
        var late = LogHistogram()
        var lateFrom: Int64 = 0
        for batch in 0..<6 {
            let latencies = (0..<2_000).map { _ in -20 * log(Double.random(in: Double.ulpOfOne..<1, using: &g)) }
            t.now += 60_000 // one batch a minute
            if batch == 3 { lateFrom = t.now + 1000 }
            try s.logPredictions(model: "m", version: 1, latencies.map { ($0, 0.5, nil) }, t.ctx())
            for l in latencies { all.add(l); if batch >= 3 { late.add(l) } }
        }
        let status = try s.monitorStatus(model: "m")
        #expect(status.count == 12_000)
        #expect(status.latencyP50 == all.quantile(0.5) && status.latencyP99 == all.quantile(0.99))
        #expect(status.predictionMean == 0.5 && status.predictionStd == 0)
        let recent = try s.monitorStatus(model: "m", version: 1, since: lateFrom)
        #expect(recent.count == 6_000 && recent.latencyP95 == late.quantile(0.95))
        let early = try s.monitorStatus(model: "m", in: try s.state(at: .time(lateFrom - 1)))
        #expect(early.count == 6_000)
        #expect(throws: LogbookError.self) { _ = try s.monitorStatus(model: "m", version: 9) }
    }

    @Test("a batch whose p99 passes the policy's maximum latency raises an alert, in the audit log of the model")
    func latencyAlert() throws {
        let t = try monitorStore()
        let s = t.store
        try s.setPolicy(model: "m", PromotionPolicy(metric: "acc", maxLatencyMs: 100), t.ctx())
        #expect(try s.logPredictions(model: "m", version: 1, (0..<100).map { _ in (50, nil, nil) }, t.ctx()) == nil)
        let alert = try s.logPredictions(model: "m", version: 1, (0..<100).map { ($0 < 90 ? 50 : 500, nil, nil) }, t.ctx())
        #expect(alert?.kind == "latency" && (alert?.observed ?? 0) > 100)
        #expect(try s.monitorAlerts(model: "m").count == 1)
        let audit = try s.auditEvents(AuditQuery(entity: .model("m")))
        #expect(audit.contains { if case .alertRaised = $0.event { true } else { false } })
    }

    @Test("a planted shift of 0.5 standard deviations is flagged and alerted; the same distribution is not")
    func drift() throws {
        let t = try monitorStore()
        let s = t.store
        try s.setBaseline(model: "m", version: 1, values: normals(5_000, mean: 0, seed: 62), source: "test", t.ctx())
        try s.logPredictions(model: "m", version: 1, normals(5_000, mean: 0, seed: 63).map { (1, $0, nil) }, t.ctx())
        let same = try s.checkDrift(model: "m", version: 1, t.ctx())
        #expect(!same.drifted && s.state.alerts.isEmpty)
        let since = t.now + 1
        try s.logPredictions(model: "m", version: 1, normals(5_000, mean: 0.5, seed: 64).map { (1, $0, nil) }, t.ctx())
        let shifted = try s.checkDrift(model: "m", version: 1, since: since, t.ctx())
        #expect(shifted.drifted && shifted.currentSize == 5_000)
        #expect(s.state.alerts.last?.kind == "drift")
        let reference = try #require(DriftCheck.check(baseline: normals(5_000, mean: 0, seed: 62), current: normals(5_000, mean: 0.5, seed: 64)))
        #expect(shifted == reference)
        // Thresholds are per model: a looser PSI and p-value silence the same check.
        try s.setMonitorThresholds(model: "m", psi: 10, ksPValue: 1e-300, t.ctx())
        #expect(!(try s.checkDrift(model: "m", version: 1, since: since, t.ctx())).drifted)
    }

    @Test("production accuracy or MAE against training: a drop past the threshold raises an alert")
    func degradation() throws {
        let t = try monitorStore()
        let s = t.store
        // 80% right against a training accuracy of 0.9: 11% behind.
        try s.logPredictions(model: "m", version: 1, (0..<100).map { (1, 1, $0 < 80 ? 1 : 0) }, t.ctx())
        let report = try s.compareToTraining(model: "m", version: 1, metric: "acc", t.ctx())
        #expect(report.measure == "accuracy" && report.production == 0.8 && report.alerted)
        #expect(abs(report.relativeDrop! - 1.0 / 9.0) < 1e-12)
        expectRefusal(t, .notFound) { _ = try s.compareToTraining(model: "m", version: 1, metric: "nope", t.ctx()) }
        // Continuous predictions: MAE 0.51 against 0.5 is 2% worse, under the 5% default.
        let t2 = try monitorStore()
        try t2.store.logPredictions(model: "m", version: 1, [(1, 2.0, 1.49), (1, 3.0, 3.51)], t2.ctx())
        let mae = try t2.store.compareToTraining(model: "m", version: 1, metric: "mae", t2.ctx())
        #expect(mae.measure == "mae" && abs(mae.production - 0.51) < 1e-12 && !mae.alerted)
    }

    @Test("monitoring state survives snapshot + tail and a full replay byte for byte")
    func replay() throws {
        let t = try monitorStore()
        let s = t.store
        try s.setBaseline(model: "m", version: 1, values: normals(100, mean: 0, seed: 65), source: "b", t.ctx())
        for i in 0..<5 {
            t.now += 60_000
            try s.logPredictions(model: "m", version: 1, normals(200, mean: Double(i) / 10, seed: 66 + UInt64(i)).map { (abs($0) * 10, $0, 1) }, t.ctx())
            if i == 2 { try s.writeSnapshot() }
        }
        try s.checkDrift(model: "m", version: 1, t.ctx())
        let live = s.state
        try t.reopen()
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(live))
        #expect(StateCodec.encode(try fullReplay(t)) == StateCodec.encode(live))
        #expect(try t.store.check().snapshotsChecked >= 1)
    }

    @Test("a baseline from a version's logged predictions over a window, and alerts in the model's history")
    func baselineFromVersionAndHistory() throws {
        let t = try monitorStore()
        let s = t.store
        try s.registerVersion(model: "m", run: "r", t.ctx())
        try s.logPredictions(model: "m", version: 1, normals(3_000, mean: 0, seed: 70).map { (1, $0, nil) }, t.ctx())
        let windowStart = t.now + 1
        try s.logPredictions(model: "m", version: 1, normals(2_000, mean: 0, seed: 71).map { (1, $0, nil) }, t.ctx())
        let windowEnd = t.now
        try s.logPredictions(model: "m", version: 1, normals(500, mean: 3, seed: 72).map { (1, $0, nil) }, t.ctx())
        let count = try s.setBaseline(model: "m", version: 2, fromVersion: 1, since: windowStart, until: windowEnd, t.ctx())
        #expect(count == 2_000)
        expectRefusal(t, .refused, "Version 2 of 'm' logged no predict") { try s.setBaseline(model: "m", version: 1, fromVersion: 2, t.ctx()) }
        try s.logPredictions(model: "m", version: 2, normals(2_000, mean: 0.6, seed: 73).map { (1, $0, nil) }, t.ctx())
        #expect(try s.checkDrift(model: "m", version: 2, t.ctx()).drifted)
        let history = try s.history(model: "m")
        let alert = try #require(history.last)
        #expect(alert.kind == "alert" && alert.version == 2 && alert.reason?.contains("drifted") == true)
    }
}
