import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

/// 2026-03-01T14:00:00.000Z.
private let t0: Int64 = 1_772_373_600_000

/// Five runs:
///
/// | run | experiment | name | start | params | tags | metrics | status |
/// |---|---|---|---|---|---|---|---|
/// | r1 | churn | baseline | t0 | lr=0.01 | team=growth | acc 0.95, loss 0.2 | FINISHED (t0+5s) |
/// | r2 | churn | deep-net | t0+1s | lr=0.1 | team=risk | acc 0.85 | FAILED (t0+6s) |
/// | r3 | fraud | Baseline v2 | t0+2s | lr=0.01, batch=32 | | loss 0.5 | RUNNING |
/// | r4 | churn | my run | t0+3s | | team=Growth | `my key` 3 | RUNNING |
/// | r5 | churn | run-5 | t0+3s | | | acc NaN | RUNNING |
private final class Fixture {
    let directory = TemporaryDirectory("run-filter")
    private(set) var store: LogbookStore

    /// `reopened`: a snapshot is written after r1, r2 and r3 start and the store reopened from it, so that the filter
    /// reads runs packed in the snapshot (all three then changed) and runs added since (r4, r5).
    init(reopened: Bool = false) throws {
        var options = StoreOptions()
        options.durable = false
        let path = directory.appending("store")
        store = try LogbookStore(at: path, writable: true, options: options)
        func at(_ ms: Int64) -> WriteContext { WriteContext(actor: "ana", time: t0 + ms) }
        func points(_ pairs: [(String, Double)]) -> [MetricSeries] {
            pairs.map { MetricSeries(key: $0.0, points: [MetricPoint(step: 0, value: $0.1, time: t0)]) }
        }
        try store.createExperiment(name: "churn", at(0))
        try store.createExperiment(name: "fraud", at(0))
        try store.startRun(experiment: "churn", name: "baseline", id: "r1", at(0))
        try store.startRun(experiment: "churn", name: "deep-net", id: "r2", at(1000))
        try store.startRun(experiment: "fraud", name: "Baseline v2", id: "r3", at(2000))
        if reopened {
            try store.writeSnapshot()
            try store.close()
            store = try LogbookStore(at: path, writable: true, options: options)
        }
        try store.startRun(experiment: "churn", name: "my run", id: "r4", at(3000))
        try store.startRun(experiment: "churn", id: "r5", at(3000))
        try store.logToRun("r1", params: [KeyValue("lr", "0.01")], metrics: points([("acc", 0.95), ("loss", 0.2)]),
                           tags: [KeyValue("team", "growth")], at(4000))
        try store.logToRun("r2", params: [KeyValue("lr", "0.1")], metrics: points([("acc", 0.85)]),
                           tags: [KeyValue("team", "risk")], at(4000))
        try store.logToRun("r3", params: [KeyValue("lr", "0.01"), KeyValue("batch", "32")], metrics: points([("loss", 0.5)]),
                           at(4000))
        try store.logToRun("r4", metrics: points([("my key", 3)]), tags: [KeyValue("team", "Growth")], at(4000))
        try store.logToRun("r5", metrics: points([("acc", .nan)]), at(4000))
        try store.endRun("r1", status: .finished, at(5000))
        try store.endRun("r2", status: .failed, at(6000))
    }

    /// The ids of the matching runs, the same whether each run is asked (``RunFilter/matches(_:in:)``) or the
    /// state is searched at once (``RunFilter/runs(in:)``, metric keys looked up once): a difference is an issue.
    func filter(_ text: String) throws -> [String] {
        let f = try RunFilter(parsing: text)
        let oneByOne = store.state.runs.filter { f.matches($0, in: store.state) }.map(\.id)
        let atOnce = f.runs(in: store.state).map(\.id)
        #expect(atOnce == oneByOne, "\(text)")
        return oneByOne
    }

    func order(_ text: String) throws -> [String] {
        try RunOrder(parsing: text).sort(store.state.runs, in: store.state).map(\.id)
    }
}

private func usageMessage(_ body: () throws(LogbookError) -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return error.code == .usage ? error.message : "code \(error.code): \(error.message)"
    }
}

struct RunFilterTests {
    @Test("filters select the runs MLflow would", arguments: [
        ("", ["r1", "r2", "r3", "r4", "r5"]),
        ("   ", ["r1", "r2", "r3", "r4", "r5"]),
        ("metrics.acc > 0.9", ["r1"]),
        ("metrics.acc >= 0.85", ["r1", "r2"]),
        ("metrics.acc != 0.95", ["r2", "r5"]),
        ("metrics.acc = 0.85", ["r2"]),
        ("metrics.acc == 0.85", ["r2"]),
        ("metrics.acc <> 0.85", ["r1", "r5"]),
        ("metric.loss < 0.3", ["r1"]),
        ("metrics.loss <= 0.5", ["r1", "r3"]),
        ("metrics.loss>=0.2", ["r1", "r3"]),
        ("metrics.`my key` = 3", ["r4"]),
        ("metrics.\"my key\" = 3e0", ["r4"]),
        ("params.lr = '0.01'", ["r1", "r3"]),
        ("params.lr = \"0.01\"", ["r1", "r3"]),
        ("params.lr = 0.01", ["r1", "r3"]),
        ("params.lr != '0.01'", ["r2"]),
        ("params.batch LIKE '3%'", ["r3"]),
        ("tags.team != 'x'", ["r1", "r2", "r4"]),
        ("tags.team = 'growth'", ["r1"]),
        ("tags.team LIKE 'G%'", ["r4"]),
        ("tags.team ILIKE 'GROW%'", ["r1", "r4"]),
        ("tags.team like '_is_'", ["r2"]),
        ("tags.team = 'it''s'", []),
        ("attributes.status = 'FINISHED'", ["r1"]),
        ("attributes.status = 'running'", ["r3", "r4", "r5"]),
        ("attributes.status != 'RUNNING'", ["r1", "r2"]),
        ("attributes.run_name LIKE '%aseline%'", ["r1", "r3"]),
        ("attributes.run_name LIKE 'b_seline'", ["r1"]),
        ("attributes.run_name ILIKE 'baseline%'", ["r1", "r3"]),
        ("run_name = 'my run'", ["r4"]),
        ("attributes.name = 'deep-net'", ["r2"]),
        ("attributes.run_id = 'r2'", ["r2"]),
        ("attributes.experiment = 'fraud'", ["r3"]),
        ("attributes.experiment_id = 2", ["r3"]),
        ("attributes.start_time >= \(t0 + 2000)", ["r3", "r4", "r5"]),
        ("attributes.start_time < '2026-03-01T14:00:01Z'", ["r1"]),
        ("attributes.end_time > 0", ["r1", "r2"]),
        ("attributes.end_time != 0", ["r1", "r2"]),
        ("metrics.acc > 0.8 AND params.lr = '0.01' and tags.team = 'growth'", ["r1"]),
        ("params.lr = '0.01' AnD metrics.loss > 0.3", ["r3"]),
        ("metrics.acc > 0.8 and metrics.acc < 0.9", ["r2"]),
        ("metrics.nosuch != 0", []),
        ("metrics.nosuch < 1 and params.lr = '0.01'", []),
    ] as [(String, [String])])
    func matching(filter: String, expected: [String]) throws {
        #expect(try Fixture().filter(filter) == expected)
    }

    @Test("a filter reads runs from a snapshot, changed since, and started since as it reads runs never snapshotted")
    func fromSnapshot() throws {
        let fresh = try Fixture(), reopened = try Fixture(reopened: true)
        #expect(reopened.store.state.runs == fresh.store.state.runs)
        for text in ["", "metrics.acc >= 0.85", "params.lr = '0.01'", "tags.team ILIKE 'GROW%'", "attributes.status = 'running'",
                     "metrics.acc > 0.8 AND params.lr = '0.01' and tags.team = 'growth'", "metrics.nosuch != 0"] {
            #expect(try reopened.filter(text) == fresh.filter(text), "\(text)")
        }
    }

    @Test("filter errors name the position and what was expected", arguments: [
        ("metrics.acc >", "at character 14: expected a value (a number or a quoted string), found the end of the filter"),
        ("metrics.acc 0.9", "at character 13: expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE) after 'metrics.acc', found '0'"),
        ("metrics.acc > 0.9 or params.x = '1'", "at character 19: OR is not supported: only AND joins conditions"),
        ("metrics.acc > 0.9 and", "at character 22: expected a condition after AND, found the end of the filter"),
        ("metrics.acc > 0.9 and ", "at character 23: expected a condition after AND, found the end of the filter"),
        ("metrics.acc > 1 metrics.loss < 2", "at character 17: expected AND or the end of the filter, found 'metrics'"),
        ("foo.bar = 1", "at character 1: unknown entity 'foo': use metrics., params., tags. or attributes."),
        ("colour = 1", "at character 1: unknown field 'colour'"),
        ("attributes.colour = 'x'", "at character 12: unknown attribute 'colour'"),
        ("metrics.acc LIKE '0.9'", "at character 13: 'metrics.acc' is a number: compare it with =, !=, <, <=, >, >=, not LIKE"),
        ("params.lr > '0.01'", "at character 11: 'params.lr' is a string: compare it with =, !=, LIKE or ILIKE, not >"),
        ("metrics.acc = 'high'", "at character 15: 'metrics.acc' is a number: compare it with a number, not the string 'high'"),
        ("attributes.start_time > 'yesterday'", "at character 25: 'attributes.start_time' is a time"),
        ("params.lr = '0.01", "at character 13: unterminated string (no closing ')"),
        ("(metrics.acc > 1)", "at character 1: expected a field such as metrics.KEY"),
        ("metrics. = 1", "at character 9: expected a key after 'metrics.'"),
        ("metrics.`my key = 1", "at character 9: unterminated quoted key"),
        ("metrics.acc > 1.2.3", "at character 15: '1.2.3' is not a number"),
        ("metrics.acc > abc", "at character 15: expected a value (a number or a quoted string), found 'abc'"),
        ("params.lr NOT LIKE 'x'", "at character 11: only =, !=, <, <=, >, >=, LIKE and ILIKE are supported"),
    ] as [(String, String)])
    func filterErrors(filter: String, message: String) {
        let got = usageMessage { () throws(LogbookError) in _ = try RunFilter(parsing: filter) }
        #expect(got?.hasPrefix("Invalid filter " + message) == true, "\(filter): \(got ?? "parsed")")
    }

    @Test("orders sort by the keys, lacking runs last, ties by newest start then id", arguments: [
        ("", ["r4", "r5", "r3", "r2", "r1"]),
        ("metrics.acc DESC", ["r1", "r2", "r5", "r4", "r3"]),
        ("metrics.acc", ["r2", "r1", "r5", "r4", "r3"]),
        ("metrics.acc asc", ["r2", "r1", "r5", "r4", "r3"]),
        ("params.lr", ["r3", "r1", "r2", "r4", "r5"]),
        ("params.lr DESC, metrics.loss", ["r2", "r1", "r3", "r4", "r5"]),
        ("params.lr DESC , metrics.loss DESC", ["r2", "r3", "r1", "r4", "r5"]),
        ("attributes.start_time ASC", ["r1", "r2", "r3", "r4", "r5"]),
        ("start_time desc", ["r4", "r5", "r3", "r2", "r1"]),
        ("attributes.end_time", ["r1", "r2", "r4", "r5", "r3"]),
        ("attributes.end_time DESC", ["r2", "r1", "r4", "r5", "r3"]),
        ("tags.team", ["r4", "r1", "r2", "r5", "r3"]),
        ("attributes.run_name DESC", ["r5", "r4", "r2", "r1", "r3"]),
        ("attributes.experiment DESC, attributes.run_id DESC", ["r3", "r5", "r4", "r2", "r1"]),
        ("metrics.`my key` DESC", ["r4", "r5", "r3", "r2", "r1"]),
    ] as [(String, [String])])
    func ordering(order: String, expected: [String]) throws {
        #expect(try Fixture().order(order) == expected)
    }

    @Test("order errors name the position and what was expected", arguments: [
        ("metrics.acc DESCENDING", "at character 13: expected ASC, DESC, ',' or the end of the order-by, found 'DESCENDING'"),
        ("metrics.acc,", "at character 13: expected a field after ',', found the end of the order-by"),
        ("colour", "at character 1: unknown field 'colour'"),
        ("metrics.acc DESC params.lr", "at character 18: expected ASC, DESC, ',' or the end of the order-by, found 'params'"),
    ] as [(String, String)])
    func orderErrors(order: String, message: String) {
        let got = usageMessage { () throws(LogbookError) in _ = try RunOrder(parsing: order) }
        #expect(got?.hasPrefix("Invalid order-by " + message) == true, "\(order): \(got ?? "parsed")")
    }

    @Test("sorting is a permutation and agrees with pairwise comparison on many random runs")
    func randomSort() throws {
        let f = try Fixture()
        var g = SeededGenerator(seed: 11)
        var runs: [Run] = []
        for _ in 0..<200 { runs.append(f.store.state.runs[Int(g.next() % 5)]) }
        let sorted = try RunOrder(parsing: "metrics.acc DESC, params.lr").sort(runs, in: f.store.state)
        #expect(sorted.count == runs.count)
        #expect(sorted.map(\.id).sorted() == runs.map(\.id).sorted())
        let rank = Dictionary(uniqueKeysWithValues: ["r1", "r2", "r5", "r3", "r4"].enumerated().map { ($1, $0) })
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { rank[$0.id]! <= rank[$1.id]! })
    }
}
