import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Robustness of the domain")
struct RobustnessTests {
    @Test("times outside years 0000-9999 are refused, and printing any time never traps")
    func timeRange() throws {
        let t = try TestStore.withRun()
        expectRefusal(t, .usage, "outside years") {
            try t.store.createExperiment(name: "x", WriteContext(actor: "a", time: 253_402_300_800_000))
        }
        expectRefusal(t, .usage, "outside years") {
            try t.store.logToRun("r", metrics: [MetricSeries(key: "m", points: [MetricPoint(step: 0, value: 1, time: .min + 1)])], t.ctx())
        }
        for ms: Int64 in [.min, .min + 1, -1, 0, .max, Timestamp.earliest, Timestamp.latest] { _ = Timestamp.iso(ms) }
        #expect(Timestamp.iso(Timestamp.latest) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.iso(Timestamp.earliest) == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.iso(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.iso(1_772_373_600_123) == "2026-03-01T14:00:00.123Z")
        #expect(Timestamp.iso(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        // Every recordable time prints in the fixed form and parses back to itself.
        var g = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let ms = Int64.random(in: Timestamp.earliest...Timestamp.latest, using: &g)
            let text = Timestamp.iso(ms)
            #expect(text.utf8.count == 24 && Timestamp.parse(text) == ms, "\(ms) printed as \(text)")
        }
    }

    @Test("a metric series without points is refused (imported or not), so replay and live state agree")
    func emptySeries() throws {
        let t = try TestStore.withRun()
        expectRefusal(t, .usage, "no points") {
            try t.store.importEvent(.metricsLogged(run: 1, series: [MetricSeries(key: "ghost", points: [])]),
                                    actor: "a", reason: nil, time: t.now + 1)
        }
    }

    @Test("a snapshot that cannot be written after a durable append is a warning, not a failed command")
    func snapshotFailureAfterAppend() throws {
        var options = StoreOptions()
        options.snapshotInterval = 1
        let t = try TestStore(options: options)
        try t.store.createExperiment(name: "e", t.ctx())
        // The next snapshot's temporary path is taken by a directory: writing it fails.
        let next = t.store.snapshots.path(for: t.store.state.lastSequence + 1) + ".tmp"
        try FileManager.default.createDirectory(atPath: next + "/blocker", withIntermediateDirectories: true)
        try t.store.createExperiment(name: "f", t.ctx())
        #expect(t.store.state.lastSequence == 2)
        #expect(t.store.warnings.contains { $0.contains("Writing a snapshot failed") })
        try t.reopen()
        #expect(t.store.state.experiment(named: "f") != nil)
    }

    @Test("a snapshot whose state does not hold together is rejected by the decoder, never trusted")
    func inconsistentSnapshotState() throws {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.createExperiment(name: "f", t.ctx(actor: "bob"))
        var lie = t.store.state
        // Two actors, one list: an index out of range waiting to happen.
        lie.actorEvents = ActorEvents(snapshot: LazyPart(Array(t.store.state.actorEvents.all.dropLast())))
        #expect(throws: CodecError.self) { _ = try StateCodec.decode(StateCodec.encode(lie, format: 4)) }
        // Version 5 leaves the lists in the snapshot until read: they then do not decode, and read as empty.
        let lazyLie = try StateCodec.decode(StateCodec.encode(lie))
        #expect(lazyLie.actorEvents.all.isEmpty && lazyLie.actorEvents.events(of: 1).isEmpty)
        // Runs decode when read: a run that does not hold together is refused by the strict check and reads as a
        // deleted placeholder, never as what its bytes claim.
        var orphan = t.store.state
        orphan.runs.append(Run(ordinal: 1, id: "x", experiment: 1, name: "x", parent: 7, startTime: 0))
        #expect(throws: CodecError.self) { _ = try StateCodec.decode(StateCodec.encode(orphan, format: 3)) }
        let lazy = try StateCodec.decode(StateCodec.encode(orphan))
        #expect(throws: CodecError.self) { try lazy.runs.validate() }
        #expect(lazy.runs[0].id == "damaged-run-1" && lazy.runs[0].isDeleted && lazy.run(id: "x") == nil)
    }

    @Test("the audit log of an A/B test lists its events")
    func auditOfABTest() throws {
        let t = try TestStore.withRun()
        let s = t.store
        try s.createModel(name: "m", t.ctx())
        try s.registerVersion(model: "m", run: "r", t.ctx())
        try s.registerVersion(model: "m", run: "r", t.ctx())
        try s.createABTest(name: "t", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                             ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                           metric: "c", t.ctx())
        try s.startABTest("t", t.ctx())
        try s.assign(test: "t", units: ["u1", "u2"], t.ctx())
        let events = try s.auditEvents(AuditQuery(entity: try EntityReference(parsing: "ab:t")))
        #expect(events.map { EventCodec.typeName(of: $0.event) } == ["ab.created", "ab.started", "ab.assigned"])
        #expect(throws: LogbookError.self) { _ = try s.auditEvents(AuditQuery(entity: .ab("ghost"))) }
    }
}

@Suite("Contract details")
struct ContractDetailTests {
    @Test("audit queries: a limit of 0 returns nothing; sequence bounds select by sequence number")
    func auditBounds() throws {
        let t = try TestStore()
        for i in 0..<5 { try t.store.createExperiment(name: "e\(i)", t.ctx()) }
        #expect(try t.store.auditEvents(AuditQuery(limit: 0)).isEmpty)
        var q = AuditQuery()
        q.fromSequence = 2
        q.throughSequence = 4
        #expect(try t.store.auditEvents(q).map(\.sequence) == [2, 3, 4])
    }

    @Test("audit queries by actor or entity (a binary search to the lower bounds, a stop at the limit) equal a filter of the whole log, for every bound and limit")
    func auditByPositions() throws {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx(actor: "ana"))
        for i in 0..<30 {
            // Three events share each time: bounds by time fall inside a run of equal times.
            let context = t.ctx(actor: i % 3 == 0 ? "bob" : "ana")
            try t.store.startRun(experiment: "e", id: "r\(i)", context)
            try t.store.logToRun("r\(i)", params: [KeyValue("i", "\(i)")], context)
            if i % 2 == 0 { try t.store.endRun("r\(i)", context) }
        }
        let all = try t.store.auditEvents(AuditQuery())
        let times = Array(Set(all.map(\.timestamp))).sorted()
        var cases = 0
        for actor in ["ana", "bob", "nobody"] {
            for (since, until) in [(nil, nil), (times[3], nil), (nil, times[20]), (times[5], times[5]), (times.last! + 1, nil)]
                as [(Int64?, Int64?)] {
                for (from, through) in [(nil, nil), (UInt64(7), nil), (nil, UInt64(40)), (UInt64(40), UInt64(7))] as [(UInt64?, UInt64?)] {
                    for limit in [nil, 0, 1, 4, 100] as [Int?] {
                        var q = AuditQuery(actor: actor, since: since, until: until, limit: limit)
                        q.fromSequence = from
                        q.throughSequence = through
                        let want = all.filter { e in
                            e.actor == actor && since.map { e.timestamp >= $0 } ?? true && until.map { e.timestamp <= $0 } ?? true
                                && from.map { e.sequence >= $0 } ?? true && through.map { e.sequence <= $0 } ?? true
                        }.prefix(limit ?? .max).map(\.sequence)
                        #expect(try t.store.auditEvents(q).map(\.sequence) == Array(want), "\(q)")
                        cases += 1
                    }
                }
            }
        }
        #expect(cases == 300)
        // An entity and an actor together: the run's own events by that actor, from a lower bound.
        let r6 = try t.store.auditEvents(AuditQuery(entity: .run("r6"), actor: "bob")).map(\.sequence)
        #expect(r6.count == 3)
        var q = AuditQuery(entity: .run("r6"), actor: "bob")
        q.fromSequence = r6[1]
        #expect(try t.store.auditEvents(q).map(\.sequence) == Array(r6[1...]))
        #expect(try t.store.auditEvents(AuditQuery(entity: .run("r6"), actor: "ana")).isEmpty)
    }

    @Test("a unit keeps answering with its recorded variant after the test has ended; new units are refused")
    func stickyAfterStop() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        let s = t.store
        try s.createABTest(name: "t", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                             ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                           metric: "c", t.ctx())
        try s.startABTest("t", t.ctx())
        let first = try s.assign(test: "t", units: ["u1"], t.ctx())
        try s.stopABTest("t", t.ctx())
        #expect(try s.assign(test: "t", units: ["u1"], t.ctx()) == first)
        expectRefusal(t, .refused, "takes no more") { try s.assign(test: "t", units: ["u1", "new"], t.ctx()) }
        expectRefusal(t, .refused, "already concluded") { try s.stopABTest("t", t.ctx()) }
    }

    @Test("rollback without --to brings back a version that is not in Production now")
    func rollbackSkipsCurrentProduction() throws {
        let t = try TestStore.withRun(modelVersions: 3)
        let s = t.store
        try s.setStage(model: "m", version: 1, stage: .production, t.ctx("v1"))
        try s.setStage(model: "m", version: 2, stage: .production, keepExisting: true, t.ctx("canary"))
        try s.setStage(model: "m", version: 3, stage: .production, t.ctx("v3")) // archives 1 and 2
        try s.setStage(model: "m", version: 1, stage: .production, keepExisting: true, t.ctx("v1 back beside v3"))
        try s.rollback(model: "m", t.ctx("undo v3"))
        let stages = s.state.model(named: "m")!.versions.map(\.stage)
        #expect(stages[1] == .production) // v2: in Production before, not now
        #expect(!(try s.history(model: "m")).contains { $0.kind == "stage" && $0.from == "Production" && $0.to == "Production" })
    }
}

@Suite("Imported A/B and monitoring events obey the same rules")
struct ImportRulesTests {
    @Test("a test with too many, too few or badly weighted variants, or a NaN outcome, is refused at import")
    func importedTestsAreValidated() throws {
        let t = try TestStore.withRun(modelVersions: 1)
        let s = t.store
        func test(_ variants: [ABVariant], alpha: Double = 0.05) -> Event {
            .abTestCreated(test: 1, name: "t", model: 1, variants: variants, metric: "c", continuous: false, guardrails: [],
                           minimumSample: 10, alpha: alpha, salt: "t", sequential: false)
        }
        let many = (0..<300).map { ABVariant(name: "v\($0)", version: 1, weightBasisPoints: $0 < 100 ? 1 : ($0 == 100 ? 9_900 : 0)) }
        for bad in [test([]), test(many), test([ABVariant(name: "a", version: 1, weightBasisPoints: 9_000)]),
                    test([ABVariant(name: "a", version: 1, weightBasisPoints: 5_000), ABVariant(name: "b", version: 1, weightBasisPoints: 5_000)], alpha: .nan)] {
            expectRefusal(t, .refused) { try s.importEvent(bad, actor: "a", reason: nil, time: t.now + 1) }
        }
        try s.importEvent(test([ABVariant(name: "a", version: 1, weightBasisPoints: 5_000),
                                ABVariant(name: "b", version: 1, weightBasisPoints: 5_000)]), actor: "a", reason: nil, time: t.now + 1)
        expectRefusal(t, .refused) {
            try s.importEvent(.abOutcomesRecorded(test: 1, outcomes: [ABOutcome(unit: "u", metric: 0, value: .nan)]), actor: "a",
                              reason: nil, time: t.now + 2)
        }
        expectRefusal(t, .refused) {
            try s.importEvent(.abUnitsAssigned(test: 1, units: ["u"], variants: [7]), actor: "a", reason: nil, time: t.now + 2)
        }
        expectRefusal(t, .refused) {
            try s.importEvent(.predictionsLogged(model: 1, version: 1, latencies: [-1], predictions: [nil], actuals: [nil]),
                              actor: "a", reason: nil, time: t.now + 2)
        }
    }
}
