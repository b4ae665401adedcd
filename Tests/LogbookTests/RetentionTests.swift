import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

private let day: Int64 = 86_400_000

/// A store with small segments and 90 days of history (one metric write per day on run "r", model "m" staged on day
/// 10), compacted, then moved 400 days on: old enough to prune, with the default retention of 183 days.
private func agedStore(faults: FaultInjector? = nil) throws -> TestStore {
    var options = StoreOptions()
    options.segmentSize = 4096
    options.io = FileIO(faults: faults)
    let t = try TestStore(options: options)
    try t.store.createExperiment(name: "e", t.ctx())
    try t.store.startRun(experiment: "e", id: "r", t.ctx())
    for d in 0..<90 {
        t.now += day
        try t.store.logToRun("r", params: [KeyValue("p\(d)", String(repeating: "x", count: 60))],
                             metrics: [series("acc", [Double(d) / 100], time: t.now)], t.ctx())
        if d == 10 {
            try t.store.registerVersion(model: "m", run: "r", t.ctx())
            try t.store.setStage(model: "m", version: 1, stage: .production, t.ctx("first"))
        }
    }
    _ = try t.store.compact()
    t.now += 400 * day
    return t
}

/// The sequence number at or before a time.
private func sequence(_ t: TestStore, at time: Int64) throws -> UInt64 { try t.store.sequence(at: .time(time)) }

@Suite("Retention and prune")
struct RetentionTests {
    @Test("retention set is an event with a required reason, within 1...36525 days; the default is 183")
    func retentionSetting() throws {
        let t = try TestStore()
        #expect(t.store.state.retentionDays == 183)
        #expect(t.store.state.retentionSetting == nil)
        expectRefusal(t, .usage, "--reason is required") { try t.store.setRetention(minDays: 400, t.ctx()) }
        expectRefusal(t, .usage, "from 1 to 36525") { try t.store.setRetention(minDays: 0, t.ctx("x")) }
        expectRefusal(t, .usage, "from 1 to 36525") { try t.store.setRetention(minDays: 36_526, t.ctx("x")) }
        try t.store.setRetention(minDays: 400, t.ctx("SR 11-7: keep for the model's life"))
        #expect(t.store.state.retentionDays == 400)
        try t.reopen()
        #expect(t.store.state.retentionDays == 400)
        #expect(try fullReplay(t) == t.store.state)
        let last = try t.store.auditEvents(AuditQuery()).last
        #expect(last?.event == .retentionSet(minDays: 400))
        #expect(last?.reason == "SR 11-7: keep for the model's life")
    }

    @Test("a prune inside the retention is refused (exit 4) and removes nothing")
    func pruneInsideRetention() throws {
        let t = try agedStore()
        let files = listFiles(t.dir.path + "/store/archive")
        // 400 days on: the newest record is 400 days old; the retention covers the last 183 days only.
        expectRefusal(t, .refused, "retention of 183 days") { _ = try t.store.prune(before: t.now - 100 * day, t.ctx("x")) }
        try t.store.setRetention(minDays: 1000, t.ctx("longer"))
        expectRefusal(t, .refused, "retention of 1000 days") { _ = try t.store.prune(before: t.now - 500 * day, t.ctx("x")) }
        expectRefusal(t, .usage, "--reason is required") { _ = try t.store.prune(before: t.now - 5000 * day, t.ctx()) }
        #expect(listFiles(t.dir.path + "/store/archive") == files)
        #expect(t.store.firstRetainedSequence == 1)
    }

    @Test("prune removes archived segments before WHEN; verify then proves the log from the checkpoint")
    func pruneThenVerify() throws {
        let t = try agedStore()
        let before = StateCodec.encode(t.store.state)
        let cutTime = t.now - 400 * day - 45 * day // the middle of the history
        let digestBefore = try t.store.digest()
        let result = try #require(try t.store.prune(before: cutTime, t.ctx("retention: older than six months")))
        #expect(result.throughSequence > 1 && result.segments >= 1 && result.bytes > 0)
        #expect(result.throughTime < cutTime)
        #expect(t.store.firstRetainedSequence == result.throughSequence + 1)
        // The state lost nothing but gained the prune's own facts.
        var expected = try StateCodec.decode(before)
        #expect(t.store.state.runs == expected.runs && t.store.state.models == expected.models)
        expected = t.store.state
        #expect(expected.pruned?.throughSequence == result.throughSequence)
        // Verification starts from the checkpoint, which the store.pruned event in the chain attests.
        let report = try LogbookStore.verifyLog(at: t.dir.path + "/store", upTo: digestBefore)
        #expect(report.firstSequence == result.throughSequence + 1)
        #expect(report.checkpoint?.throughSequence == result.throughSequence)
        #expect(report.matchedDigest)
        // A digest from before the cut can no longer be proven, and says why.
        let old = LogDigest(sequence: 3, chain: .zero)
        let error = #expect(throws: LogbookError.self) { _ = try LogbookStore.verifyLog(at: t.dir.path + "/store", upTo: old) }
        #expect(error?.message.contains("before the oldest kept segment") == true)
        // check compares snapshots with a replay from the checkpoint; reopening loads the same state.
        _ = try t.store.check()
        try t.reopen()
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(expected))
        #expect(try fullReplay(t) == t.store.state)
        // The pruned history is gone from history reads, the rest is there.
        let points = try t.store.metricHistory(run: "r", key: "acc")
        #expect(points.count < 90 && points.count > 0)
        #expect(points.last?.value == 0.89)
        #expect(try t.store.auditEvents(AuditQuery()).first?.sequence == result.throughSequence + 1)
        // A second prune with nothing older is a no-op that records nothing.
        let n = t.store.state.lastSequence
        #expect(try t.store.prune(before: cutTime, t.ctx("again")) == nil)
        #expect(t.store.state.lastSequence == n)
    }

    @Test("--at inside the pruned history is refused; the cut and later moments work")
    func timeTravelAfterPrune() throws {
        let t = try agedStore()
        let cutTime = t.now - 400 * day - 45 * day
        let staged = try sequence(t, at: t.now - 400 * day - 70 * day) // day 20: version 1 in Production
        let pastBefore = try t.store.state(at: .sequence(staged))
        let result = try #require(try t.store.prune(before: cutTime, t.ctx("old")))
        #expect(throws: LogbookError.self) { _ = try t.store.state(at: .sequence(staged)) }
        do {
            _ = try t.store.state(at: .time(result.throughTime - 1))
            Issue.record("expected a refusal")
        } catch { #expect(error.code == .refused && error.message.contains("were pruned")) }
        let atCut = try t.store.state(at: .sequence(result.throughSequence))
        #expect(atCut.lastSequence == result.throughSequence)
        #expect(atCut.models[0].versions[0].stage == pastBefore.models[0].versions[0].stage)
        #expect(try t.store.state(at: .time(result.throughTime)).lastSequence == result.throughSequence)
    }

    @Test("tampering after a prune is caught: a further segment removed, the checkpoint edited or deleted, an unrecorded cut")
    func tamperingAfterPrune() throws {
        let t = try agedStore()
        let root = t.dir.path + "/store"
        _ = try #require(try t.store.prune(before: t.now - 400 * day - 45 * day, t.ctx("old")))
        try t.store.close()
        let archive = listFiles(root + "/archive").filter { $0.hasSuffix(".seg") }.sorted()
        let checkpoint = readFile(root + "/CHECKPOINT")

        // One more segment removed by hand: the log no longer continues from the checkpoint.
        let saved = readFile(root + "/archive/" + archive[0])
        try FileManager.default.removeItem(atPath: root + "/archive/" + archive[0])
        #expect(throws: LogbookError.self) { _ = try LogbookStore(at: root, writable: false) }
        #expect(throws: LogbookError.self) { _ = try LogbookStore.verifyLog(at: root, upTo: nil) }
        writeFile(root + "/archive/" + archive[0], saved)

        // The checkpoint deleted: a log that starts after 1 without one has lost its beginning.
        try FileManager.default.removeItem(atPath: root + "/CHECKPOINT")
        #expect(throws: LogbookError.self) { _ = try LogbookStore(at: root, writable: false) }
        // Edited (CRC fixed or not): refused.
        var edited = checkpoint
        edited[40] ^= 1
        writeFile(root + "/CHECKPOINT", edited)
        #expect(throws: LogbookError.self) { _ = try LogbookStore(at: root, writable: false) }
        writeFile(root + "/CHECKPOINT", checkpoint)
        _ = try LogbookStore.verifyLog(at: root, upTo: nil)

        // A cut no store.pruned event records: segments removed through the storage layer with a forged checkpoint.
        let u = try agedStore()
        let uroot = u.dir.path + "/store"
        try u.store.close()
        let log = try SegmentedLog.open(at: uroot, configuration: { var c = LogConfiguration(); c.segmentSize = 4096; return c }())
        let cut = try #require(log.prunableSegments().first)
        _ = try log.prune(to: #require(log.pruneCheckpoint(through: cut.through)))
        try log.close()
        let error = #expect(throws: LogbookError.self) { _ = try LogbookStore.verifyLog(at: uroot, upTo: nil) }
        #expect(error?.code == .integrity)
        #expect(error?.message.contains("no store.pruned event") == true)
    }

    @Test("a prune interrupted at any I/O call leaves a store that opens, checks, and ends pruned or untouched")
    func pruneInterruptedAtEveryCall() throws {
        // Count the calls of one prune.
        let counter = FaultInjector()
        let probe = try agedStore(faults: counter)
        let start = counter.callCount
        let cutTime = probe.now - 400 * day - 45 * day
        let expected = try #require(try probe.store.prune(before: cutTime, probe.ctx("old")))
        let calls = counter.callCount - start
        #expect(calls > 5)
        for k in 1...calls {
            let faults = FaultInjector()
            let t = try agedStore(faults: faults)
            let before = t.store.state.lastSequence
            faults.inject(.fail(.ioError), atCall: faults.callCount + k)
            let answer = try? t.store.prune(before: cutTime, t.ctx("old"))
            let recordedNow = t.store.state.lastSequence == before + 1
            // Once the prune is recorded it is acknowledged: a failure to remove its files is only a warning.
            #expect(recordedNow == (answer != nil), "fault at call \(k)")
            faults.clear()
            try? t.store.close()
            // A reader before any writer comes: the store opens, checks, and hides what the recorded prune cut.
            let reader = try LogbookStore(at: t.dir.path + "/store", writable: false)
            _ = try reader.check()
            if reader.state.lastSequence == before + 1 {
                #expect(reader.firstRetainedSequence == expected.throughSequence + 1, "fault at call \(k)")
                #expect(throws: LogbookError.self) { _ = try reader.state(at: .sequence(expected.throughSequence - 1)) }
            }
            // Reopen as the next writer would: a recorded prune is finished, an unrecorded one left undone.
            t.store = try LogbookStore(at: t.dir.path + "/store", writable: true, options: t.store.options)
            let recorded = t.store.state.lastSequence == before + 1
            #expect(t.store.firstRetainedSequence == (recorded ? expected.throughSequence + 1 : 1), "fault at call \(k)")
            _ = try t.store.check()
            #expect(try fullReplay(t) == t.store.state, "fault at call \(k)")
            if !recorded { #expect(try t.store.prune(before: cutTime, t.ctx("retry")) == expected, "fault at call \(k)") }
        }
    }
}

@Suite("Snapshot state format versions")
struct SnapshotFormatTests {
    @Test("a version 1 snapshot (before retention, prune and erasure facts) still loads, and check compares it by value")
    func versionOneSnapshot() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        try t.store.setStage(model: "m", version: 1, stage: .production, t.ctx("go"))
        let v3 = StateCodec.encode(t.store.state, format: 3)
        // Version 2 appended three bytes to version 1 here: no retention, no prune, no erased pseudonym (version 3
        // changed only the A/B unit encoding, and this store has no A/B test).
        #expect(v3.first == 3 && Array(v3.suffix(3)) == [0, 0, 0])
        #expect(try StateCodec.decode(v3) == t.store.state)
        let v1 = [1] + Array(v3[1..<(v3.count - 3)])
        #expect(try StateCodec.decode(v1) == t.store.state)
        let chain = try t.store.digest().chain
        try t.store.close()
        try SnapshotStore(at: t.dir.path + "/store").write(Snapshot(sequence: t.store.state.lastSequence,
                                                                    timestamp: t.store.state.lastTimestamp, chain: chain, payload: v1))
        let reopened = try LogbookStore(at: t.dir.path + "/store", writable: false)
        #expect(reopened.warnings.isEmpty, "\(reopened.warnings)")
        #expect(reopened.state == t.store.state)
        #expect(try reopened.check().snapshotsChecked == 1)
    }
}
