import Logbook
import LogbookEvents
import LogbookStorage

/// `logbook-bench ab`: A/B assignment throughput through the library, and the cost of `ab status` on a test with
/// a million assigned units. docs/performance.md ("A/B tests") has the method and the numbers.
struct ABBenchmarks {
    /// Units assigned in the timed run (all new, so every call appends).
    static let units = 1_000_000
    /// Units per `assign(test:units:)` call: one durable batch (one write, one fdatasync) each.
    static let batchSize = 10_000
    /// Untimed warm-up calls before the timed ones (other units).
    static let warmupBatches = 2
    /// Share of the assigned units that get an outcome (recorded untimed, in batches of `outcomeBatch`).
    static let outcomeShare = 2 // every second unit
    static let outcomeBatch = 50_000
    /// Timed `abStatus` calls; the median is reported.
    static let statusSamples = 50
    /// Timed opens of the store (snapshot load + tail replay); the median is reported.
    static let openSamples = 5

    let directory: ScratchDirectory
    let progress: (String) -> Void

    private func context() -> WriteContext { WriteContext(actor: "bench") }

    private static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    func run() throws -> [Metric] {
        let root = directory.path + "/ab-store"
        let store = try makeStore(root, test: "bench")

        // The unit names are made before the clock starts.
        let batches = Self.units / Self.batchSize
        var timedUnits: [[String]] = []
        timedUnits.reserveCapacity(batches)
        for b in 0..<batches { timedUnits.append((0..<Self.batchSize).map { "user-\(b * Self.batchSize + $0)" }) }
        let warmup = (0..<Self.warmupBatches).map { b in (0..<Self.batchSize).map { "warmup-\(b)-\($0)" } }

        progress("assign: \(Self.warmupBatches) warm-up + \(batches) timed calls of \(Self.batchSize) new units (one fdatasync per call)")
        for units in warmup { blackHole(try store.assign(test: "bench", units: units, context())) }
        var batchSeconds: [Double] = []
        batchSeconds.reserveCapacity(batches)
        let watch = Stopwatch()
        for units in timedUnits {
            let one = Stopwatch()
            blackHole(try store.assign(test: "bench", units: units, context()))
            batchSeconds.append(one.elapsedSeconds)
        }
        let assignSeconds = watch.elapsedSeconds
        let assignPerSecond = Double(Self.units) / assignSeconds

        progress("sticky assign: the first 10 batches again (lookups only, nothing appended)")
        let sequenceBefore = store.state.lastSequence
        let stickyWatch = Stopwatch()
        for units in timedUnits.prefix(10) { blackHole(try store.assign(test: "bench", units: units, context())) }
        let stickyPerSecond = Double(10 * Self.batchSize) / stickyWatch.elapsedSeconds
        guard store.state.lastSequence == sequenceBefore else { throw BenchError("a sticky assignment appended") }

        progress("unit hash: ABTest.unitHash against SHA-256 with a specialized 8-byte load, 10 x \(Self.batchSize) units each")
        let (libraryHashNs, floorHashNs) = try unitHashCost(timedUnits[0])

        progress("outcomes: every \(Self.outcomeShare)nd unit, in calls of \(Self.outcomeBatch) (untimed setup, rate reported)")
        var outcomes: [(unit: String, value: Double, metric: String?)] = []
        outcomes.reserveCapacity(Self.outcomeBatch)
        var recorded = 0
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let recordWatch = Stopwatch()
        for units in timedUnits {
            for (i, u) in units.enumerated() where i % Self.outcomeShare == 0 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                outcomes.append((u, (state >> 33) % 10 == 0 ? 1 : 0, nil))
                if outcomes.count == Self.outcomeBatch {
                    try store.recordOutcomes(test: "bench", outcomes, context())
                    recorded += outcomes.count
                    outcomes.removeAll(keepingCapacity: true)
                }
            }
        }
        if !outcomes.isEmpty {
            try store.recordOutcomes(test: "bench", outcomes, context())
            recorded += outcomes.count
        }
        let recordPerSecond = Double(recorded) / recordWatch.elapsedSeconds

        progress("snapshot, close, then \(Self.openSamples) read-only opens and \(Self.statusSamples) abStatus calls")
        try store.writeSnapshot()
        try store.close()
        let snapshotBytes = directory.bytes(under: root + "/snapshots")
        let logBytes = directory.bytes(under: root + "/log")
        var openMs: [Double] = []
        var reader: LogbookStore?
        for _ in 0..<Self.openSamples {
            reader = nil
            let w = Stopwatch()
            reader = try LogbookStore(at: root, writable: false)
            openMs.append(w.elapsedSeconds * 1000)
        }
        guard let reader else { throw BenchError("no store") }
        let units = reader.state.abTest(named: "bench")?.units.reduce(0, +) ?? 0
        guard units == Self.units + Self.warmupBatches * Self.batchSize else {
            throw BenchError("the reopened store has \(units) units")
        }
        blackHole(try reader.abStatus("bench")) // untimed first call
        var statusMs: [Double] = []
        var decision = ""
        for _ in 0..<Self.statusSamples {
            let w = Stopwatch()
            let report = try reader.abStatus("bench")
            statusMs.append(w.elapsedSeconds * 1000)
            decision = report.decision
        }
        blackHole(decision)
        let (worstMs, worstConversions) = try worstCaseStatus(timedUnits)
        var sortedBatches = batchSeconds.sorted()
        if sortedBatches.isEmpty { sortedBatches = [0] }

        return [
            Metric(key: "units", value: Double(units), decimals: 0, unit: "units"),
            Metric(key: "batch_units", value: Double(Self.batchSize), decimals: 0, unit: "units/call"),
            Metric(key: "assign_per_s", value: assignPerSecond, decimals: 0, unit: "units/s", target: .atLeast(500_000)),
            Metric(key: "assign_batch_ms_p50", value: Self.median(batchSeconds) * 1000, decimals: 2, unit: "ms"),
            Metric(key: "assign_batch_ms_max", value: sortedBatches.last! * 1000, decimals: 2, unit: "ms"),
            Metric(key: "assign_sticky_per_s", value: stickyPerSecond, decimals: 0, unit: "units/s"),
            Metric(key: "unit_hash_ns", value: libraryHashNs, decimals: 1, unit: "ns (ABTest.unitHash)"),
            Metric(key: "unit_hash_floor_ns", value: floorHashNs, decimals: 1, unit: "ns (same SHA-256, specialized load)"),
            Metric(key: "outcomes", value: Double(recorded), decimals: 0, unit: "outcomes"),
            Metric(key: "record_per_s", value: recordPerSecond, decimals: 0, unit: "outcomes/s"),
            Metric(key: "log_bytes", value: Double(logBytes), decimals: 0, unit: "bytes"),
            Metric(key: "snapshot_bytes", value: Double(snapshotBytes), decimals: 0, unit: "bytes"),
            Metric(key: "open_ms", value: Self.median(openMs), decimals: 2, unit: "ms (median of \(Self.openSamples))"),
            Metric(key: "status_ms", value: Self.median(statusMs), decimals: 4, unit: "ms (median of \(Self.statusSamples))",
                   target: .atMost(5)),
            Metric(key: "status_ms_max", value: statusMs.max() ?? 0, decimals: 4, unit: "ms"),
            Metric(key: "status_50pct_conversions", value: Double(worstConversions), decimals: 0,
                   unit: "conversions (second store)"),
            Metric(key: "status_50pct_ms", value: Self.median(worstMs), decimals: 4,
                   unit: "ms (median of \(Self.statusSamples); 1M units, all 50% converting)", target: .atMost(5)),
        ]
    }
}

extension ABBenchmarks {
    /// A store with model "m" (versions 1 and 2, 1 in Production) and a running 50/50 conversion test.
    func makeStore(_ root: String, test: String) throws -> LogbookStore {
        let store = try LogbookStore(at: root, writable: true)
        try store.createExperiment(name: "e", context())
        for i in 1...2 { try store.startRun(experiment: "e", id: "r\(i)", context()) }
        try store.createModel(name: "m", context())
        for i in 1...2 { try store.registerVersion(model: "m", run: "r\(i)", context()) }
        try store.setStage(model: "m", version: 1, stage: .production, WriteContext(actor: "bench", reason: "baseline"))
        try store.createABTest(name: test, model: "m",
                               variants: [ABVariant(name: "control", version: 1, weightBasisPoints: 5000),
                                          ABVariant(name: "treatment", version: 2, weightBasisPoints: 5000)],
                               metric: "converted", minimumSample: 1000, context())
        try store.startABTest(test, context())
        return store
    }

    /// The status's one cost that grows with the data is the exact Beta chance to win (a sum of about
    /// min(conversions + 1, non-conversions + 1) terms): its largest case for 1,000,000 units split 50/50 is every
    /// unit with an outcome and half of them converting. Built in a store of its own (untimed), then timed as
    /// `status_ms` is: read-only open, median of `statusSamples` calls.
    func worstCaseStatus(_ units: [[String]]) throws -> (ms: [Double], conversions: Int) {
        progress("worst case for the status: another store, 1,000,000 units, every one with an outcome, 50% converting")
        let root = directory.path + "/ab-store-50"
        let store = try makeStore(root, test: "bench-50")
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for batch in units {
            try store.assign(test: "bench-50", units: batch, context())
            let outcomes: [(unit: String, value: Double, metric: String?)] = batch.map { u in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (u, Double((state >> 40) & 1), nil)
            }
            try store.recordOutcomes(test: "bench-50", outcomes, context())
        }
        try store.writeSnapshot()
        try store.close()
        let reader = try LogbookStore(at: root, writable: false)
        blackHole(try reader.abStatus("bench-50"))
        var ms: [Double] = []
        for _ in 0..<Self.statusSamples {
            let w = Stopwatch()
            blackHole(try reader.abStatus("bench-50"))
            ms.append(w.elapsedSeconds * 1000)
        }
        let conversions = try reader.abStatus("bench-50").variants.map(\.conversions).reduce(0, +)
        directory.remove(root)
        return (ms, conversions)
    }

    /// Nanoseconds per unit of `ABTest.unitHash` (what `assign` and the state's apply call for every new unit),
    /// and of the same computation (`SALT.UNIT` to UTF-8, SHA-256, first 8 bytes big-endian) written here with a
    /// concrete 8-byte load: the difference is the cost of the generic `Assignment.bigEndianPrefix(ofDigest:)`.
    func unitHashCost(_ units: [String]) throws -> (library: Double, floor: Double) {
        func floorHash(_ unit: String) -> UInt64 {
            SHA256.hash(Array(("bench." + unit).utf8)).withUnsafeBytes { d in
                var x: UInt64 = 0
                for i in 0..<8 { x = x << 8 | UInt64(d[i]) }
                return x
            }
        }
        for u in units.prefix(100) where floorHash(u) != ABTest.unitHash(salt: "bench", unit: u) {
            throw BenchError("the reference hash of '\(u)' differs from ABTest.unitHash")
        }
        let rounds = 10
        var sink: UInt64 = 0
        let w1 = Stopwatch()
        for _ in 0..<rounds { for u in units { sink &+= ABTest.unitHash(salt: "bench", unit: u) } }
        let library = Double(w1.elapsedNanoseconds) / Double(rounds * units.count)
        let w2 = Stopwatch()
        for _ in 0..<rounds { for u in units { sink &+= floorHash(u) } }
        let floor = Double(w2.elapsedNanoseconds) / Double(rounds * units.count)
        blackHole(sink)
        return (library, floor)
    }
}

/// `logbook-bench ab [--json] [--dir DIR]`.
func runAB(_ options: Options) -> Int32 {
    runSuite(options) { scratch, progress in try ABBenchmarks(directory: scratch, progress: progress).run() }
}
