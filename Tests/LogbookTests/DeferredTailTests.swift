@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing
import Foundation

@Suite("A snapshot's tail: events that touch only the registry, A/B tests or monitoring wait for the first read of that part")
struct DeferredTailTests {
    /// `storeWithParts` (a snapshot with runs, a model, an A/B test and predictions), then a tail of registry, A/B
    /// and monitoring events too short for a snapshot on close.
    static func storeWithTail() throws -> TestStore {
        let t = try LazyStateTests.storeWithParts()
        let s = t.store
        try s.setStage(model: "m", version: 2, stage: .staging, t.ctx("candidate"))
        try s.setAlias(model: "m", alias: "champion", version: 1, t.ctx("moved"))
        try s.registerVersion(model: "m", run: "e1-r3", t.ctx())
        try s.createModel(name: "m2", owner: "team", t.ctx())
        _ = try s.logPredictions(model: "m", version: 1, (0..<30).map { (Double($0), 0.5, nil) }, t.ctx())
        let units = (200..<260).map { "u\($0)" }
        _ = try s.assign(test: "ab", units: units, t.ctx())
        try s.recordOutcomes(test: "ab", units.map { ($0, 1.0, nil) }, t.ctx())
        try s.setAlias(model: "m", alias: "champion", version: 3, t.ctx("moved again"))
        return t
    }

    @Test("a cold query after such a tail decodes none of those parts; their first read gives what a replay from the start gives")
    func tailWaits() throws {
        let t = try Self.storeWithTail()
        try t.reopen(writable: false)
        let s = t.store.state
        #expect(s.lastSequence == (try fullReplay(t)).lastSequence)
        #expect(s.bestRun(experiment: s.experiment(named: "e2"), metric: "m")?.run.id == "e2-r10")
        // A registered version's run is counted at once (that half of the event is not the registry's).
        #expect(s.run(id: "e1-r3")?.registeredVersions == 1)
        #expect(!s.registry.isDecoded && !s.abPart.isDecoded && !s.monitoring.isDecoded)
        #expect(s.abTest(named: "ab")?.units.reduce(0, +) == 260)
        #expect(s.abPart.isDecoded && !s.registry.isDecoded)
        #expect(s.model(named: "m")?.version(forAlias: "champion") == 3)
        #expect(s.model(named: "m")?.versions.map(\.stage) == [.none, .staging, .none])
        #expect(s.registry.isDecoded && !s.monitoring.isDecoded)
        #expect(s.monitor(model: 1, version: 1)?.predictionEvents.count == 2)
        #expect(s.monitoring.isDecoded)
        let replayed = try fullReplay(t)
        #expect(s == replayed)
        #expect(StateCodec.encode(s) == StateCodec.encode(replayed))
    }

    @Test("the tail's A/B units, outcomes and predictions wait as checked payloads, undecoded: each part holds their bytes until it is read")
    func bigEventsWaitUndecoded() throws {
        let t = try Self.storeWithTail()
        let snapshot = try #require(try FileManager.default.contentsOfDirectory(atPath: t.dir.path + "/store/snapshots")
            .compactMap { UInt64($0.prefix(20)) }.max())
        var abBytes = 0, monitoringBytes = 0
        try t.store.reader.forEachRecord(from: snapshot + 1) { record in
            switch record.type {
            case EventCodec.abUnitsAssignedTag, EventCodec.abOutcomesRecordedTag: abBytes += record.payload.count
            case EventCodec.predictionsLoggedTag: monitoringBytes += record.payload.count
            default: break
            }
            return true
        }
        #expect(abBytes > 1_000 && monitoringBytes > 300)
        try t.reopen(writable: false)
        var s = t.store.state
        #expect(s.abPart.heldBytes == abBytes && s.monitoring.heldBytes == monitoringBytes)
        #expect(s.registry.heldBytes == 0) // registry events wait decoded
        #expect(s.abTest(named: "ab")?.units.reduce(0, +) == 260)
        #expect(s.abPart.heldBytes == 0 && s.monitoring.heldBytes == monitoringBytes)
        #expect(s.monitor(model: 1, version: 1)?.predictionEvents.count == 2)
        #expect(s.monitoring.heldBytes == 0)
        #expect(StateCodec.encode(s) == StateCodec.encode(try fullReplay(t)))
        // Once a part is read, its events of the tail are decoded and applied at once.
        try t.reopen(writable: false)
        s = t.store.state
        _ = s.abTest(named: "ab")
        #expect(s.waitsUndecoded(tag: EventCodec.predictionsLoggedTag) && !s.waitsUndecoded(tag: EventCodec.abUnitsAssignedTag))
    }

    @Test("a tail's A/B or predictions payload that does not decode stops the open with an error naming it, although its part is not read")
    func undecodablePayloadStops() throws {
        // [version 1][actor ""][no reason], then: test 1, one unit of invalid UTF-8, variant 0 / test 1, one outcome
        // whose value is cut short / model 1, version 1, one prediction with unknown flag bits.
        for (tag, fields, what) in [(EventCodec.abUnitsAssignedTag, [1, 1, 1, 0x80, 0] as [UInt8], "invalid UTF-8 at byte 6"),
                                    (EventCodec.abOutcomesRecordedTag, [1, 1, 1, 0x61, 0, 0, 0, 0, 0, 0, 0] as [UInt8],
                                     "truncated"),
                                    (EventCodec.predictionsLoggedTag, [1, 1, 1, 4] + [UInt8](repeating: 0, count: 8),
                                     "unknown flag bits 0x4")] {
            let t = try LazyStateTests.storeWithParts()
            let next = t.store.state.lastSequence + 1
            try t.store.close()
            let log = try SegmentedLog.open(at: t.dir.path + "/store")
            var batch = AppendBatch()
            batch.add(type: tag, payload: [1, 0, 0] + fields)
            try log.append(&batch)
            try log.close()
            let e = #expect(throws: LogbookError.self) { _ = try LogbookStore(at: t.dir.path + "/store", writable: false) }
            #expect(e?.code == .integrity)
            #expect(e?.message.contains("event \(next)") == true && e?.message.contains(what) == true, "\(String(describing: e))")
        }
    }

    @Test("changes holding more than the byte limit of undecoded payloads load the part")
    func byteLimitLoads() throws {
        let t = try Self.storeWithTail()
        try t.reopen(writable: false)
        var s = t.store.state
        let held = s.abPart.heldBytes
        s.abPart.change({ _ in }, holding: DeferredChanges.byteLimit - held - 1)
        #expect(!s.abPart.isDecoded && s.abPart.heldBytes == DeferredChanges.byteLimit - 1)
        s.abPart.change({ _ in }, holding: 1)
        #expect(s.abPart.isDecoded && s.abPart.heldBytes == 0)
        #expect(s.abTest(named: "ab")?.units.reduce(0, +) == 260)
    }

    @Test("copies of a state with waiting changes stay apart: each sees its own events, and a snapshot of each equals a replay")
    func copiesStayApart() throws {
        let t = try Self.storeWithTail()
        try t.reopen()
        let before = t.store.state
        #expect(!before.registry.isDecoded)
        var after = before
        let position = LogPosition(segment: 1, offset: 1 << 40)
        after.apply(.aliasSet(model: 1, alias: "shadow", version: 2), timestamp: t.now, actor: "alice", position: position)
        #expect(!after.registry.isDecoded)
        #expect(after.model(named: "m")?.version(forAlias: "shadow") == 2)
        #expect(before.model(named: "m")?.version(forAlias: "shadow") == nil)
        #expect(before == (try fullReplay(t)))
        // Through the store: the same move, written, read back after a snapshot.
        try t.store.setAlias(model: "m", alias: "shadow", version: 2, t.ctx("shadow"))
        try t.store.writeSnapshot()
        try t.reopen(writable: false)
        #expect(t.store.state.model(named: "m")?.version(forAlias: "shadow") == 2)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(try fullReplay(t)))
    }

    @Test("predictions for a model created only later in the tail are ignored, as a replay from the start ignores them")
    func predictionsBeforeTheirModel() throws {
        let t = try LazyStateTests.storeWithParts()
        // Not a log the commands write (they refuse an unknown model): appended as events, as a damaged writer might.
        try t.store.append([.predictionsLogged(model: 2, version: 1, latencies: [1, 2], predictions: [0.1, 0.2], actuals: [nil, nil])],
                           actor: "alice", reason: nil, time: t.ctx().time)
        try t.store.append([.modelCreated(model: 2, name: "late", description: nil, owner: nil, purpose: nil, riskTier: .medium)],
                           actor: "alice", reason: nil, time: t.ctx().time)
        let replayed = try fullReplay(t)
        #expect(replayed.monitor(model: 2, version: 1) == nil && replayed.model(named: "late") != nil)
        try t.reopen(writable: false)
        #expect(!t.store.state.monitoring.isDecoded)
        #expect(t.store.state.monitor(model: 2, version: 1) == nil)
        #expect(t.store.state == replayed)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(replayed))
    }

    @Test("a tail longer than the limit of waiting changes loads the part, so a long tail never holds all its events")
    func longTailLoads() throws {
        var options = StoreOptions()
        // The largest values also check that no count since the last snapshot overflows (it trapped before).
        options.snapshotInterval = .max
        options.snapshotOnCloseAfter = .max
        options.snapshotOnCloseAfterBytes = .max
        let t = try TestStore(options: options)
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.startRun(experiment: "e", id: "r", t.ctx())
        try t.store.registerVersion(model: "m", run: "r", t.ctx())
        try t.store.registerVersion(model: "m", run: "r", t.ctx())
        try t.store.writeSnapshot()
        var moves = 0
        func tail(_ n: Int) throws {
            let c = t.ctx("moved")
            try t.store.transaction { () throws(LogbookError) in
                for _ in 0..<n {
                    try t.store.setAlias(model: "m", alias: "a", version: 1 + moves % 2, c)
                    moves += 1
                }
            }
        }
        try tail(DeferredChanges.limit - 1)
        try t.reopen(options: options, writable: false)
        #expect(!t.store.state.registry.isDecoded)
        try t.reopen(options: options)
        try tail(1)
        try t.reopen(options: options, writable: false)
        #expect(t.store.state.registry.isDecoded)
        #expect(t.store.state.model(named: "m")?.version(forAlias: "a") == 2 - moves % 2)
        #expect(t.store.state == (try fullReplay(t)))
    }
}
