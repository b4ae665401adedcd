@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

/// `searchRuns` (what `run list` shows) reads a snapshot's runs in place from their bytes; these tests hold it to what
/// the decoded runs give.
@Suite("Run search reads snapshot runs in place")
struct RunSearchTests {
    /// Three experiments of eight runs, snapshotted and reopened read-only, so that every run is packed and unchanged.
    /// Params `lr` (four values) and, for some runs, `café` (NFC) and a long value; tags `team` (three values, one
    /// run without); metric `m` (ties, a NaN), `loss` for some; statuses of every kind; two deleted runs; nested runs;
    /// runs 2 and 3 of each experiment start at the same time.
    static func store() throws -> TestStore {
        let t = try TestStore()
        for e in 1...3 {
            try t.store.createExperiment(name: "e\(e)", t.ctx())
            for r in 1...8 {
                let id = "e\(e)-r\(r)"
                if r != 3 {
                    let context = t.ctx()
                    for started in r == 2 ? [2, 3] : [r] {
                        _ = try t.store.startRun(experiment: "e\(e)", name: "run \(started)", id: "e\(e)-r\(started)",
                                                 parent: started == 4 ? "e\(e)-r1" : nil, context)
                    }
                }
                var params = [KeyValue("lr", "0.\(r % 4)")]
                if r % 3 == 0 { params.append(KeyValue("caf\u{E9}", "x")) }
                if r == 5 { params.append(KeyValue("note", String(repeating: "long value ", count: 4))) }
                var metrics = [series("m", [Double(r), r == 6 ? .nan : Double((e * r) % 5)])]
                if r % 2 == 0 { metrics.append(series("loss", [1.0 / Double(r)])) }
                try t.store.logToRun(id, params: params, metrics: metrics,
                                     tags: r == 7 ? [] : [KeyValue("team", "t\(r % 3)")], t.ctx())
                if r % 4 == 1 { try t.store.endRun(id, status: .finished, t.ctx()) }
                if r % 4 == 2 { try t.store.endRun(id, status: .failed, t.ctx()) }
            }
        }
        try t.store.deleteRun("e1-r8", t.ctx())
        try t.store.deleteRun("e3-r5", t.ctx())
        try t.store.writeSnapshot()
        try t.reopen(writable: false)
        return t
    }

    /// What `searchRuns` must return, from the decoded runs of `state`: filtered, newest first, ordered, cut.
    static func expected(_ state: LogbookState, experiment: String?, filter: String, order: String, limit: Int?,
                         includeDeleted: Bool) throws -> [String] {
        let f = try RunFilter(parsing: filter)
        var runs = Array(state.runs).filter { run in
            (experiment == nil || state.experiments[run.experiment - 1].name == experiment)
                && (includeDeleted || !run.isDeleted) && f.matches(run, in: state)
        }
        runs.sort { ($0.startTime, $0.ordinal) > ($1.startTime, $1.ordinal) }
        if !order.isEmpty { runs = try RunOrder(parsing: order).sort(runs, in: state) }
        return runs.prefix(limit ?? .max).map(\.id)
    }

    static let filters = ["", "metrics.m > 1", "metrics.m >= 2 and params.lr = '0.1'", "metrics.loss < 0.3",
                          "metrics.nosuch = 1", "params.lr != '0.2'", "params.`cafe\u{301}` = 'x'", "params.note LIKE 'long%'",
                          "tags.team = 't1'", "tags.team ILIKE 'T_'", "attributes.status = 'finished'",
                          "attributes.run_name LIKE '_un 2'", "attributes.run_id = 'e2-r3'", "attributes.experiment = 'e2'",
                          "attributes.experiment_id >= 2", "attributes.end_time > 0", "attributes.start_time < 1772373610000"]
    static let orders = ["", "metrics.m DESC", "metrics.m", "params.lr, metrics.loss DESC", "tags.team DESC",
                         "attributes.start_time", "attributes.run_id DESC", "attributes.end_time"]

    @Test("searches over a snapshot's runs, read in place, return what the decoded runs give, and decode only the runs returned (all at once when they are a quarter or more)")
    func inPlaceEqualsDecoded() throws {
        let t = try Self.store()
        let replayed = try fullReplay(t)
        var cases = 0
        for filter in Self.filters {
            for order in Self.orders {
                for (limit, includeDeleted) in [(nil, false), (3, false), (nil, true), (1, true), (0, false), (4, true)]
                    as [(Int?, Bool)] {
                    // A new reader each time: only the first scan of a process reads the runs in place.
                    try t.reopen(writable: false)
                    let s = t.store.state
                    let got = s.searchRuns(filter: try RunFilter(parsing: filter), order: order.isEmpty ? nil : try RunOrder(parsing: order),
                                           limit: limit, includeDeleted: includeDeleted)
                    let want = try Self.expected(replayed, experiment: nil, filter: filter, order: order, limit: limit,
                                                 includeDeleted: includeDeleted)
                    #expect(got.map(\.id) == want, "filter \(filter), order \(order), limit \(String(describing: limit)), all \(includeDeleted)")
                    #expect(s.runs.decodedRuns == (got.count >= 24 / 4 ? 24 : got.count), "filter \(filter), order \(order)")
                    #expect(got == got.map { replayed.runs[$0.ordinal - 1] })
                    cases += 1
                }
            }
        }
        #expect(cases == Self.filters.count * Self.orders.count * 6)
        // Every filter selects some runs and leaves out others, except the one naming a missing metric.
        for filter in Self.filters where filter != "" && filter != "metrics.nosuch = 1" {
            let n = try Self.expected(replayed, experiment: nil, filter: filter, order: "", limit: nil, includeDeleted: true).count
            #expect(n > 0 && n < 24, "\(filter): \(n)")
        }
    }

    @Test("a search within one experiment, and one with a limit alone, give what the decoded runs give")
    func experimentAndLimit() throws {
        let t = try Self.store()
        let replayed = try fullReplay(t)
        let s = t.store.state
        for (filter, order) in [("", ""), ("metrics.m > 1", "metrics.m DESC"), ("tags.team != 't0'", "attributes.run_id")] {
            let got = s.searchRuns(experiment: s.experiment(named: "e3"), filter: try RunFilter(parsing: filter),
                                   order: order.isEmpty ? nil : try RunOrder(parsing: order))
            #expect(got.map(\.id) == (try Self.expected(replayed, experiment: "e3", filter: filter, order: order, limit: nil,
                                                        includeDeleted: false)))
        }
        for limit in [0, 1, 5, 30] {
            #expect(s.searchRuns(limit: limit).map(\.id)
                    == (try Self.expected(replayed, experiment: nil, filter: "", order: "", limit: limit, includeDeleted: false)))
        }
    }

    @Test("the first scan of all runs reads them in place; the next decodes them all once, as a long-lived process wants")
    func firstScanSkims() throws {
        let t = try Self.store()
        let f = try RunFilter(parsing: "params.lr = '0.1' and tags.team = 't1'")
        let first = f.runs(in: t.store.state)
        #expect(first.map(\.id) == ["e1-r1", "e2-r1", "e3-r1"])
        #expect(t.store.state.runs.decodedRuns == 3)
        #expect(f.runs(in: t.store.state) == first)
        #expect(t.store.state.runs.decodedRuns == 24)
    }

    @Test("every field of every run reads in place as it reads decoded (the fuzzer's snapshot target checks the same)")
    func fieldsReadInPlace() throws {
        let t = try Self.store()
        #expect(t.store.state.runs.skimMismatch(in: t.store.state) == nil)
        #expect(t.store.state.runs.decodedRuns == 0)
    }

    @Test("many runs at once (decoded together) and a few (one by one) are the runs, changed and added ones included")
    func runsAtIndices() throws {
        let t = try Self.store()
        try t.reopen()
        try t.store.logToRun("e2-r4", params: [KeyValue("later", "1")], t.ctx())
        _ = try t.store.startRun(experiment: "e1", id: "new", t.ctx())
        let replayed = try fullReplay(t)
        let all = Array(0..<25)
        for indices in [[3, 24], [24, 11], all, all.reversed(), Array(all.dropFirst(10))] {
            try t.reopen(writable: false)
            #expect(t.store.state.runs.runs(at: indices) == indices.map { replayed.runs[$0] }, "\(indices)")
        }
    }

    @Test("the first N in an order, kept in a small sorted buffer, are the first N of the whole sorted list")
    func firstOfOrder() {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let count = Int.random(in: 0...300, using: &g)
            let keys = (0..<count).map { _ in Int.random(in: 0..<20, using: &g) } // many ties, broken by position
            let precedes = { (a: Int, b: Int) in (keys[a], a) < (keys[b], b) }
            let sorted = (0..<count).sorted(by: precedes)
            for limit in [0, 1, 2, count / 8, count / 8 + 1, count, count + 5] {
                #expect(RunOrder.first(count, limit: limit, by: precedes) == Array(sorted.prefix(limit)), "\(count) \(limit)")
            }
            #expect(RunOrder.first(count, limit: nil, by: precedes) == sorted)
        }
    }

    @Test("strings read in place compare as Swift compares them: bytes, or canonical equivalence beyond ASCII")
    func inPlaceEquality() {
        func equal(_ bytes: [UInt8], _ s: String) -> Bool { bytes.withUnsafeBytes { RunSkim.equal($0, s) } }
        #expect(equal(Array("lr".utf8), "lr"))
        #expect(equal([], ""))
        #expect(!equal(Array("lr".utf8), "lR"))
        #expect(!equal(Array("lr".utf8), "lr "))
        #expect(!equal([], "a"))
        #expect(equal(Array("caf\u{E9}".utf8), "cafe\u{301}"))
        #expect(equal(Array("cafe\u{301}".utf8), "caf\u{E9}"))
        #expect(!equal(Array("caf\u{E9}".utf8), "cafe"))
        #expect(!equal(Array("cafe".utf8), "caf\u{E9}"))
    }
}
