import Logbook
import LogbookCLI
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

/// 2026-03-01T14:00:00.000Z.
private let t0: Int64 = 1_772_373_600_000

private func openStore(_ dir: TemporaryDirectory, _ name: String = "store") throws -> LogbookStore {
    try LogbookStore(at: dir.appending(name), writable: true)
}

@discardableResult
private func ingest(_ store: LogbookStore, _ lines: [String], actor: String = "tester",
                    time: Int64? = nil) throws(LogbookError) -> IngestReport {
    try Ingest.run(Array(lines.joined(separator: "\n").utf8), store: store, defaults: WriteContext(actor: actor, time: time))
}

/// The error an ingest throws (nil when it succeeds).
private func ingestError(_ store: LogbookStore, _ lines: [String], time: Int64? = t0) -> LogbookError? {
    do {
        try ingest(store, lines, time: time)
        return nil
    } catch {
        return error
    }
}

/// Every event of a store as export lines.
private func exportLines(_ store: LogbookStore) throws -> [String] {
    var lines: [String] = []
    try store.forEachEvent { e in
        lines.append(ExportFormat.line(e, state: store.state).rendered())
        return true
    }
    return lines
}

/// Every event of a store.
private func events(_ store: LogbookStore) throws -> [EventEnvelope] {
    var all: [EventEnvelope] = []
    try store.forEachEvent { all.append($0); return true }
    return all
}

/// A store's state with log positions replaced by the sequence numbers of the records there, so that stores
/// holding the same events in different batches (a batch's last frame carries the chain hash) compare equal.
private struct PortableState: Equatable {
    var experiments: [Experiment]
    var runs: [Run]
    var runEvents: [[UInt64]]
    var models: [Model]
    var modelEvents: [[UInt64]]
    var metricKeys: [String]
    var actors: [String]
    var actorEvents: [[UInt64]]
    var experimentEvents: [[UInt64]]
    var lastSequence: UInt64
    var lastTimestamp: Int64

    init(_ store: LogbookStore) throws {
        var sequenceAt: [LogPosition: UInt64] = [:]
        try LogReader(at: store.path).forEachRecord { r in
            sequenceAt[r.position] = r.sequence
            return true
        }
        func sequences(_ positions: [LogPosition]) -> [UInt64] { positions.map { sequenceAt[$0] ?? .max } }
        let s = store.state
        experiments = s.experiments
        runs = s.runs.map { r in
            var r = r
            r.metricEvents = []
            r.otherEvents = []
            return r
        }
        runEvents = s.runs.map { sequences($0.metricEvents) + [0] + sequences($0.otherEvents) }
        models = s.models.map { m in
            var m = m
            m.events = []
            return m
        }
        modelEvents = s.models.map { sequences($0.events) }
        metricKeys = s.metricKeys.strings
        actors = s.actors.strings
        actorEvents = s.actorEvents.all.map(sequences)
        experimentEvents = s.experimentEvents.map(sequences)
        lastSequence = s.lastSequence
        lastTimestamp = s.lastTimestamp
    }
}

// MARK: - A random history covering every event type

/// Builds a seeded random history through the store's commands, touching every event type.
private struct HistoryBuilder {
    var g: SeededGenerator
    let store: LogbookStore
    var time = t0
    var paramCounter = 0

    init(seed: UInt64, store: LogbookStore) {
        g = SeededGenerator(seed: seed)
        self.store = store
    }

    mutating func chance(_ percent: UInt64) -> Bool { g.next() % 100 < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(g.next() % UInt64(items.count))] }

    mutating func ctx(_ actor: String? = nil, reason: String? = nil) -> WriteContext {
        time += Int64(g.next() % 3_000) // 0 sometimes: equal times are allowed
        return WriteContext(actor: actor ?? pick(["ana", "bob", "carol", "d\u{E9}sir\u{E9}e"]), reason: reason, time: time)
    }

    mutating func hex(_ count: Int, uppercase: Bool = false) -> String {
        String((0..<count).map { _ in Array(uppercase ? "0123456789ABCDEF" : "0123456789abcdef")[Int(g.next() % 16)] })
    }

    mutating func value() -> Double {
        switch g.next() % 10 {
        case 0: return .nan
        case 1: return chance(50) ? .infinity : -.infinity
        case 2: return -0.0
        case 3: return pick([Double.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude, Double.leastNormalMagnitude.nextDown, 0.1 + 0.2])
        case 4:
            let d = Double(bitPattern: g.next())
            return d.isNaN ? .nan : d
        default: return Double(Int64(g.next() % 2_000_000) - 1_000_000) / 997
        }
    }

    mutating func text() -> String {
        pick(["", "plain", "line\nbreak", "tab\there", "quote \" and \\ backslash", "emoji 😀", "nul \u{0} del \u{7F}",
              "é", "0.01"]) + String(g.next() % 100)
    }

    mutating func tags(_ max: UInt64) -> [KeyValue] {
        (0..<Int(g.next() % (max + 1))).map { _ in KeyValue(pick(["team", "stage", "note", "k é"]), text()) }
    }

    mutating func series() -> [MetricSeries] {
        (0..<Int(1 + g.next() % 3)).map { _ in
            MetricSeries(key: pick(["loss", "acc", "val/loss", "lr 😀"]), points: (0..<Int(1 + g.next() % 5)).map { _ in
                MetricPoint(step: chance(10) ? 0 : Int64(g.next() % 1000), value: value(),
                            time: chance(10) ? pick([Timestamp.earliest, Timestamp.latest, -1, 0]) : t0 + Int64(g.next() % 100_000))
            })
        }
    }

    mutating func build() throws {
        let s = store
        // Experiments: a rename, a delete and restore, and a name reused after a delete.
        try s.createExperiment(name: "churn", tags: [KeyValue("team", "growth"), KeyValue("team", "dup"),
                                                     KeyValue("note", "line\nbreak 😀 \"q\"")], ctx())
        try s.createExperiment(name: "fraud", ctx())
        try s.renameExperiment("fraud", to: "fraud-v2", ctx())
        try s.createExperiment(name: "scratch", tags: tags(2), ctx())
        try s.deleteExperiment("scratch", ctx())
        try s.createExperiment(name: "scratch", ctx())
        try s.deleteExperiment("fraud-v2", ctx())
        try s.restoreExperiment("fraud-v2", ctx())
        try s.setRetention(minDays: 400, ctx(reason: "keep 400 days"))

        // Runs, some nested, one with a generated id.
        var runs: [String] = []
        for i in 0..<Int(6 + g.next() % 4) {
            let parent = i > 0 && chance(40) ? pick(runs) : nil
            let run = try s.startRun(experiment: pick(["churn", "fraud-v2", "scratch", "1"]),
                                     name: chance(70) ? "run \(i) \u{E9}\u{1F600}" : nil, id: i == 5 ? nil : "r\(i)-\(hex(6))",
                                     parent: parent, tags: tags(3), gitCommit: chance(50) ? hex(40, uppercase: chance(50)) : nil,
                                     source: chance(50) ? "train.py" : nil, ctx())
            runs.append(run.id)
        }
        for _ in 0..<Int(15 + g.next() % 15) {
            var params: [KeyValue] = []
            for _ in 0..<Int(g.next() % 3) {
                paramCounter += 1
                params.append(KeyValue("p\(paramCounter)", text()))
            }
            try s.logToRun(pick(runs), params: params, metrics: chance(80) ? series() : [],
                           tags: chance(50) || params.isEmpty ? [KeyValue("t", text())] : [], ctx())
        }
        // The promotion story needs known values: auc of runs 0...3.
        for (i, auc) in [0.80, 0.85, 0.70, 0.90].enumerated() {
            try s.logToRun(runs[i], metrics: [MetricSeries(key: "auc", points: [MetricPoint(step: 1_000_000, value: auc, time: time)])], ctx())
        }
        try s.logToRun(runs[1], tags: [KeyValue("temp", "x"), KeyValue("temp2", "y")], ctx())
        try s.deleteTags(runs[1], keys: ["temp", "temp2"], ctx())
        try s.addArtifact(runs[0], bytes: Array("weights v1".utf8), path: "model/model.bin", ctx())
        try s.addArtifact(runs[0], bytes: Array("weights v2".utf8), path: "model/model.bin", ctx())
        try s.addArtifact(runs[1], bytes: [0, 1, 2, 255], path: "m.pkl", ctx())
        try s.linkDataset(runs[0], name: "train", digest: hex(64, uppercase: true), ctx())
        try s.linkDataset(runs[0], name: "train", digest: hex(64), ctx())
        try s.linkDataset(runs[2], name: "eval set", digest: hex(64), ctx())
        for (i, r) in runs.prefix(4).enumerated() where i == 0 || chance(70) {
            try s.endRun(r, status: pick([.finished, .failed, .killed]), ctx())
        }

        // The registry.
        try s.createModel(name: "churn-model", description: "Predicts churn", owner: "ana", purpose: "retention",
                          riskTier: .high, ctx())
        try s.createModel(name: "fraud-model", ctx())
        try s.updateModel("churn-model", validation: .validated, ctx())
        try s.updateModel("fraud-model", description: "d", purpose: "p \(text())", riskTier: .low, ctx())
        try s.registerVersion(model: "churn-model", run: runs[0], artifact: "model/model.bin", description: "first", ctx())
        try s.registerVersion(model: "churn-model", run: runs[1], artifact: "m.pkl", parent: 1, ctx())
        try s.registerVersion(model: "churn-model", run: runs[2], ctx())
        try s.registerVersion(model: "churn-model", run: runs[3], parent: 2, description: "fourth", ctx())
        try s.registerVersion(model: "fraud-model", run: runs[0], ctx())
        try s.setStage(model: "churn-model", version: 1, stage: .staging, ctx(reason: "offline evaluation passed"))
        try s.setStage(model: "churn-model", version: 1, stage: .production, ctx(reason: "release"))
        let afterFirstRelease = s.state.lastSequence
        try s.setStage(model: "fraud-model", version: 1, stage: .staging, keepExisting: true, ctx(reason: "try"))
        try s.setAlias(model: "churn-model", alias: "champion", version: 1, ctx(reason: "r"))
        try s.setAlias(model: "churn-model", alias: "challenger", version: 2, ctx(reason: "r"))
        try s.setAlias(model: "churn-model", alias: "challenger", version: 3, ctx(reason: "r"))
        try s.removeAlias(model: "churn-model", alias: "challenger", ctx(reason: "r"))
        try s.setPolicy(model: "churn-model", PromotionPolicy(metric: "auc", minimum: 0.75, improvementPercent: 1,
                                                              requiresApproval: true, separateApprover: true), ctx())
        #expect(try s.promote(model: "churn-model", version: 2, ctx("bob")).decision == .pendingApproval)
        try s.approve(model: "churn-model", version: 2, ctx("carol", reason: "looks good"))
        #expect(try s.promote(model: "churn-model", version: 4, ctx("bob")).decision == .pendingApproval)
        try s.reject(model: "churn-model", version: 4, ctx("carol", reason: "not now"))
        #expect(try s.promote(model: "churn-model", version: 3, ctx("bob")).decision == .rejected)
        try s.setPolicy(model: "churn-model", PromotionPolicy(metric: "auc", maxLatencyMs: chance(50) ? nil : 1e9), ctx())
        let promoted = try s.promote(model: "churn-model", version: 4, ctx("bob"))
        #expect(promoted.decision == (s.state.model(named: "churn-model")!.policy!.maxLatencyMs == nil ? .promoted : .rejected))
        try s.rollback(model: "churn-model", ctx(reason: "incident"))
        try s.rollback(model: "churn-model", to: .sequence(afterFirstRelease), ctx(reason: "back to the first release"))
        try s.rollback(model: "churn-model", to: .time(t0 - 1), ctx(reason: "before everything"))
        try s.deleteModel("fraud-model", ctx())
        try s.restoreModel("fraud-model", ctx())
        try s.deleteRun(runs[5], ctx())
        try s.restoreRun(runs[5], ctx())
        try s.deleteRun(runs[4], ctx())
        // An A/B test between two versions, with a guardrail, run to its conclusion.
        let m = s.state.model(named: "churn-model")!
        try s.createABTest(name: "ab-\(hex(4))", model: "churn-model",
                           variants: [ABVariant(name: "control", version: 1, weightBasisPoints: 9000),
                                      ABVariant(name: "treatment", version: m.versions.count, weightBasisPoints: 1000)],
                           metric: "converted", guardrails: [ABGuardrail(metric: "latency_ms", higherIsWorse: true)],
                           minimumSample: 10, alpha: 0.05, sequential: chance(50), ctx())
        let test = s.state.abTests.last!.name
        try s.startABTest(test, ctx())
        let units = (0..<40).map { "unit-\($0)-\(hex(2))" }
        try s.assign(test: test, units: units, ctx())
        try s.recordOutcomes(test: test, units.map { ($0, chance(20) ? 1 : 0, nil) }
                             + units.prefix(10).map { ($0, Double(g.next() % 1000) / 10, "latency_ms") }, ctx())
        try s.stopABTest(test, ctx(reason: "done"))
        // Monitoring: thresholds, a baseline, predictions (one batch over the policy's latency), a drift check that
        // alerts, and a comparison with training.
        try s.setMonitorThresholds(model: "churn-model", psi: 0.2, ksPValue: 0.05, relativeDrop: 0.01, ctx())
        try s.setBaseline(model: "churn-model", version: 1, values: (0..<50).map { Double($0) / 50 }, source: "baseline.csv", ctx())
        try s.setPolicy(model: "churn-model", PromotionPolicy(metric: "auc", maxLatencyMs: 100), ctx())
        try s.logPredictions(model: "churn-model", version: 1, (0..<40).map { (Double(g.next() % 300), 0.9 + Double($0 % 10) / 100, 1) }, ctx())
        try s.checkDrift(model: "churn-model", version: 1, ctx())
    }
}

// MARK: - Tests

struct IngestTests {
    @Test("export then ingest into an empty store gives the same state, log and export", arguments: [1, 2, 3] as [UInt64])
    func exportRoundTrip(seed: UInt64) throws {
        let dir = TemporaryDirectory("ingest-roundtrip")
        let original = try openStore(dir, "a")
        var builder = HistoryBuilder(seed: seed, store: original)
        try builder.build()
        let lines = try exportLines(original)

        // Every event type of the catalog is in the history.
        let types = Set(try events(original).map { EventCodec.typeName(of: $0.event) })
        // (store.repaired needs a repair: its export and import are checked in RepairedExportTests. store.pruned
        // describes the files of its own store and is refused on import, and identity.erased needs a pseudonymized
        // store: both are checked in ComplianceCLITests.)
        let catalog = Set(EventCodec.allTags.compactMap { EventCodec.typeName(ofTag: $0) })
            .subtracting(["store.repaired", "store.pruned", "identity.erased"])
        #expect(types == catalog, "missing: \(catalog.subtracting(types).sorted())")

        let copy = try openStore(dir, "b")
        let report = try Ingest.run(Array((lines.joined(separator: "\n") + "\n").utf8), store: copy,
                                    defaults: WriteContext(actor: "importer"))
        #expect(report.lines == lines.count)
        #expect(report.events == original.state.lastSequence)
        // The same state; log positions differ only because the ingest is one batch where the original had many.
        #expect(try PortableState(copy) == PortableState(original))
        #expect(try copy.digest().sequence == original.digest().sequence)
        #expect(try exportLines(copy) == lines)
        // Event for event, bit for bit (NaN payloads are the one loss; the history only has the standard NaN).
        #expect(try events(copy) == events(original))

        // And after reopening, the state replayed from the log is the same.
        try copy.close()
        let reopened = try LogbookStore(at: dir.appending("b"), writable: false)
        #expect(StateCodec.encode(reopened.state) == StateCodec.encode(copy.state))
        #expect(try PortableState(reopened) == PortableState(original))
    }

    @Test("export lines are snake_case JSON with explicit nulls, exact numbers and names instead of ordinals")
    func exportLineShape() throws {
        let dir = TemporaryDirectory("ingest-shape")
        let store = try openStore(dir)
        let c = WriteContext(actor: "ana", time: t0)
        try store.createExperiment(name: "churn", c)
        try store.startRun(experiment: "churn", name: "base", id: "r1", c)
        try store.logToRun("r1", metrics: [MetricSeries(key: "loss", points: [
            MetricPoint(step: 0, value: -0.0, time: t0), MetricPoint(step: 1, value: .nan, time: t0 + 1),
            MetricPoint(step: 2, value: -.infinity, time: t0 + 2), MetricPoint(step: 3, value: 0.1, time: t0 + 3),
            MetricPoint(step: 4, value: 1e300, time: t0 + 4),
        ])], c)
        try store.createModel(name: "m", riskTier: .medium, WriteContext(actor: "ana", reason: "why", time: t0 + 5))
        let lines = try exportLines(store)
        #expect(lines[0] == #"{"seq":1,"time":"2026-03-01T14:00:00.000Z","actor":"ana","reason":null,"type":"experiment.created","data":{"experiment_id":1,"name":"churn","tags":{}}}"#)
        #expect(lines[1] == #"{"seq":2,"time":"2026-03-01T14:00:00.000Z","actor":"ana","reason":null,"type":"run.started","data":{"run_id":"r1","experiment_id":1,"experiment":"churn","name":"base","parent_run_id":null,"tags":{},"source":null,"git_commit":null}}"#)
        #expect(lines[2] == #"{"seq":3,"time":"2026-03-01T14:00:00.000Z","actor":"ana","reason":null,"type":"metrics.logged","data":{"run_id":"r1","metrics":[{"key":"loss","points":[{"step":0,"value":-0.0,"time":"2026-03-01T14:00:00.000Z"},{"step":1,"value":"NaN","time":"2026-03-01T14:00:00.001Z"},{"step":2,"value":"-Infinity","time":"2026-03-01T14:00:00.002Z"},{"step":3,"value":0.1,"time":"2026-03-01T14:00:00.003Z"},{"step":4,"value":1e+300,"time":"2026-03-01T14:00:00.004Z"}]}]}}"#)
        #expect(lines[3] == #"{"seq":4,"time":"2026-03-01T14:00:00.005Z","actor":"ana","reason":"why","type":"model.created","data":{"model":"m","description":null,"owner":null,"purpose":null,"risk_tier":"medium"}}"#)
    }

    @Test("a bad line 57 of 100 names line 57 and appends nothing", arguments: [
        (#"{"op":"run.log","run":"nope","metrics":[{"key":"a","value":1}]}"#, LogbookError.Code.notFound),
        (#"{"op":"run.log","run":"r1","params":{"p0":"changed"}}"#, .refused),
        (#"{"op":"run.log","run":"r1","metrics":[{"key":"a","value":1}]"#, .usage),
        (#"{"op":"run.explode","run":"r1"}"#, .usage),
        (#"{"op":"run.log","run":"r1","metrics":[{"key":"a","value":"high"}]}"#, .usage),
        (#"{"op":"run.log","metrics":[]}"#, .usage),
        (#"{"op":"run.log","run":"r1","time":"2020-01-01T00:00:00Z","tags":{"a":"b"}}"#, .refused), // time goes back
        (#"{"op":"ab.assign","test":"t1","unit":"u42"}"#, .notFound),
    ] as [(String, LogbookError.Code)])
    func allOrNothing(bad: String, code: LogbookError.Code) throws {
        let dir = TemporaryDirectory("ingest-atomic")
        let store = try openStore(dir)
        try ingest(store, [#"{"op":"experiment.create","name":"e"}"#, #"{"op":"run.start","experiment":"e","id":"r1"}"#,
                           #"{"op":"run.log","run":"r1","params":{"p0":"v"}}"#], time: t0)
        let digest = try store.digest()
        let encoded = StateCodec.encode(store.state)
        var lines: [String] = []
        for i in 1...100 {
            let time = Timestamp.iso(t0 + Int64(i) * 1000)
            lines.append(i == 57 ? bad
                : #"{"op":"run.log","run":"r1","time":"\#(time)","metrics":[{"key":"loss","value":\#(Double(i) / 7),"step":\#(i)}],"params":{"p\#(i)":"x"}}"#)
        }
        let error = ingestError(store, lines, time: nil)
        #expect(error?.code == code, "\(String(describing: error))")
        #expect(error?.message.hasPrefix("line 57: ") == true, "\(String(describing: error))")
        #expect(try store.digest() == digest)
        #expect(StateCodec.encode(store.state) == encoded)
        try store.close()
        let reopened = try LogbookStore(at: dir.appending("store"), writable: false)
        #expect(StateCodec.encode(reopened.state) == encoded)
    }

    @Test("errors name the line and what is wrong")
    func messages() throws {
        let dir = TemporaryDirectory("ingest-messages")
        let store = try openStore(dir)
        func message(_ lines: [String]) -> String { ingestError(store, lines)?.message ?? "no error" }
        #expect(message(["", #"{"op":"ab.record","test":"t","unit":"u","value":1}"#]).hasPrefix("line 2: No A/B test named 't'"))
        #expect(message([#"{"op":"monitor.log","model":"m","version":1,"latency_ms":1}"#]).hasPrefix("line 1: No model named 'm'"))
        #expect(message(["{\"op\":\"experiment.create\",\"name\":\"e\"}", "{\"op\":"])
                == "line 2: malformed JSON at column 7: expected a JSON value, found the end of the input")
        #expect(message([#"{"op":"run.stop","run":"r"}"#]).hasPrefix("line 1: unknown op 'run.stop'; the ops are "))
        #expect(message([#"{"op":"experiment.create","name":"e","colour":"red"}"#])
                == "line 1: unknown key \"colour\" for experiment.create; it takes name, experiment, tags (and actor, reason, time)")
        #expect(message([#"{"op":"experiment.create","name":"e","name":"f"}"#]) == "line 1: the key \"name\" appears twice")
        #expect(message([#"{"op":"experiment.create"}"#]) == "line 1: the line has no \"name\"")
        #expect(message([#"{"op":"experiment.create","name":7}"#]) == "line 1: \"name\" in the line must be a string, not an integer")
        #expect(message(["[1,2]"]).hasPrefix("line 1: expected a JSON object"))
        #expect(message([#"{"name":"e"}"#]).hasPrefix("line 1: no \"op\""))
        #expect(message([#"{"op":"experiment.create","name":"a","time":"2026-03-02"}"#,
                         #"{"op":"experiment.create","name":"b","time":"2026-03-01"}"#])
                == "line 2: the time 2026-03-01T00:00:00.000Z is earlier than line 1's (2026-03-02T00:00:00.000Z); times never go back")
        #expect(message([#"{"op":"experiment.create","name":"a","time":"yesterday"}"#]).hasPrefix("line 1: \"time\" in the line is not an ISO-8601 time"))
        #expect(message([#"{"op":"experiment.create","name":"a"}"#, #"{"op":"run.start","experiment":"a","id":"r"}"#,
                         #"{"op":"run.log","run":"r","metrics":[{"key":"k","value":1},{"value":2}]}"#])
                == "line 3: metric 2: no \"key\"")
        #expect(message([#"{"op":"model.create","name":"m","risk_tier":"extreme"}"#])
                == "line 1: \"risk_tier\" must be low, medium or high, not 'extreme'")
        #expect(message([#"{"seq":1,"type":"run.exploded","time":"2026-03-01","actor":"a","data":{}}"#])
                == "line 1: Unknown event type 'run.exploded'")
        #expect(message([#"{"seq":1,"type":"run.ended","time":"2026-03-01","actor":"a","data":{"run_id":"zz","status":"FINISHED"}}"#])
                .hasPrefix("line 1: No run with id 'zz'"))
        #expect(store.state.lastSequence == 0)
    }

    @Test("experiment ops")
    func experiments() throws {
        let dir = TemporaryDirectory("ingest-experiments")
        let store = try openStore(dir)
        let report = try ingest(store, [
            #"{"op":"experiment.create","name":"churn","tags":{"team":"growth"}}"#,
            #"{"op":"experiment.create","name":"old"}"#,
            #"{"op":"experiment.rename","name":"old","new_name":"new"}"#,
            #"{"op":"experiment.delete","name":"new","actor":"bob","reason":"cleanup"}"#,
            "",
            #"{"op":"experiment.create","experiment":"new"}"#,
            #"{"op":"experiment.delete","name":"new"}"#,
            #"{"op":"experiment.restore","name":"new"}"#,
        ], time: t0)
        #expect(report == IngestReport(lines: 7, events: 7))
        let e = store.state.experiments
        #expect(e.map(\.name) == ["churn", "new", "new"])
        #expect(e.map(\.isDeleted) == [false, true, false])
        #expect(e[0].tags == [KeyValue("team", "growth")])
        let all = try events(store)
        #expect(all[3].actor == "bob" && all[3].reason == "cleanup")
        #expect(all[0].actor == "tester" && all.allSatisfy { $0.timestamp == t0 })
    }

    @Test("run ops: start, log (params, metrics, tags), end, delete, restore, dataset and artifact")
    func runs() throws {
        let dir = TemporaryDirectory("ingest-runs")
        let store = try openStore(dir)
        writeFile(dir.appending("data.csv"), Array("a,b\n1,2\n".utf8))
        try ingest(store, [
            #"{"op":"experiment.create","name":"churn"}"#,
            #"{"op":"run.start","experiment":"churn","id":"r1","name":"baseline","tags":{"team":"growth"},"git_commit":"ABCDEF12","source":"train.py"}"#,
            #"{"op":"run.start","experiment":"churn","id":"r2","parent":"r1","time":"2026-03-01T14:00:00Z"}"#,
            #"{"op":"run.log","run":"r1","params":{"lr":"0.01","epochs":10,"deep":true},"metrics":[{"key":"auc","value":0.81,"step":1},{"key":"loss","value":"NaN"},{"key":"auc","value":0.85,"step":2,"time":"2026-03-01T15:00:00Z"},{"key":"auc","value":-1e-3,"step":3,"time":1772373600123}],"tags":{"stage":"dev"},"time":"2026-03-01T14:00:01Z"}"#,
            #"{"op":"run.log","run_id":"r1","params":{"lr":"0.01"}}"#,
            #"{"op":"run.end","run":"r1","status":"FAILED"}"#,
            #"{"op":"run.end","run":"r2"}"#,
            #"{"op":"dataset.link","run":"r1","name":"train","digest":"\#(String(repeating: "AB", count: 32))"}"#,
            #"{"op":"dataset.link","run":"r1","name":"csv","file":"\#(dir.appending("data.csv"))"}"#,
            #"{"op":"artifact.add","run":"r1","file":"\#(dir.appending("data.csv"))","path":"data/data.csv"}"#,
            #"{"op":"run.delete","run":"r2"}"#,
            #"{"op":"run.restore","run":"r2"}"#,
            #"{"op":"run.delete","run":"r2"}"#,
        ], time: t0)
        let r1 = try #require(store.state.run(id: "r1"))
        let r2 = try #require(store.state.run(id: "r2"))
        #expect(r1.name == "baseline" && r1.gitCommit == "abcdef12" && r1.source == "train.py")
        #expect(r1.params == [KeyValue("deep", "true"), KeyValue("epochs", "10"), KeyValue("lr", "0.01")])
        #expect(r1.tags == [KeyValue("stage", "dev"), KeyValue("team", "growth")])
        #expect(r1.status == .failed && r2.status == .finished)
        #expect(r2.parent == r1.ordinal && r2.isDeleted)
        #expect(r1.datasets.map(\.key) == ["train", "csv"])
        #expect(r1.datasets[0].value == String(repeating: "ab", count: 32))
        #expect(r1.artifacts.map(\.path) == ["data/data.csv"] && r1.artifacts[0].size == 8)
        #expect(r1.datasets[1].value == r1.artifacts[0].sha256)

        // The metrics event: grouped by key in first-seen order, default step 0, default time = the line's.
        let line4 = try #require(try events(store).first { if case .metricsLogged = $0.event { true } else { false } })
        guard case .metricsLogged(_, let series) = line4.event else { return }
        let lineTime = try #require(Timestamp.parse("2026-03-01T14:00:01Z"))
        #expect(line4.timestamp == lineTime)
        #expect(series.map(\.key) == ["auc", "loss"])
        #expect(series[0].points == [MetricPoint(step: 1, value: 0.81, time: lineTime),
                                     MetricPoint(step: 2, value: 0.85, time: lineTime + 3_599_000),
                                     MetricPoint(step: 3, value: -0.001, time: 1_772_373_600_123)])
        #expect(series[1].points.count == 1 && series[1].points[0].value.isNaN && series[1].points[0].step == 0)
        // The repeated identical param appended nothing: 13 lines, the run.log of line 5 made no event.
        #expect(try events(store).count == 12 + 2)
    }

    @Test("model ops: create, register, stage, alias, policy, promote, approve, reject, rollback, validation, delete, restore")
    func models() throws {
        let dir = TemporaryDirectory("ingest-models")
        let store = try openStore(dir)
        try ingest(store, [
            #"{"op":"experiment.create","name":"churn"}"#,
            #"{"op":"run.start","experiment":"churn","id":"r1"}"#,
            #"{"op":"run.start","experiment":"churn","id":"r2"}"#,
            #"{"op":"run.start","experiment":"churn","id":"r3"}"#,
            #"{"op":"run.log","run":"r1","metrics":[{"key":"auc","value":0.80}]}"#,
            #"{"op":"run.log","run":"r2","metrics":[{"key":"auc","value":0.85}]}"#,
            #"{"op":"run.log","run":"r3","metrics":[{"key":"auc","value":0.90}]}"#,
            #"{"op":"model.create","name":"churn","description":"d","owner":"ana","purpose":"p","risk_tier":"HIGH"}"#,
            #"{"op":"model.create","model":"spare"}"#,
            #"{"op":"model.register","model":"churn","run":"r1"}"#,
            #"{"op":"model.register","model":"churn","run":"r2","parent":1,"description":"second"}"#,
            #"{"op":"model.register","model":"churn","run":"r3"}"#,
            #"{"op":"model.stage","model":"churn","version":1,"stage":"production","reason":"first release"}"#,
            #"{"op":"model.alias","model":"churn","alias":"champion","version":1,"reason":"r"}"#,
            #"{"op":"model.alias","model":"churn","alias":"old","version":1,"reason":"r"}"#,
            #"{"op":"model.alias","model":"churn","alias":"old","remove":true,"reason":"r"}"#,
            #"{"op":"model.policy","model":"churn","metric":"auc","min":0.5,"improvement":1,"require_approval":true,"separate_approver":true}"#,
            #"{"op":"model.promote","model":"churn","version":2,"actor":"bob"}"#,
            #"{"op":"model.approve","model":"churn","version":2,"actor":"carol","reason":"ok"}"#,
            #"{"op":"model.promote","model":"churn","version":3,"actor":"bob","dry_run":true}"#,
            #"{"op":"model.promote","model":"churn","version":3,"actor":"bob"}"#,
            #"{"op":"model.reject","model":"churn","version":3,"actor":"carol","reason":"no"}"#,
        ], time: t0)
        // A rollback reads the model's history from the log: it cannot follow changes to the model in one ingest.
        let early = ingestError(store, [#"{"op":"model.validation","model":"churn","status":"pending"}"#,
                                        #"{"op":"model.rollback","model":"churn","reason":"incident"}"#])
        #expect(early?.code == .usage)
        #expect(early?.message.hasPrefix("line 2: model.rollback of 'churn' cannot follow other changes to it") == true)
        try ingest(store, [
            #"{"op":"model.rollback","model":"churn","reason":"incident"}"#,
            #"{"op":"model.validation","model":"churn","status":"validated"}"#,
            #"{"op":"model.delete","model":"spare"}"#,
            #"{"op":"model.restore","name":"spare"}"#,
            #"{"op":"model.delete","model":"spare"}"#,
        ], time: t0)
        let m = try #require(store.state.model(named: "churn"))
        #expect(m.riskTier == .high && m.owner == "ana" && m.validation == .validated)
        #expect(m.versions.map(\.stage) == [.production, .archived, .none])
        #expect(m.versions[1].parent == 1 && m.versions[1].description == "second")
        #expect(m.versions[2].pendingPromotionBy == nil)
        #expect(m.aliases == [KeyValue("champion", "1")])
        #expect(m.policy == PromotionPolicy(metric: "auc", minimum: 0.5, improvementPercent: 1, requiresApproval: true,
                                            separateApprover: true))
        #expect(store.state.model(named: "spare")?.isDeleted == true)

        // Rollback to a moment: "#N" and an ISO time.
        let sequence = store.state.lastSequence
        try ingest(store, [
            #"{"op":"model.stage","model":"churn","version":3,"stage":"Staging","reason":"try"}"#,
            ##"{"op":"model.rollback","model":"churn","to":"#\##(sequence)","reason":"undo"}"##,
        ], time: t0)
        #expect(store.state.model(named: "churn")?.versions[2].stage == Stage.none)
        #expect(ingestError(store, [#"{"op":"experiment.create","name":"later"}"#,
                                    ##"{"op":"model.rollback","model":"churn","to":"#\##(store.state.lastSequence + 1)","reason":"undo"}"##])?
                    .message.hasPrefix("line 2: model.rollback cannot go back to a moment inside the same ingest") == true)

        // A rejected promotion fails the ingest (exit 4), like the command, and appends nothing.
        let error = ingestError(store, [#"{"op":"model.policy","model":"churn","metric":"auc","min":0.99}"#,
                                        #"{"op":"model.promote","model":"churn","version":3}"#])
        #expect(error?.code == .refused)
        #expect(error?.message.hasPrefix("line 2: the promotion of 'churn' version 3 was rejected: ") == true)
        // A stage change without a reason is a usage error, as on the command line.
        #expect(ingestError(store, [#"{"op":"model.stage","model":"churn","version":3,"stage":"Staging"}"#])?.code == .usage)
        #expect(ingestError(store, [#"{"op":"model.stage","model":"churn","version":9,"stage":"Staging","reason":"x"}"#])?.code == .notFound)
    }

    @Test("export lines and command lines mix; export lines keep their time and actor")
    func mixed() throws {
        let dir = TemporaryDirectory("ingest-mixed")
        let store = try openStore(dir)
        try ingest(store, [
            #"{"seq":1,"time":"2026-03-01T14:00:00.000Z","actor":"ana","reason":null,"type":"experiment.created","data":{"experiment_id":1,"name":"churn","tags":{}}}"#,
            #"{"op":"run.start","experiment":"churn","id":"r1","time":"2026-03-01T14:00:01Z"}"#,
            #"{"seq":3,"time":"2026-03-01T14:00:02.000Z","actor":"bob","reason":"why","type":"params.logged","data":{"run_id":"r1","params":{"lr":"0.1"}}}"#,
        ])
        let all = try events(store)
        #expect(all.map(\.actor) == ["ana", "tester", "bob"])
        #expect(all.map(\.timestamp) == [t0, t0 + 1000, t0 + 2000])
        #expect(all[2].reason == "why")
        #expect(store.state.run(id: "r1")?.param("lr") == "0.1")
        // A point without its time, a value that is not a number.
        #expect(ingestError(store, [#"{"seq":4,"time":"2026-03-01T14:00:03.000Z","actor":"a","type":"metrics.logged","data":{"run_id":"r1","metrics":[{"key":"loss","points":[{"step":1,"value":2}]}]}}"#], time: nil)?
                    .message.hasPrefix("line 1: point 1 of metric 'loss' needs \"step\" (an integer)") == true)
        #expect(ingestError(store, [#"{"seq":4,"time":"2026-03-01T14:00:03.000Z","actor":"a","type":"metrics.logged","data":{"run_id":"r1","metrics":[{"key":"loss","points":[{"step":1,"value":"nan","time":0}]}]}}"#], time: nil)?
                    .code == .usage)
        // An imported event must still fit the store.
        let e = ingestError(store, [#"{"seq":9,"time":"2026-03-01T14:00:03.000Z","actor":"a","type":"experiment.created","data":{"experiment_id":5,"name":"x"}}"#], time: nil)
        #expect(e?.code == .refused && e?.message.contains("experiment id 5 is not the next one") == true)
    }

    @Test("CRLF line ends, blank lines and a byte order mark are fine")
    func lineEnds() throws {
        let dir = TemporaryDirectory("ingest-crlf")
        let store = try openStore(dir)
        let text = "\u{FEFF}{\"op\":\"experiment.create\",\"name\":\"a\"}\r\n\r\n  \n{\"op\":\"experiment.create\",\"name\":\"b\"}\r\n"
        let report = try Ingest.run(Array(text.utf8), store: store, defaults: WriteContext(actor: "x", time: t0))
        #expect(report == IngestReport(lines: 2, events: 2))
        #expect(try Ingest.run([], store: store, defaults: WriteContext(actor: "x")) == IngestReport(lines: 0, events: 0))
    }

    @Test("ab ops: create (percent or basis-point weights, guardrails), start, assign, record, stop; errors; export round trip")
    func abOps() throws {
        let dir = TemporaryDirectory("ingest-ab")
        let store = try openStore(dir)
        try ingest(store, [
            #"{"op":"experiment.create","name":"e"}"#,
            #"{"op":"run.start","experiment":"e","id":"r1"}"#,
            #"{"op":"run.start","experiment":"e","id":"r2"}"#,
            #"{"op":"run.start","experiment":"e","id":"r3"}"#,
            #"{"op":"model.create","name":"m"}"#,
            #"{"op":"model.register","model":"m","run":"r1"}"#,
            #"{"op":"model.register","model":"m","run":"r2"}"#,
            #"{"op":"model.register","model":"m","run":"r3"}"#,
            #"{"op":"model.stage","model":"m","version":1,"stage":"Production","reason":"first"}"#,
        ], time: t0)
        try ingest(store, [
            #"{"op":"ab.create","test":"t","model":"m","variants":[{"name":"control","version":1,"weight":90},{"name":"treatment","version":2,"weight":10}],"metric":"converted","guardrails":["latency_ms","revenue:lower"],"min_sample":10,"alpha":0.01,"salt":"s1"}"#,
            #"{"op":"ab.create","name":"bp","model":"m","variants":[{"name":"a","version":1,"weight":3334},{"name":"b","version":2,"weight":3333},{"name":"c","version":3,"weight":3333}],"metric":"rev","continuous":true,"sequential":true}"#,
            #"{"op":"ab.start","test":"t"}"#,
            #"{"op":"ab.assign","test":"t","unit":"u1"}"#,
            #"{"op":"ab.assign","test":"t","units":["u2","u3","u1"]}"#,
            #"{"op":"ab.record","test":"t","unit":"u1","value":1}"#,
            #"{"op":"ab.record","test":"t","unit":"u2","value":0}"#,
            #"{"op":"ab.record","test":"t","unit":"u1","value":12.5,"metric":"latency_ms"}"#,
        ], time: t0)
        let t = try #require(store.state.abTest(named: "t"))
        #expect(t.variants.map(\.weightBasisPoints) == [9000, 1000])
        #expect(t.guardrails == [ABGuardrail(metric: "latency_ms", higherIsWorse: true), ABGuardrail(metric: "revenue", higherIsWorse: false)])
        #expect(t.minimumSample == 10 && t.alpha == 0.01 && t.salt == "s1" && t.status == .running && !t.continuous)
        #expect(t.units.reduce(0, +) == 3)
        for u in ["u1", "u2", "u3"] {
            #expect(t.assignedVariant(ofUnit: u) == t.variantIndex(forHash: ABTest.unitHash(salt: "s1", unit: u)))
        }
        let bp = try #require(store.state.abTest(named: "bp"))
        #expect(bp.variants.map(\.weightBasisPoints) == [3334, 3333, 3333] && bp.continuous && bp.sequential && bp.status == .created)
        #expect(bp.minimumSample == 1000 && bp.alpha == 0.05 && bp.salt == "bp")
        let report = try store.abStatus("t")
        #expect(report.variants.map(\.outcomes).reduce(0, +) == 2 && report.variants.map(\.conversions).reduce(0, +) == 1)

        // Errors: the same classes as the command line; nothing is appended.
        let digest = try store.digest()
        func code(_ line: String) -> LogbookError.Code? { ingestError(store, [line])?.code }
        let sum = ingestError(store, [#"{"op":"ab.create","test":"x","model":"m","variants":[{"name":"a","version":1,"weight":90},{"name":"b","version":2,"weight":5}],"metric":"k"}"#])
        #expect(sum?.code == .usage && sum?.message.contains("sum to 95") == true, "\(String(describing: sum))")
        #expect(code(#"{"op":"ab.create","test":"x","model":"m","variants":[{"name":"a","version":1,"weight_bp":5000},{"name":"b","version":2,"weight":50}],"metric":"k"}"#) == .usage)
        #expect(code(#"{"op":"ab.create","test":"x","model":"m","variants":[{"name":"a","version":1,"weight":50},{"name":"b","version":2,"weight":50}],"metric":"k","guardrails":[3]}"#) == .usage)
        #expect(code(#"{"op":"ab.create","test":"x","model":"m","variants":[{"name":"a","version":1,"weight":50},{"name":"b","version":2,"weight":50}],"metric":"k","guardrails":["l:sideways"]}"#) == .usage)
        #expect(code(#"{"op":"ab.create","test":"x","model":"m","variants":[{"name":"a","version":1,"weight":50},{"name":"b","version":7,"weight":50}],"metric":"k"}"#) == .notFound)
        #expect(code(#"{"op":"ab.create","test":"t","model":"m","variants":[{"name":"a","version":1,"weight":50},{"name":"b","version":2,"weight":50}],"metric":"k"}"#) == .refused)
        #expect(code(#"{"op":"ab.assign","test":"ghost","unit":"u"}"#) == .notFound)
        #expect(code(#"{"op":"ab.assign","test":"bp","unit":"u"}"#) == .refused)
        #expect(code(#"{"op":"ab.assign","test":"t","unit":"u","units":["v"]}"#) == .usage)
        #expect(code(#"{"op":"ab.assign","test":"t"}"#) == .usage)
        #expect(code(#"{"op":"ab.record","test":"t","unit":"u9","value":1}"#) == .notFound)
        #expect(code(#"{"op":"ab.record","test":"t","unit":"u1","value":0}"#) == .refused)
        #expect(code(#"{"op":"ab.record","test":"t","unit":"u3","value":2}"#) == .usage)
        #expect(code(#"{"op":"ab.record","test":"t","unit":"u3","value":"NaN","metric":"latency_ms"}"#) == .usage)
        #expect(code(#"{"op":"ab.record","test":"t","unit":"u3","value":1,"metric":"nope"}"#) == .notFound)
        #expect(code(#"{"op":"ab.stop","test":"t","promote_winner":true}"#) == .refused)
        #expect(code(#"{"op":"ab.start","test":"t","colour":"red"}"#) == .usage)
        let partial = ingestError(store, [#"{"op":"ab.assign","test":"t","unit":"u10"}"#, #"{"op":"ab.assign","test":"ghost","unit":"u"}"#])
        #expect(partial?.code == .notFound && partial?.message.hasPrefix("line 2: ") == true)
        #expect(try store.digest() == digest)
        #expect(store.state.abTest(named: "t")?.assignedVariant(ofUnit: "u10") == nil)

        try ingest(store, [#"{"op":"ab.stop","test":"t","reason":"enough"}"#], time: t0)
        #expect(store.state.abTest(named: "t")?.status == .concluded)
        #expect(code(#"{"op":"ab.assign","test":"t","unit":"late"}"#) == .refused)

        // Export, then ingest into an empty store: the same A/B state.
        let copy = try openStore(dir, "copy")
        _ = try Ingest.run(Array(try exportLines(store).joined(separator: "\n").utf8), store: copy, defaults: WriteContext(actor: "x"))
        for name in ["t", "bp"] {
            let a = try #require(store.state.abTest(named: name)), b = try #require(copy.state.abTest(named: name))
            #expect(a.variants == b.variants && a.guardrails == b.guardrails && a.status == b.status && a.decision == b.decision)
            #expect(a.assignments == b.assignments && a.units == b.units && a.tallies == b.tallies)
            #expect(try store.abStatus(name).variants == copy.abStatus(name).variants)
        }
    }
}

@Suite("Ingest of a repaired store's export")
struct RepairedExportTests {
    @Test("a store.repaired event exports and ingests like any other, keeping its numbers")
    func repairedRoundTrip() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir)
        for i in 0..<4 { try store.createExperiment(name: "e\(i)", WriteContext(actor: "a", time: t0 + Int64(i))) }
        try store.close()
        let root = dir.appending("store")
        // Cut the last experiment away (nothing is damaged; a repair may cut anywhere at a batch boundary).
        let report = try LogbookStore.repair(at: root, truncateAfter: 3, WriteContext(actor: "ops", reason: "drill"))
        #expect(report.removedBytes > 0)
        let repaired = try LogbookStore(at: root, writable: false)
        let lines = try exportLines(repaired)
        #expect(lines.last?.contains("\"type\":\"store.repaired\"") == true)
        let target = try openStore(dir, "copy")
        try ingest(target, lines)
        let copied = try events(target)
        #expect(copied.map(\.event) == (try events(repaired)).map(\.event))
        #expect(copied.last?.actor == "ops" && copied.last?.reason == "drill")
    }
}
