import Logbook
import LogbookEvents
import LogbookStorage

/// `logbook-bench soak`: a million commands through the library, each its own durable write, with automatic
/// snapshots; every tenth of the way the store is closed and reopened. It reports the resident memory and the open
/// time at each tenth, with the state's encoded size: memory should follow the state (no leak), and the open time
/// stays bounded by the state's size, not the history's length, because an open reads the newest snapshot and
/// replays at most a snapshot interval of events.
struct SoakBenchmark {
    let commands: Int
    let directory: ScratchDirectory
    let progress: (String) -> Void

    /// The command mix, by `i % 10`: six metric points, a tag, an alias move, an A/B assignment and a param. A new
    /// run every 10,000 commands, as a training job would start one.
    func command(_ i: Int, _ store: LogbookStore, _ ctx: WriteContext) throws {
        let run = "run-\(i / 10_000)"
        if i % 10_000 == 0 { try store.startRun(experiment: "soak", id: run, ctx) }
        switch i % 10 {
        case 0...5:
            let point = MetricPoint(step: Int64(i), value: 1 / Double(i + 1), time: ctx.time!)
            try store.logToRun(run, metrics: [MetricSeries(key: "loss", points: [point])], ctx)
        case 6: try store.logToRun(run, tags: [KeyValue("phase", "p\(i % 7)")], ctx)
        case 7: try store.setAlias(model: "m", alias: "champion", version: 1 + (i / 10) % 2, ctx)
        case 8: _ = try store.assign(test: "t", units: ["u\(i)"], ctx)
        default: try store.logToRun(run, params: [KeyValue("p\(i)", "v")], ctx)
        }
    }

    func run() throws -> [Metric] {
        let root = directory.path + "/soak-store"
        let start: Int64 = 1_772_373_600_000
        var store = try LogbookStore(at: root, writable: true)
        var ctx = WriteContext(actor: "soak", reason: "soak", time: start)
        try store.createExperiment(name: "soak", ctx)
        try store.startRun(experiment: "soak", id: "base", ctx)
        for _ in 0..<2 { try store.registerVersion(model: "m", run: "base", ctx) }
        _ = try store.createABTest(name: "t", model: "m",
                                   variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000), ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                   metric: "conversion", ctx)
        try store.startABTest("t", ctx)

        let tenth = max(1, commands / 10)
        var rss: [Double] = [], open: [Double] = [], stateMB: [Double] = []
        var watch = Stopwatch()
        var writing = 0.0
        for i in 0..<commands {
            ctx.time = start + Int64(i + 1) * 10
            try command(i, store, ctx)
            if (i + 1) % tenth == 0 {
                writing += watch.elapsedSeconds
                try store.close()
                let openWatch = Stopwatch()
                store = try LogbookStore(at: root, writable: true)
                open.append(openWatch.elapsedSeconds * 1000)
                rss.append(MachineInfo.residentMegabytes())
                stateMB.append(Double(StateCodec.encode(store.state).count) / 1_048_576)
                progress("\(i + 1) commands: RSS \(formatNumber(rss.last!, decimals: 1)) MiB, open \(formatNumber(open.last!, decimals: 1)) ms, "
                         + "\(store.state.lastSequence) events, state \(formatNumber(stateMB.last!, decimals: 1)) MiB encoded")
                watch = Stopwatch()
            }
        }
        try store.close()
        let snapshots = (try? FileIO().listDirectory(root + "/snapshots"))?.count ?? 0
        return [
            Metric(key: "soak_commands", value: Double(commands), decimals: 0, unit: "commands"),
            Metric(key: "soak_commands_per_s", value: Double(commands) / writing, decimals: 0, unit: "commands/s"),
            Metric(key: "soak_rss_mb_first_tenth", value: rss.first ?? 0, decimals: 1, unit: "MiB"),
            Metric(key: "soak_rss_mb_end", value: rss.last ?? 0, decimals: 1, unit: "MiB"),
            Metric(key: "soak_rss_mb_max", value: rss.max() ?? 0, decimals: 1, unit: "MiB"),
            Metric(key: "soak_state_mb_first_tenth", value: stateMB.first ?? 0, decimals: 1, unit: "MiB"),
            Metric(key: "soak_state_mb_end", value: stateMB.last ?? 0, decimals: 1, unit: "MiB"),
            Metric(key: "soak_open_ms_first_tenth", value: open.first ?? 0, decimals: 1, unit: "ms"),
            Metric(key: "soak_open_ms_end", value: open.last ?? 0, decimals: 1, unit: "ms"),
            Metric(key: "soak_open_ms_max", value: open.max() ?? 0, decimals: 1, unit: "ms"),
            Metric(key: "soak_snapshots", value: Double(snapshots), decimals: 0, unit: "files"),
            Metric(key: "soak_store_mb", value: Double(directory.bytes(under: root)) / 1_048_576, decimals: 1, unit: "MiB"),
        ]
    }
}

func runSoak(_ arguments: ArraySlice<String>) -> Int32 {
    let (value, passed) = extractOption("--commands", from: arguments)
    var commands = 1_000_000
    if let value {
        guard let n = Int(value), n >= 10, n <= 100_000_000 else { usageError("--commands needs a number from 10 to 100000000") }
        commands = n
    }
    return runSuite(parse(passed)) { scratch, progress in
        try SoakBenchmark(commands: commands, directory: scratch, progress: progress).run()
    }
}
