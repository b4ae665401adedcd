@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

@Suite("Run table: chunks shared between copies, and a writer's runs read from its own snapshot")
struct RunTableTests {
    static func run(_ i: Int) -> Run {
        Run(ordinal: i + 1, id: "r\(i)", experiment: 1, name: "run \(i)", parent: nil, startTime: Int64(i))
    }

    @Test("runs in chunks: appends cross chunk boundaries in order, a copy changed in one chunk leaves the original whole")
    func chunks() {
        var a = RunChunks()
        let n = 2 * RunChunks.chunkSize + 7
        for i in 0..<n { a.append(Self.run(i)) }
        #expect(a.count == n)
        var seen: [Int] = []
        a.forEach { i, r in
            if r.pointee.ordinal != i + 1 { Issue.record("run \(i) has ordinal \(r.pointee.ordinal)") }
            seen.append(i)
        }
        #expect(seen == Array(0..<n))
        #expect(a.array.map(\.id) == (0..<n).map { "r\($0)" })

        var b = a
        b[RunChunks.chunkSize].name = "changed"
        b.update(n - 1) { $0.status = .failed }
        b.append(Self.run(n))
        #expect(a.count == n && b.count == n + 1)
        #expect(a[RunChunks.chunkSize].name == "run \(RunChunks.chunkSize)")
        #expect(a[n - 1].status == .running)
        #expect(b[RunChunks.chunkSize].name == "changed" && b[n - 1].status == .failed)
        #expect(a != b)
        b[RunChunks.chunkSize].name = "run \(RunChunks.chunkSize)"
        b.update(n - 1) { $0.status = .running }
        var c = a
        c.append(Self.run(n))
        #expect(b == c)
    }

    /// A store with `count` runs in one experiment, each with a metric, written in one batch.
    static func store(runs count: Int) throws -> TestStore {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        let c = t.ctx()
        try t.store.transaction { () throws(LogbookError) in
            for i in 0..<count {
                _ = try t.store.startRun(experiment: "e", id: "r\(i)", c)
                try t.store.logToRun("r\(i)", metrics: [series("m", [Double(i)])], c)
            }
        }
        return t
    }

    @Test("a transaction that fails after changing runs in several chunks leaves every run as it was; one that succeeds equals a replay")
    func transactionsOverChunks() throws {
        let n = RunChunks.chunkSize + 40
        let t = try Self.store(runs: n)
        let before = StateCodec.encode(t.store.state)
        #expect(throws: LogbookError.self) {
            try t.store.transaction { () throws(LogbookError) in
                try t.store.logToRun("r3", metrics: [series("m", [-1, -2])], t.ctx())
                try t.store.endRun("r\(n - 1)", t.ctx())
                _ = try t.store.startRun(experiment: "e", id: "new", t.ctx())
                try t.store.endRun("no-such-run", t.ctx())
            }
        }
        #expect(StateCodec.encode(t.store.state) == before)
        #expect(t.store.state.run(id: "new") == nil && t.store.state.run(id: "r\(n - 1)")?.status == .running)

        try t.store.transaction { () throws(LogbookError) in
            try t.store.logToRun("r3", metrics: [series("m", [5000])], t.ctx())
            try t.store.endRun("r\(n - 1)", t.ctx())
            _ = try t.store.startRun(experiment: "e", id: "new", t.ctx())
        }
        let s = t.store.state
        #expect(s.runs.count == n + 1 && s.run(id: "new")?.ordinal == n + 1)
        #expect(s.bestRun(experiment: nil, metric: "m")?.run.id == "r3")
        #expect(s == (try fullReplay(t)))
    }

    @Test("an experiment's run counts skim the runs of a snapshot (status and deleted flag) without decoding them, and agree with the runs")
    func runCountsSkim() throws {
        let t = try Self.store(runs: 40)
        for i in stride(from: 0, to: 40, by: 3) { try t.store.endRun("r\(i)", status: i % 2 == 0 ? .finished : .failed, t.ctx()) }
        for i in stride(from: 0, to: 40, by: 5) { try t.store.deleteRun("r\(i)", t.ctx()) }
        try t.store.writeSnapshot()
        try t.reopen(writable: true)
        // Changed since the snapshot (r1 deleted, r2 ended) and added since (two runs, one deleted).
        try t.store.deleteRun("r1", t.ctx())
        try t.store.endRun("r2", t.ctx())
        _ = try t.store.startRun(experiment: "e", id: "late", t.ctx())
        _ = try t.store.startRun(experiment: "e", id: "gone", t.ctx())
        try t.store.deleteRun("gone", t.ctx())
        let s = t.store.state
        let e = try #require(s.experiments.first)
        let counts = s.runCounts(of: e)
        #expect(s.runs.decodedRuns == 2, "only the two runs changed since the snapshot were decoded")
        let runs = e.runs.map { s.runs[$0 - 1] }
        for r in runs { #expect(s.runs.liveness(r.ordinal - 1) == RunLiveness(r), "run \(r.id)") }
        #expect(counts.live == runs.filter { !$0.isDeleted }.count && counts.running == runs.filter { !$0.isDeleted && $0.status == .running }.count)
        #expect(counts.live == 42 - 9 - 1 && counts.running > 0)

        // A scan of every run reads the changed ones (r1, r2, between unchanged runs) from their slots.
        var scanned: [RunLiveness] = []
        s.runs.forEachRun { i, r in
            #expect(r.pointee.ordinal == i + 1)
            scanned.append(RunLiveness(r.pointee))
        }
        #expect(scanned == runs.map(RunLiveness.init))
        let finished = try RunFilter(parsing: "attributes.status = 'FINISHED'").runs(in: s).map(\.id)
        #expect(finished == runs.filter { $0.status == .finished }.map(\.id) && finished.contains("r2"))

        // The newest live runs, as a sort of every run would list them.
        let sorted = runs.filter { !$0.isDeleted }.sorted { ($0.startTime, $0.ordinal) > ($1.startTime, $1.ordinal) }
        for limit in [0, 1, 2, 5, 31, 32, 33, 100] {
            #expect(s.newestLiveRuns(limit: limit).map(\.id) == sorted.prefix(limit).map(\.id), "limit \(limit)")
        }
    }

    @Test("the newest runs of a large snapshot are read without decoding the others")
    func newestRunsReadFew() throws {
        let t = try Self.store(runs: 300)
        try t.store.deleteRun("r299", t.ctx())
        try t.store.writeSnapshot()
        try t.reopen(writable: false)
        let newest = t.store.state.newestLiveRuns(limit: 3)
        #expect(newest.map(\.id) == ["r298", "r297", "r296"])
        #expect(t.store.state.runs.decodedRuns == 3)
    }

    @Test("after writing a snapshot a writer's runs read from its bytes; runs changed after it, and the next snapshot, equal a replay byte for byte")
    func writerAdoptsItsSnapshot() throws {
        let t = try Self.store(runs: 40)
        try t.store.writeSnapshot()
        #expect(t.store.state.runs.decodedRuns == 0)
        #expect(t.store.state.runs.count == 40)
        #expect(t.store.state.run(id: "r7")?.latest.first?.value == 7)
        #expect(t.store.state.runs.decodedRuns == 1)

        try t.store.logToRun("r7", metrics: [series("m", [100])], t.ctx())
        _ = try t.store.startRun(experiment: "e", id: "late", t.ctx())
        try t.store.registerVersion(model: "m", run: "r9", t.ctx())
        #expect(t.store.state.bestRun(experiment: nil, metric: "m")?.run.id == "r7")
        #expect(t.store.state.run(id: "r9")?.registeredVersions == 1)
        let replayed = try fullReplay(t)
        #expect(t.store.state == replayed)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(replayed))
        try t.store.writeSnapshot()
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(try fullReplay(t)))
        try t.reopen(writable: false)
        #expect(t.store.state == replayed)
        _ = try t.store.check()
    }
}
