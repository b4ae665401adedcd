import Logbook
import LogbookEvents

/// Full replay of logs of small events, one item each: what a training script that logs one value per call, or a
/// service that logs one prediction or one A/B unit per call, writes. The reference workload's events carry 1,000
/// points or 5,000 units each, so its replay measures bytes; these measure the cost of an event.
struct SmallEventReplay {
    /// Events in each log (after a setup of about 110).
    static let events = 200_000
    /// Events per transaction (one batch, one fdatasync) while generating.
    static let perBatch = 1_000
    static let runs = 100

    let directory: ScratchDirectory

    /// `(points, mixed)`: events per second replaying a log of one-point metric events only, and of a mix
    /// (70% one-point metric events, 10% one prediction, 5% one A/B unit assigned, 5% one outcome, 10% one tag set).
    func run() throws -> (points: Double, mixed: Double) {
        (try replayRate(of: try build("small-points-store", mixed: false)),
         try replayRate(of: try build("small-mixed-store", mixed: true)))
    }

    private func replayRate(of root: String) throws -> Double {
        var best = Double.infinity
        var events: UInt64 = 0
        for _ in 0..<5 {
            let replay = try timed { try LogbookStore.loadStateIgnoringSnapshots(at: root) }
            best = min(best, replay.seconds)
            events = replay.result.lastSequence
        }
        return Double(events) / best
    }

    private func build(_ name: String, mixed: Bool) throws -> String {
        let root = directory.path + "/" + name
        var clock = ReferenceBenchmarks.start
        func ctx() -> WriteContext {
            clock += 1
            return WriteContext(actor: "bench", time: clock)
        }
        var g = SplitMix(seed: 7)
        let store = try LogbookStore(at: root, writable: true)
        _ = try store.createExperiment(name: "small", ctx())
        for r in 0..<Self.runs { _ = try store.startRun(experiment: "small", id: "s\(r)", ctx()) }
        if mixed {
            _ = try store.createModel(name: "small-model", ctx())
            for r in 0..<2 { _ = try store.registerVersion(model: "small-model", run: "s\(r)", ctx()) }
            try store.createABTest(name: "small-ab", model: "small-model",
                                   variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                              ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                   metric: "converted", ctx())
            try store.startABTest("small-ab", ctx())
        }
        var assigned = 0, recorded = 0, step: Int64 = 0
        for _ in 0..<(Self.events / Self.perBatch) {
            try store.transaction { () throws(LogbookError) in
                for _ in 0..<Self.perBatch {
                    let c = ctx()
                    let run = "s\(g.next() % UInt64(Self.runs))"
                    let roll = mixed ? g.next() % 100 : 0
                    switch roll {
                    case 70..<80:
                        _ = try store.logPredictions(model: "small-model", version: 1 + Int(g.next() % 2),
                                                     [(latency: 5 + g.unit() * 20, prediction: g.unit(), actual: nil)], c)
                    case 80..<85:
                        assigned += 1
                        _ = try store.assign(test: "small-ab", units: ["u\(assigned)"], c)
                    case 85..<90 where recorded < assigned:
                        recorded += 1
                        try store.recordOutcomes(test: "small-ab", [("u\(recorded)", Double(g.next() % 2), nil)], c)
                    case 85..<100:
                        try store.logToRun(run, tags: [KeyValue("k\(g.next() % 7)", "v\(g.next() % 1000)")], c)
                    default:
                        step += 1
                        try store.logToRun(run, metrics: [MetricSeries(key: "m\(step % 5)", points: [
                            MetricPoint(step: step, value: g.unit(), time: c.time!),
                        ])], c)
                    }
                }
            }
        }
        try store.close()
        return root
    }
}
