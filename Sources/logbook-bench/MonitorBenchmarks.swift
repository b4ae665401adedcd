import Logbook
import LogbookEvents
import LogbookStorage

/// `logbook-bench monitor`: predictions logged per second through the library in durable batches, and the cost of
/// `monitor status` over 10,000,000 logged predictions from an open store. docs/performance.md has the numbers.
struct MonitorBenchmarks {
    /// Predictions in the timed logging run.
    static let timedPredictions = 2_000_000
    /// Predictions in the store when status is measured.
    static let totalPredictions = 10_000_000
    /// Predictions per `logPredictions` call: one durable batch (one write, one fdatasync) each.
    static let batchSize = 20_000
    /// Timed `monitorStatus` calls; the median is reported.
    static let statusSamples = 50

    let directory: ScratchDirectory
    let progress: (String) -> Void

    func run() throws -> [Metric] {
        let root = directory.path + "/monitor-store"
        let start: Int64 = 1_772_373_600_000
        let store = try LogbookStore(at: root, writable: true)
        var ctx = WriteContext(actor: "bench", time: start)
        try store.createExperiment(name: "e", ctx)
        try store.startRun(experiment: "e", id: "r", ctx)
        try store.registerVersion(model: "m", run: "r", ctx)
        var g = SplitMix(seed: 7)
        func batch() -> [(latency: Double, prediction: Double?, actual: Double?)] {
            (0..<Self.batchSize).map { _ in (g.unit() * 40 + g.unit() * g.unit() * 400, g.unit(), nil) }
        }
        // Batches are made before the clock starts; one minute of traffic per batch.
        let timedBatches = Self.timedPredictions / Self.batchSize
        progress("log: \(timedBatches) timed calls of \(Self.batchSize) predictions (one fdatasync per call)")
        var made: [[(latency: Double, prediction: Double?, actual: Double?)]] = []
        for _ in 0..<timedBatches { made.append(batch()) }
        var minute: Int64 = 0
        let watch = Stopwatch()
        for items in made {
            minute += 1
            ctx.time = start + minute * 60_000
            try store.logPredictions(model: "m", version: 1, items, ctx)
        }
        let logPerSecond = Double(Self.timedPredictions) / watch.elapsedSeconds
        made.removeAll()

        progress("filling to \(Self.totalPredictions) predictions (untimed)")
        for _ in 0..<((Self.totalPredictions - Self.timedPredictions) / Self.batchSize) {
            minute += 1
            ctx.time = start + minute * 60_000
            try store.logPredictions(model: "m", version: 1, batch(), ctx)
        }
        try store.writeSnapshot()
        try store.close()

        progress("status: open read-only, then \(Self.statusSamples) timed calls of monitorStatus over all predictions")
        let openWatch = Stopwatch()
        let reader = try LogbookStore(at: root, writable: false)
        let openMs = openWatch.elapsedSeconds * 1000
        blackHole(try reader.monitorStatus(model: "m"))
        var samples: [Double] = []
        for _ in 0..<Self.statusSamples {
            let one = Stopwatch()
            let status = try reader.monitorStatus(model: "m")
            samples.append(one.elapsedSeconds * 1000)
            precondition(status.count == UInt64(Self.totalPredictions), "status counted \(status.count)")
        }
        samples.sort()
        let windowWatch = Stopwatch()
        blackHole(try reader.monitorStatus(model: "m", since: start + (minute - 60) * 60_000))
        let lastHourMs = windowWatch.elapsedSeconds * 1000
        return [
            Metric(key: "predictions", value: Double(Self.totalPredictions), decimals: 0, unit: "predictions"),
            Metric(key: "batch_predictions", value: Double(Self.batchSize), decimals: 0, unit: "predictions/call"),
            Metric(key: "log_predictions_per_s", value: logPerSecond, decimals: 0, unit: "predictions/s", target: .atLeast(1_000_000)),
            Metric(key: "open_ms", value: openMs, decimals: 1, unit: "ms"),
            Metric(key: "status_ms", value: samples[samples.count / 2], decimals: 3, unit: "ms", target: .atMost(10)),
            Metric(key: "status_ms_max", value: samples.last!, decimals: 3, unit: "ms"),
            Metric(key: "status_last_hour_ms", value: lastHourMs, decimals: 3, unit: "ms"),
        ]
    }
}

/// A small deterministic generator for the benchmark's data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

func runMonitor(_ options: Options) -> Int32 {
    runSuite(options) { scratch, progress in try MonitorBenchmarks(directory: scratch, progress: progress).run() }
}
