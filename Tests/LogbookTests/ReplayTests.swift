import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

/// Drives a store with `steps` random commands (valid most of the time; refusals are part of the history too).
func randomHistory(_ t: TestStore, seed: UInt64, steps: Int, snapshotEvery: Int? = nil) {
    var g = SeededGenerator(seed: seed)
    let s = t.store
    func pick<T>(_ a: [T]) -> T? { a.isEmpty ? nil : a[Int(g.next() % UInt64(a.count))] }
    for step in 0..<steps {
        let experiments = s.state.experiments.filter { !$0.isDeleted }.map(\.name)
        let runs = s.state.runs.map(\.id)
        let models = s.state.models.map(\.name)
        do {
            switch g.next() % 19 {
            case 0: try s.createExperiment(name: "exp-\(g.next() % 20)", t.ctx())
            case 1: if let e = pick(experiments) { try s.renameExperiment(e, to: "exp-\(g.next() % 20)", t.ctx()) }
            case 2: if let e = pick(experiments), g.next() % 4 == 0 { try s.deleteExperiment(e, t.ctx()) }
            case 3, 4:
                if let e = pick(experiments) {
                    try s.startRun(experiment: e, parent: g.next() % 3 == 0 ? pick(runs) : nil,
                                   tags: [KeyValue("team", "t\(g.next() % 3)")], t.ctx())
                }
            case 5, 6, 7:
                if let r = pick(runs) {
                    let n = Int(g.next() % 20)
                    let values = (0..<n).map { _ in Double(g.next() % 1000) / 1000 }
                    try s.logToRun(r, params: g.next() % 3 == 0 ? [KeyValue("p\(g.next() % 4)", "\(g.next() % 3)")] : [],
                                   metrics: [series("m\(g.next() % 3)", values)], tags: [KeyValue("k", "\(step)")], t.ctx())
                }
            case 8: if let r = pick(runs) { try s.endRun(r, status: [.finished, .failed, .killed][Int(g.next() % 3)], t.ctx()) }
            case 9: if let r = pick(runs) { try s.addArtifact(r, bytes: g.bytes(8), path: "a/\(g.next() % 3)", t.ctx()) }
            case 10: try s.createModel(name: "model-\(g.next() % 4)", t.ctx())
            case 11: if let m = pick(models), let r = pick(runs) { try s.registerVersion(model: m, run: r, t.ctx()) }
            case 12:
                if let m = pick(models), let model = s.state.model(named: m), !model.versions.isEmpty {
                    try s.setStage(model: m, version: 1 + Int(g.next() % UInt64(model.versions.count)),
                                   stage: [.staging, .production, .archived][Int(g.next() % 3)], t.ctx("r"))
                }
            case 13:
                if let m = pick(models), let model = s.state.model(named: m), !model.versions.isEmpty {
                    try s.setAlias(model: m, alias: "a\(g.next() % 3)", version: 1 + Int(g.next() % UInt64(model.versions.count)),
                                   t.ctx("r"))
                }
            case 14:
                if let m = pick(models) {
                    try s.setPolicy(model: m, PromotionPolicy(metric: "m\(g.next() % 3)", improvementPercent: 1), t.ctx())
                    if let model = s.state.model(named: m), !model.versions.isEmpty {
                        _ = try s.promote(model: m, version: 1 + Int(g.next() % UInt64(model.versions.count)), t.ctx())
                    }
                }
            case 16:
                if let m = pick(models), let model = s.state.model(named: m), model.versions.count >= 2 {
                    _ = try s.createABTest(name: "ab-\(g.next() % 3)", model: m,
                                           variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                      ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                           metric: "c", t.ctx())
                }
            case 17:
                // Units assigned in batches (the batch merge and radix order) and outcomes for some of them.
                if let test = pick(s.state.abTests.map(\.name)) {
                    if s.state.abTest(named: test)?.status == .created { try s.startABTest(test, t.ctx()) }
                    let units = (0..<Int(g.next() % 150)).map { _ in "u\(g.next() % 400)" }
                    _ = try s.assign(test: test, units: units, t.ctx())
                    try s.recordOutcomes(test: test, units.prefix(Int(g.next() % 100)).map { ($0, Double(g.next() % 2), nil) }, t.ctx())
                }
            case 18:
                if let m = pick(models), let model = s.state.model(named: m), !model.versions.isEmpty {
                    _ = try s.logPredictions(model: m, version: 1 + Int(g.next() % UInt64(model.versions.count)),
                                             (0..<Int(1 + g.next() % 30)).map { _ in (Double(g.next() % 100), Double(g.next() % 100) / 100, nil) },
                                             t.ctx())
                }
            default: if let r = pick(runs), g.next() % 5 == 0 { try s.deleteRun(r, t.ctx()) }
            }
        } catch {
            // Refused commands (LogbookError, the only error these throw) are part of a realistic history.
        }
        if let every = snapshotEvery, step % every == every - 1 { try? s.writeSnapshot() }
    }
}

@Suite("Replay, snapshots and time travel")
struct ReplayTests {
    @Test("snapshot + tail equals a full replay, byte for byte when both states are encoded", arguments: [1, 2, 3, 4] as [UInt64])
    func snapshotPlusTail(seed: UInt64) throws {
        // Every snapshot kept, so that check compares each with the replay.
        var options = StoreOptions()
        options.snapshotsKeptRecent = 0
        let t = try TestStore(options: options)
        randomHistory(t, seed: seed, steps: 400, snapshotEvery: 37)
        let live = t.store.state
        #expect(live.lastSequence > 100)
        try t.reopen(options: options)
        let reopened = t.store.state
        let replayed = try fullReplay(t)
        #expect(replayed.abTests.contains { $0.units.reduce(0, +) > 0 } && !replayed.monitors.isEmpty)
        #expect(StateCodec.encode(reopened) == StateCodec.encode(replayed))
        #expect(StateCodec.encode(live) == StateCodec.encode(replayed))
        #expect(reopened == replayed)
        #expect(try StateCodec.decode(StateCodec.encode(replayed)) == replayed)
        #expect(try t.store.check().snapshotsChecked > 5)
    }

    @Test("as of random moments, the state equals a replay up to that moment", arguments: [5, 6] as [UInt64])
    func timeTravel(seed: UInt64) throws {
        let t = try TestStore()
        randomHistory(t, seed: seed, steps: 300, snapshotEvery: 50)
        var g = SeededGenerator(seed: seed)
        let last = t.store.state.lastSequence
        var times: [Int64] = []
        try t.store.forEachEvent { times.append($0.timestamp); return true }
        for _ in 0..<25 {
            let n = 1 + g.next() % last
            let byHand = try fullReplay(t, through: n)
            #expect(StateCodec.encode(try t.store.state(at: .sequence(n))) == StateCodec.encode(byHand), "at #\(n)")
            // By time: the newest event at or before that event's time (the events of one command share it).
            let time = byHand.lastTimestamp
            let newest = UInt64(times.lastIndex { $0 <= time }! + 1)
            #expect(newest >= n)
            #expect(try t.store.state(at: .time(time)).lastSequence == newest, "at \(time)")
        }
        #expect(try t.store.state(at: .time(0)).lastSequence == 0)
    }

    @Test("automatic snapshots: every N events while writing, and on close when the tail is long")
    func automaticSnapshots() throws {
        var options = StoreOptions()
        options.snapshotInterval = 50
        options.snapshotOnCloseAfter = 10
        let t = try TestStore(options: options)
        randomHistory(t, seed: 9, steps: 200)
        let sequences = try t.store.snapshots.sequences()
        #expect(sequences.count >= 2)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 - $0 >= 50 })
        try t.reopen(options: options)
        #expect(try t.store.snapshots.sequences().last == t.store.state.lastSequence || t.store.state.lastSequence - (try t.store.snapshots.sequences().last ?? 0) < 10)
    }

    @Test("a damaged snapshot is never trusted: a bad head is skipped at open, a bad part is rebuilt from the log when read")
    func damagedSnapshot() throws {
        let t = try TestStore()
        randomHistory(t, seed: 11, steps: 150)
        try t.store.writeSnapshot()
        let expected = t.store.state
        let newest = try t.store.snapshots.sequences().last!
        let path = t.store.snapshots.path(for: newest)
        let good = readFile(path)
        // The last part (each actor's event positions) is read after opening: it fails its checksum then, and is
        // rebuilt from the log, with a warning.
        var bytes = good
        bytes[bytes.count - 3] ^= 0xFF
        writeFile(path, bytes)
        try t.reopen()
        #expect(t.store.takeSnapshotRepairs().isEmpty)
        #expect(t.store.state == expected)
        #expect(t.store.takeSnapshotRepairs().contains { $0.contains("per-actor event positions failed its checksum") })
        // The head is checked at open: the snapshot is skipped with a warning.
        bytes = good
        bytes[96 + 12] ^= 0xFF
        writeFile(path, bytes)
        try t.reopen()
        #expect(t.store.warnings.contains { $0.contains("the snapshot's head fails its checksum") })
        #expect(t.store.state == expected)
        // check names the bad snapshot... it is skipped by open, but check reads every snapshot file.
        let e = #expect(throws: LogbookError.self) { _ = try t.store.check() }
        #expect(e?.code == .integrity)
    }

    @Test("a snapshot from another history is not trusted at open, and check names it")
    func foreignSnapshot() throws {
        let a = try TestStore()
        let b = try TestStore()
        randomHistory(a, seed: 15, steps: 80)
        randomHistory(b, seed: 16, steps: 80)
        let n = min(a.store.state.lastSequence, b.store.state.lastSequence)
        let expected = try fullReplay(b)
        // A snapshot of A's state, filed under a sequence number where B's log has a batch boundary.
        var boundary: UInt64 = 0
        try b.store.forEachEvent { e in if e.sequence <= n { boundary = e.sequence }; return true }
        try a.store.snapshots.write(.init(sequence: boundary, timestamp: 0, chain: try a.store.digest().chain,
                                          payload: StateCodec.encode(a.store.state)))
        let stolen = readFile(a.store.snapshots.path(for: boundary))
        writeFile(b.store.snapshots.path(for: boundary), stolen)
        try b.reopen()
        #expect(b.store.warnings.contains { $0.contains("does not match this log") })
        #expect(StateCodec.encode(b.store.state) == StateCodec.encode(expected))
        let e = #expect(throws: LogbookError.self) { _ = try b.store.check() }
        #expect(e?.code == .integrity)
    }

    @Test("a snapshot that does not match the log is caught by check")
    func lyingSnapshot() throws {
        let t = try TestStore()
        randomHistory(t, seed: 12, steps: 100)
        var lie = t.store.state
        lie.experiments.append(Experiment(id: 99, name: "forged", tags: [], createdTime: 0))
        lie.experimentEvents.append([])
        try t.store.snapshots.write(.init(sequence: t.store.state.lastSequence, timestamp: t.store.state.lastTimestamp,
                                          chain: try t.store.digest().chain, payload: StateCodec.encode(lie)))
        let e = #expect(throws: LogbookError.self) { _ = try t.store.check() }
        #expect(e?.message.contains("does not equal a replay") == true)
    }

    @Test("compact archives covered segments; they stay verifiable and 'as of' still reaches before the snapshot")
    func compact() throws {
        var options = StoreOptions()
        options.segmentSize = 4096
        let t = try TestStore(options: options)
        randomHistory(t, seed: 13, steps: 300)
        let early = try fullReplay(t, through: 20)
        let report = try t.store.compact()
        #expect(report.archived.count >= 2)
        #expect(report.archived.allSatisfy { $0.contains("/archive/") })
        randomHistory(t, seed: 14, steps: 50)
        try t.reopen(options: options)
        #expect(StateCodec.encode(try t.store.state(at: .sequence(20))) == StateCodec.encode(early))
        #expect(try t.store.check().records == t.store.state.lastSequence)
        #expect(try t.store.stats().archivedSegments == report.archived.count)
        // Metric history and audit reads still reach events in archived segments.
        if let run = t.store.state.runs.first(where: { !$0.metricEvents.isEmpty }),
           let key = run.latest.first.map({ t.store.state.metricKeys.strings[Int($0.key)] }) {
            #expect(try !t.store.metricHistory(run: run.id, key: key).isEmpty)
        }
    }

    @Test("a transaction appends all its commands as one batch, or nothing")
    func transactions() throws {
        let t = try TestStore()
        let s = t.store
        try s.createExperiment(name: "e", t.ctx())
        let before = s.state.lastSequence
        let e = #expect(throws: LogbookError.self) {
            try s.transaction { () throws(LogbookError) in
                try s.startRun(experiment: "e", id: "a", t.ctx())
                try s.logToRun("a", params: [KeyValue("x", "1")], t.ctx())
                try s.logToRun("a", params: [KeyValue("x", "2")], t.ctx()) // refused: the whole unit goes
            }
        }
        #expect(e?.code == .refused)
        #expect(s.state.lastSequence == before && s.state.run(id: "a") == nil)
        try s.transaction { () throws(LogbookError) in
            try s.startRun(experiment: "e", id: "a", t.ctx())
            try s.logToRun("a", params: [KeyValue("x", "1")], metrics: [series("m", [1, 2])], t.ctx())
            try s.endRun("a", t.ctx())
        }
        #expect(s.state.lastSequence == before + 4)
        try t.reopen()
        let events = try t.store.auditEvents(AuditQuery(entity: .run("a")))
        #expect(events.count == 4)
        // Each command kept its own time (the params and metrics of one `log` share theirs).
        #expect(Set(events.map(\.timestamp)).count == 3)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })
        #expect(t.store.state == (try fullReplay(t)))
    }

    @Test("audit queries by entity, actor and time read the right events")
    func audit() throws {
        let t = try TestStore()
        let s = t.store
        try s.createExperiment(name: "e", t.ctx())
        try s.startRun(experiment: "e", id: "r", t.ctx(actor: "bob"))
        try s.logToRun("r", metrics: [series("m", [1])], t.ctx(actor: "bob"))
        try s.createModel(name: "m", t.ctx())
        try s.registerVersion(model: "m", run: "r", t.ctx())
        let middle = t.now
        try s.setStage(model: "m", version: 1, stage: .staging, t.ctx("try", actor: "carol"))
        #expect(try s.auditEvents(AuditQuery(entity: .model("m"))).count == 3)
        #expect(try s.auditEvents(AuditQuery(entity: .run("r"))).count == 2)
        #expect(try s.auditEvents(AuditQuery(actor: "bob")).map(\.sequence) == [2, 3])
        #expect(try s.auditEvents(AuditQuery(since: middle)).map(\.sequence) == [5, 6])
        #expect(try s.auditEvents(AuditQuery(until: middle, limit: 2)).map(\.sequence) == [1, 2])
        #expect(try s.auditEvents(AuditQuery(entity: .model("m"), actor: "carol")).map(\.reason) == ["try"])
        let e = #expect(throws: LogbookError.self) { _ = try s.auditEvents(AuditQuery(entity: .model("ghost"))) }
        #expect(e?.code == .notFound)
        #expect(throws: LogbookError.self) { _ = try EntityReference(parsing: "nonsense") }
    }
}

@Suite("Replay refuses what it cannot read")
struct UnknownEventTests {
    @Test("an event type from a newer writer stops the open with a clear error naming it, never a silent skip")
    func unknownType() throws {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.close()
        let log = try SegmentedLog.open(at: t.dir.path + "/store")
        var batch = AppendBatch()
        batch.add(type: 999, payload: [1, 0, 0])
        try log.append(&batch)
        try log.close()
        let e = #expect(throws: LogbookError.self) { _ = try LogbookStore(at: t.dir.path + "/store", writable: false) }
        #expect(e?.code == .integrity)
        #expect(e?.message.contains("event 2") == true)
        #expect(e?.message.contains("999") == true)
    }
}

@Suite("Repair is recorded")
struct RepairRecordTests {
    @Test("a repair that cut something is an event in the log, by its actor; a repair with nothing to cut is not")
    func repairIsRecorded() throws {
        let t = try TestStore()
        for i in 0..<6 { try t.store.createExperiment(name: "e\(i)", t.ctx()) }
        try t.store.close()
        let root = t.dir.path + "/store"
        // Nothing to cut: nothing happens and nothing is recorded.
        #expect(try LogbookStore.repair(at: root, truncateAfter: 6, WriteContext(actor: "ops")).removedBytes == 0)
        #expect(try LogbookStore(at: root, writable: false).state.lastSequence == 6)
        // Damage record 5 (followed by a good record 6): the store will not open until it is cut.
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        let frames = LogFixtures.frames(bytes)
        bytes[frames[4].offset + 30] ^= 0xFF
        writeFile(segment, bytes)
        #expect(throws: LogbookError.self) { _ = try LogbookStore(at: root, writable: false) }
        #expect(throws: LogbookError.self) { _ = try LogbookStore.repair(at: root, truncateAfter: 6, WriteContext(actor: "ops")) }
        let report = try LogbookStore.repair(at: root, truncateAfter: 4, WriteContext(actor: "ops", reason: "disk error"))
        #expect(report.removedBytes > 0)
        let store = try LogbookStore(at: root, writable: false)
        #expect(store.state.lastSequence == 5)
        let last = try store.auditEvents(AuditQuery(actor: "ops"))
        #expect(last.count == 1 && last[0].sequence == 5 && last[0].reason == "disk error")
        guard case let .storeRepaired(after, removed, savedTo) = last[0].event else {
            Issue.record("not a store.repaired event: \(last[0].event)")
            return
        }
        #expect(after == 4 && removed == Int64(report.removedBytes) && savedTo == report.savedTo)
        #expect(try store.check().records == 5)
    }
}

@Suite("Metric replay folds each series to its latest point")
struct MetricFoldTests {
    @Test("replay (one update per series) and the live state (one per point) agree on ties, NaN and steps going back")
    func foldEqualsPointByPoint() throws {
        let t = try TestStore.withRun()
        let time: Int64 = 1_772_373_600_000
        let tricky: [[MetricPoint]] = [
            [MetricPoint(step: 5, value: 1, time: time), MetricPoint(step: 5, value: .nan, time: time),
             MetricPoint(step: 3, value: 9, time: time + 5), MetricPoint(step: 5, value: 1, time: time)],
            [MetricPoint(step: 5, value: .nan, time: time + 1), MetricPoint(step: 5, value: -0.0, time: time + 1),
             MetricPoint(step: 5, value: 0.0, time: time + 1)],
            [MetricPoint(step: 7, value: .infinity, time: time), MetricPoint(step: 7, value: .nan, time: time + 2),
             MetricPoint(step: 6, value: 100, time: time + 9)],
        ]
        var g = SeededGenerator(seed: 5)
        for points in tricky {
            try t.store.logToRun("r", metrics: [MetricSeries(key: "m", points: points),
                                               MetricSeries(key: "n", points: points.shuffled(using: &g))], t.ctx())
        }
        let replayed = try fullReplay(t)
        #expect(StateCodec.encode(replayed) == StateCodec.encode(t.store.state))
    }
}
