import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Opening decodes only what is read")
struct LazyStateTests {
    /// Three experiments of ten runs (with params, tags, metrics and a nested run), snapshotted and reopened.
    static func storeWithRuns() throws -> TestStore {
        let t = try TestStore()
        for e in 1...3 {
            try t.store.createExperiment(name: "e\(e)", t.ctx())
            for r in 1...10 {
                let id = "e\(e)-r\(r)"
                _ = try t.store.startRun(experiment: "e\(e)", id: id, parent: r == 2 ? "e\(e)-r1" : nil, t.ctx())
                try t.store.logToRun(id, params: [KeyValue("lr", "0.\(r)")], metrics: [series("m", [Double(r), Double(e * r)])],
                                     tags: [KeyValue("team", "t\(r % 3)")], t.ctx())
            }
        }
        try t.store.writeSnapshot()
        try t.reopen()
        return t
    }

    @Test("a snapshot's runs are decoded when read, one experiment's query decodes that experiment's runs only")
    func runsDecodedOnRead() throws {
        let t = try Self.storeWithRuns()
        #expect(t.store.state.runs.count == 30)
        #expect(t.store.state.runs.decodedRuns == 0)
        let best = try #require(t.store.state.bestRun(experiment: t.store.state.experiment(named: "e2"), metric: "m"))
        #expect(best.run.id == "e2-r10" && best.value == 20)
        #expect(t.store.state.runs.decodedRuns == 10)
        // Found by id without decoding the others: the index names the one run to check.
        #expect(t.store.state.run(id: "e3-r7")?.params == [KeyValue("lr", "0.7")])
        #expect(t.store.state.runs.decodedRuns == 11)
        #expect(t.store.state.run(id: "e3-r77") == nil)
        #expect(t.store.state == (try fullReplay(t)))
    }

    @Test("runs changed or started after the snapshot are kept decoded; the next snapshot copies the others' bytes")
    func changedAndNewRuns() throws {
        let t = try Self.storeWithRuns()
        try t.store.logToRun("e1-r5", params: [KeyValue("batch", "64")], metrics: [series("m", [1, 2, 99])], t.ctx())
        try t.store.deleteTags("e2-r3", keys: ["team"], t.ctx())
        try t.store.endRun("e3-r9", t.ctx())
        _ = try t.store.startRun(experiment: "e2", id: "late", parent: "e2-r4", t.ctx())
        try t.store.logToRun("late", metrics: [series("m", [1000])], t.ctx())
        let s = t.store.state
        #expect(s.run(id: "e1-r5")?.param("batch") == "64")
        #expect(s.run(id: "e1-r5")?.latest.first?.value == 99)
        #expect(s.run(id: "e2-r3")?.tag("team") == nil)
        #expect(s.run(id: "e3-r9")?.status == .finished)
        #expect(s.run(id: "late")?.ordinal == 31 && s.run(id: "late")?.parent == 14)
        #expect(s.bestRun(experiment: s.experiment(named: "e2"), metric: "m")?.run.id == "late")
        #expect(s.experiment(named: "e2")?.runs.last == 31)
        // The same state and the same bytes as a replay of the whole log, before and after another snapshot.
        let replayed = try fullReplay(t)
        #expect(s == replayed)
        #expect(StateCodec.encode(s) == StateCodec.encode(replayed))
        try t.store.writeSnapshot()
        try t.reopen(writable: false)
        #expect(t.store.state == replayed)
        #expect(t.store.state.run(id: "late")?.latest.first?.value == 1000)
        _ = try t.store.check()
    }

    @Test("a version 4 run table's offsets and id index are checked: a bad entry reads as a placeholder and fails validation")
    func damagedTable() throws {
        let t = try Self.storeWithRuns()
        let bytes = StateCodec.encode(t.store.state, format: 4)
        #expect(throws: Never.self) { try StateCodec.decode(bytes).runs.validate() }
        // Find the table: the 31 little-endian offsets, starting with 0 and ascending, before the run bytes.
        let needle = (try fullReplay(t)).runs.first!.id
        let runStart = try #require(bytes.firstRange(of: Array(needle.utf8))).lowerBound - 1
        let table = runStart - 8 * 31
        #expect(bytes[table..<(table + 8)].allSatisfy { $0 == 0 })
        func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }
        func setU64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }
        // Run 3's end before its start: that run (and run 4, which starts there) reads as damaged, the others as written.
        var swapped = bytes
        setU64(&swapped, table + 24, u64(bytes, table + 16) - 1)
        let bad = try StateCodec.decode(swapped)
        let skimmed = bad.runs.liveness(2) // out of bounds, so not skimmed: read as the run reads
        #expect(throws: CodecError.self) { try bad.runs.validate() }
        #expect(skimmed == RunLiveness(bad.runs[2]))
        #expect(bad.runs[2].id == "damaged-run-3" && bad.runs[2].isDeleted)
        #expect(bad.runs[0].id == "e1-r1" && bad.runs[4].id == "e1-r5")
        // An index entry that names another run: lookups check the id, validation refuses it.
        let entries = runStart + Int(u64(bytes, table + 8 * 30))
        var index = bytes
        let first = u64(bytes, entries + 8) & 0xffff_ffff
        index[entries + 8] = first == 1 ? 2 : 1
        index[entries + 9] = 0
        let lying = try StateCodec.decode(index)
        #expect(throws: CodecError.self) { try lying.runs.validate() }
        #expect(lying.run(id: lying.runs[Int(first) - 1].id) == nil)
        // Run bytes longer than the snapshot, or an experiment listing a run the table does not have: refused at open.
        var long = bytes
        setU64(&long, table + 8 * 30, UInt64(bytes.count))
        #expect(throws: CodecError.self) { try StateCodec.decode(long) }
        var lie = try fullReplay(t)
        lie.experiments[0].runs.append(31)
        #expect(throws: CodecError.self) { try StateCodec.decode(StateCodec.encode(lie, format: 4)) }
        #expect(throws: CodecError.self) { try StateCodec.decode(StateCodec.encode(lie)) }
        // A run the truncated bytes cannot hold is refused at open.
        #expect(throws: CodecError.self) { try StateCodec.decode(Array(bytes[..<(table + 16)])) }
    }

    @Test("a version 3 snapshot with A/B units and runs still loads, equal to the replay, and check compares it by value")
    func versionThreeSnapshot() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        let s = t.store
        try s.createABTest(name: "ab", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                              ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                           metric: "c", t.ctx())
        try s.startABTest("ab", t.ctx())
        let units = (0..<500).map { "u\($0)" }
        _ = try s.assign(test: "ab", units: units, t.ctx())
        try s.recordOutcomes(test: "ab", units.prefix(200).map { ($0, 1.0, nil) }, t.ctx())
        let v3 = StateCodec.encode(s.state, format: 3)
        #expect(v3.first == 3)
        #expect(try StateCodec.decode(v3) == s.state)
        let chain = try s.digest().chain
        try s.close()
        try SnapshotStore(at: t.dir.path + "/store").write(Snapshot(sequence: s.state.lastSequence,
                                                                    timestamp: s.state.lastTimestamp, chain: chain, payload: v3))
        let reopened = try LogbookStore(at: t.dir.path + "/store", writable: false)
        #expect(reopened.warnings.isEmpty, "\(reopened.warnings)")
        #expect(reopened.state == s.state)
        #expect(try reopened.abStatus("ab").variants.map(\.units) == s.state.abTest(named: "ab")!.units)
        #expect(try reopened.check().snapshotsChecked == 1)
    }

    @Test("an A/B test whose unit counts do not match its units is refused (version 4) or reads as none (version 5)")
    func unitCountsChecked() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        try t.store.createABTest(name: "ab", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                                    ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                 metric: "c", t.ctx())
        try t.store.startABTest("ab", t.ctx())
        _ = try t.store.assign(test: "ab", units: (0..<100).map { "u\($0)" }, t.ctx())
        #expect(throws: Never.self) { try StateCodec.decode(StateCodec.encode(t.store.state)) }
        var lie = t.store.state
        lie.abTests[0].units[0] += 1
        #expect(throws: CodecError.self) { try StateCodec.decode(StateCodec.encode(lie, format: 4)) }
        // Version 5 reads the tests when first asked: they do not decode then, and read as none, never as they claim.
        let lazy = try StateCodec.decode(StateCodec.encode(lie))
        #expect(!lazy.abPart.isDecoded && lazy.abTests.isEmpty && lazy.abTest(named: "ab") == nil)
    }

    @Test("monitoring is left in the snapshot until read, then equals the replay, before and after more predictions")
    func monitoringDecodedOnRead() throws {
        let t = try TestStore.withRun(modelVersions: 1)
        try t.store.setBaseline(model: "m", version: 1, values: (0..<40).map { Double($0) / 40 }, source: "training", t.ctx())
        _ = try t.store.logPredictions(model: "m", version: 1, (0..<40).map { (Double($0), 0.9, nil) }, t.ctx())
        try t.store.setMonitorThresholds(model: "m", psi: 0.05, t.ctx())
        try t.store.writeSnapshot()
        try t.reopen()
        #expect(!t.store.state.monitoring.isDecoded)
        _ = t.store.state.bestRun(experiment: nil, metric: "m")
        _ = try t.store.resolve("m/1")
        #expect(!t.store.state.monitoring.isDecoded)
        #expect(t.store.state.thresholds(model: 1).psi == 0.05)
        #expect(t.store.state.monitoring.isDecoded)
        #expect(t.store.state == (try fullReplay(t)))
        // A monitoring part that names a model version that does not exist reads as empty, never as what it claims.
        var lie = t.store.state
        lie.monitors[0].version = 9
        let read = try StateCodec.decode(StateCodec.encode(lie))
        #expect(!read.monitoring.isDecoded && read.monitors.isEmpty && read.monitorThresholds.isEmpty)
        _ = try t.store.logPredictions(model: "m", version: 1, (0..<40).map { (Double($0), 0.1, nil) }, t.ctx())
        let replayed = try fullReplay(t)
        #expect(t.store.state.alerts.count == replayed.alerts.count)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(replayed))
        try t.reopen(writable: false)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(replayed))
        _ = try t.store.check()
    }

    @Test("a model as of any moment, folded from its own events, equals the model in the whole state as of then")
    func modelAtEveryMoment() throws {
        let t = try TestStore()
        let s = t.store
        try s.createExperiment(name: "e", t.ctx("why"))
        for r in 1...3 {
            _ = try s.startRun(experiment: "e", id: "r\(r)", t.ctx("why"))
            try s.logToRun("r\(r)", metrics: [series("acc", [0.5 + Double(r) / 10])], t.ctx("why"))
        }
        try s.createModel(name: "other", t.ctx("why"))
        try s.createModel(name: "m", description: "first", t.ctx("why"))
        try s.registerVersion(model: "other", run: "r1", t.ctx("why"))
        for r in 1...3 { try s.registerVersion(model: "m", run: "r\(r)", t.ctx("why")) }
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("go"))
        try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx("why"))
        try s.setPolicy(model: "m", PromotionPolicy(metric: "acc", requiresApproval: true), t.ctx("why"))
        _ = try s.promote(model: "m", version: 2, t.ctx("why"))
        try s.approve(model: "m", version: 2, t.ctx("reviewed"))
        try s.setAlias(model: "m", alias: "champion", version: 2, t.ctx("new champion"))
        try s.setBaseline(model: "m", version: 2, values: (0..<50).map { Double($0) / 50 }, source: "training", t.ctx("why"))
        _ = try s.logPredictions(model: "m", version: 2, (0..<50).map { (Double($0), Double($0) / 50, nil) }, t.ctx("why"))
        try s.setMonitorThresholds(model: "m", psi: 0.3, t.ctx("why"))
        try s.updateModel("m", description: "second", t.ctx("why"))
        _ = try s.rollback(model: "m", t.ctx("bad"))
        try s.setStage(model: "m", version: 3, stage: .staging, t.ctx("why"))
        try s.deleteModel("m", t.ctx("why"))
        try s.restoreModel("m", t.ctx("why"))
        try s.logToRun("r3", metrics: [series("acc", [0.1, 0.2])], t.ctx("why"))
        for n in 0...s.state.lastSequence {
            let moment = Moment.sequence(n)
            for name in ["m", "other"] {
                let fast = try s.state(at: moment, forModel: name).model(named: name)
                #expect(fast == (try s.state(at: moment)).model(named: name), "model \(name) at #\(n)")
            }
        }
        // A moment by time, between two events.
        let time = Moment.time(t.now - 3500)
        #expect(try s.state(at: time, forModel: "m").model(named: "m") == (try s.state(at: time)).model(named: "m"))
        #expect(try s.state(at: .sequence(4), forModel: "m").model(named: "m") == nil)
    }

    /// Runs (as ``storeWithRuns()``), model "m" with two versions, a running A/B test with units and outcomes, and
    /// monitoring: every part of a snapshot holds something.
    static func storeWithParts() throws -> TestStore {
        let t = try storeWithRuns()
        let s = t.store
        try s.createModel(name: "m", t.ctx())
        try s.registerVersion(model: "m", run: "e1-r1", t.ctx())
        try s.registerVersion(model: "m", run: "e1-r2", t.ctx())
        try s.createABTest(name: "ab", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                              ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                           metric: "c", t.ctx())
        try s.startABTest("ab", t.ctx())
        let units = (0..<200).map { "u\($0)" }
        _ = try s.assign(test: "ab", units: units, t.ctx())
        try s.recordOutcomes(test: "ab", units.prefix(80).map { ($0, 1.0, nil) }, t.ctx(actor: "bob"))
        _ = try s.logPredictions(model: "m", version: 1, (0..<40).map { (Double($0), 0.9, nil) }, t.ctx())
        try s.writeSnapshot()
        return t
    }

    /// Where each part and run "e2-r7" (ordinal 17) lie in the newest snapshot's payload: the parts end it, in order.
    static func layout(_ state: LogbookState, _ payload: [UInt8]) throws -> [(name: String, at: Int)] {
        var end = payload.count
        var places: [(String, Int)] = []
        for part in StateCodec.Part.allCases.reversed() {
            var w = BinaryWriter()
            StateCodec.encode(part, state, &w)
            end -= w.bytes.count
            places.append((part.name, end + w.bytes.count / 2))
        }
        places.append(("run 17", try #require(payload.firstRange(of: Array("e2-r7".utf8))).lowerBound))
        return places
    }

    @Test("version 5: opening checks only the head and run index; a run or part failing its checksum when read is rebuilt from the log")
    func damagedPartsRebuilt() throws {
        let layout = try { let t = try Self.storeWithParts()
                           return try Self.layout(t.store.state, Array(readFile(t.store.snapshots.path(for: t.store.state.lastSequence))[96...])) }()
        #expect(layout.count == 5)
        for (name, at) in layout {
            let t = try Self.storeWithParts()
            let expected = try fullReplay(t)
            let path = t.store.snapshots.path(for: expected.lastSequence)
            var bytes = readFile(path)
            // Decoded on their own (no log to rebuild from), the bytes are checked whole first.
            var payload = Array(bytes[96...])
            payload[at] ^= 0x5A
            #expect(throws: CodecError.self, "\(name)") { try StateCodec.decode(payload) }
            bytes[96 + at] ^= 0x5A
            writeFile(path, bytes)
            try t.reopen(writable: false)
            #expect(t.store.warnings.isEmpty, "\(name): \(t.store.warnings)")
            #expect(t.store.takeSnapshotRepairs().isEmpty)
            // A scan that reads runs in place reads one whose bytes fail their checksum as the log rebuilds it.
            let sevenths = try RunFilter(parsing: "params.lr = '0.7'").runs(in: t.store.state)
            #expect(sevenths.map(\.id) == ["e1-r7", "e2-r7", "e3-r7"], "\(name)")
            // A run's status and deleted flag, when its bytes fail their checksum, come from the run rebuilt.
            for i in expected.runs.indices {
                #expect(t.store.state.runs.liveness(i) == RunLiveness(expected.runs[i]), "\(name): run \(i + 1)")
            }
            #expect(t.store.state == expected, "\(name)")
            #expect(t.store.takeSnapshotRepairs().contains { $0.contains("its \(name) failed its checksum") }, "\(name)")
            // A writer that never reads the damaged part does not copy it into its next snapshot: that one checks out.
            try t.reopen()
            try t.store.createExperiment(name: "later", t.ctx())
            try t.store.writeSnapshot()
            let next = Array(readFile(t.store.snapshots.path(for: t.store.state.lastSequence))[96...])
            #expect(try StateCodec.decode(next) == (try fullReplay(t)), "\(name)")
            #expect(t.store.takeSnapshotRepairs().count == 1, "\(name)")
        }
    }

    @Test("the fuzzer's checksum fix-up leaves a sound payload as it is, and lets a changed run or part reach its decoder")
    func fixChecksums() throws {
        let t = try Self.storeWithParts()
        let sound = Array(readFile(t.store.snapshots.path(for: t.store.state.lastSequence))[96...])
        var same = sound
        StateCodec.fixChecksums(&same)
        #expect(same == sound)
        for (name, at) in try Self.layout(t.store.state, sound) {
            var payload = sound
            payload[at] ^= 0x5A
            #expect(throws: CodecError.self, "\(name)") { try StateCodec.decode(payload) }
            StateCodec.fixChecksums(&payload)
            #expect(payload != sound)
            // Every checksum now holds: what is left is the decoder's own judgement of the changed bytes.
            do { _ = try StateCodec.decode(payload) } catch {
                #expect(!"\(error)".contains("checksum"), "\(name): \(error)")
            }
        }
        var foreign: [UInt8] = [4, 1, 2, 3]
        StateCodec.fixChecksums(&foreign)
        #expect(foreign == [4, 1, 2, 3])
    }

    @Test("version 5: a part that fails when read, in a store whose log cannot rebuild it either, reads as empty with a warning saying so")
    func damagedPartAndLog() throws {
        let t = try Self.storeWithParts()
        let state = t.store.state
        let path = t.store.snapshots.path(for: state.lastSequence)
        let registry = try #require(try Self.layout(state, Array(readFile(path)[96...])).first { $0.name == "registry" })
        var bytes = readFile(path)
        bytes[96 + registry.at] ^= 0x5A
        writeFile(path, bytes)
        // With no older snapshot, and a record early in the log damaged (opening replays only after the snapshot),
        // nothing can rebuild the part.
        for older in try t.store.snapshots.sequences() where older < state.lastSequence {
            try t.store.snapshots.remove(sequence: older)
        }
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: t.dir.path + "/store/log")
            .filter { $0.hasSuffix(".seg") }.sorted().first)
        var log = readFile(t.dir.path + "/store/log/" + segment)
        log[200] ^= 0x5A
        writeFile(t.dir.path + "/store/log/" + segment, log)
        try t.reopen(writable: false)
        #expect(t.store.state.runs.count == 30 && t.store.state.run(id: "e2-r7") != nil)
        #expect(t.store.state.models.isEmpty && t.store.state.model(named: "m") == nil)
        #expect(t.store.takeSnapshotRepairs().contains { $0.contains("its registry failed its checksum") && $0.contains("rebuilding it from the log failed") })
    }

    @Test("version 5: a cold query reads the head, the run index and its runs; the registry, A/B, monitoring and audit parts stay unread")
    func partsLeftUnread() throws {
        let t = try Self.storeWithParts()
        try t.reopen(writable: false)
        let s = t.store.state
        #expect(s.bestRun(experiment: s.experiment(named: "e2"), metric: "m")?.run.id == "e2-r10")
        #expect(!s.registry.isDecoded && !s.abPart.isDecoded && !s.monitoring.isDecoded && !s.actorEvents.snapshot.isDecoded)
        #expect(try t.store.resolve("m/2").version.run == 2)
        #expect(s.registry.isDecoded && !s.abPart.isDecoded && !s.monitoring.isDecoded && !s.actorEvents.snapshot.isDecoded)
        // A writer noting new events' actors leaves the snapshot's lists where they are, and reads them merged.
        try t.reopen()
        try t.store.createExperiment(name: "later", t.ctx(actor: "bob"))
        #expect(!t.store.state.actorEvents.snapshot.isDecoded)
        #expect(t.store.state == (try fullReplay(t)))
        let bob = Int(try #require(t.store.state.actors.id(of: "bob")))
        #expect(t.store.state.actorEvents.events(of: bob).count == 2)
    }
}
