import Logbook
import LogbookEvents
import LogbookStorage

/// `logbook-bench reference --scale S`: the reference workload of docs/performance.md, generated into a fresh store
/// through the library, then measured: ingest (library and CLI), replay, cold and "as of" query processes, in-process
/// queries, durable registry writes against the fsync floor, and the machine's own limits in the same run.
///
/// At scale 1: 100 experiments × 100 runs (10 params, 5 tags, 5 metrics × 200 steps: 10,000,000 points), one run with
/// a 10,000-step metric, 100 models × 20 versions with stage changes, alias moves and promotions, 20 A/B tests ×
/// 50,000 units with outcomes, and 1,000,000 predictions. Every count scales linearly with S.
struct ReferenceBenchmarks {
    let scale: Double
    let directory: ScratchDirectory
    let progress: (String) -> Void

    static let runsPerExperiment = 100
    static let steps = 200
    static let metricKeys = (0..<5).map { "m\($0)" }
    static let versionsPerModel = 20
    static let unitsPerTest = 50_000
    static let historySteps = 10_000
    static let processSamples = 11
    static let start: Int64 = 1_767_225_600_000 // 2026-01-01T00:00:00Z
    static let filter = "metrics.m0 > 0.5 and params.p1 = 'v3' and tags.t0 != 'team-1'"

    func count(_ base: Double) -> Int { max(1, Int((base * scale).rounded())) }

    func run() throws -> [Metric] {
        guard let logbook = Self.logbookExecutable() else {
            throw BenchError("The logbook executable is not next to logbook-bench: build it with swift build -c release")
        }
        let root = directory.path + "/reference-store"
        let experiments = count(100), models = count(100), tests = count(20), predictions = count(1_000_000)
        var clock = Self.start
        func ctx(_ reason: String? = nil) -> WriteContext {
            clock += 1000
            return WriteContext(actor: "bench", reason: reason, time: clock)
        }
        var g = SplitMix(seed: 42)
        let store = try LogbookStore(at: root, writable: true)

        // Tracking: one durable batch per experiment (its 100 runs: start, params, tags, 1,000 points, end).
        progress("tracking: \(experiments) experiments × \(Self.runsPerExperiment) runs × \(Self.metricKeys.count) metrics × \(Self.steps) steps")
        var ingestSeconds = 0.0
        var points = 0
        for e in 0..<experiments {
            try store.createExperiment(name: "exp-\(e)", ctx())
            var runs: [(id: String, params: [KeyValue], tags: [KeyValue], series: [MetricSeries])] = []
            for r in 0..<Self.runsPerExperiment {
                let params = (0..<10).map { KeyValue("p\($0)", "v\(g.next() % 16)") }
                let tags = (0..<5).map { KeyValue("t\($0)", "team-\(g.next() % 8)") }
                let series = Self.metricKeys.map { key in
                    var v = g.unit()
                    return MetricSeries(key: key, points: (0..<Self.steps).map { s in
                        v += (g.unit() - 0.45) * 0.01
                        return MetricPoint(step: Int64(s), value: v, time: clock + Int64(s))
                    })
                }
                runs.append(("e\(e)-r\(r)", params, tags, series))
            }
            let watch = Stopwatch()
            let time = clock + 1000
            try store.transaction { () throws(LogbookError) in
                for run in runs {
                    let c = WriteContext(actor: "bench", time: time)
                    _ = try store.startRun(experiment: "exp-\(e)", id: run.id, tags: run.tags, c)
                    try store.logToRun(run.id, params: run.params, metrics: run.series, c)
                    try store.endRun(run.id, c)
                }
            }
            ingestSeconds += watch.elapsedSeconds
            clock = time + Int64(Self.steps)
            points += Self.runsPerExperiment * Self.metricKeys.count * Self.steps
        }
        let trackingBytes = directory.bytes(under: root + "/log")
        // One long run: a 10,000-step loss logged 100 steps per write.
        try store.createExperiment(name: "long", ctx())
        _ = try store.startRun(experiment: "long", id: "long-run", ctx())
        for chunk in 0..<(Self.historySteps / 100) {
            let c = ctx()
            try store.logToRun("long-run", metrics: [MetricSeries(key: "loss", points: (0..<100).map { i in
                let step = chunk * 100 + i
                return MetricPoint(step: Int64(step), value: 1 / Double(step + 1), time: c.time!)
            })], c)
        }

        // Registry: per model, one batch of its lifecycle (register, stage, promote, alias moves).
        progress("registry: \(models) models × \(Self.versionsPerModel) versions")
        let registryStart = clock + 1
        for m in 0..<models {
            let name = "model-\(m)"
            try store.transaction { () throws(LogbookError) in
                try store.createModel(name: name, owner: "team-\(m % 8)", purpose: "reference", riskTier: .medium, ctx())
                try store.setPolicy(model: name, PromotionPolicy(metric: "m0"), ctx())
                for v in 1...Self.versionsPerModel {
                    let run = "e\(m % experiments)-r\((m * 7 + v) % Self.runsPerExperiment)"
                    try store.registerVersion(model: name, run: run, ctx())
                    try store.setStage(model: name, version: v, stage: .staging, ctx("candidate"))
                    if v % 4 == 0 { _ = try store.promote(model: name, version: v, ctx("release")) }
                    if v % 5 == 0 { try store.setAlias(model: name, alias: "champion", version: v, ctx("moved")) }
                }
                if store.state.model(named: name)?.production == nil {
                    try store.setStage(model: name, version: Self.versionsPerModel, stage: .production, ctx("release"))
                }
            }
        }

        // A/B tests: units assigned and outcomes recorded in batches of 5,000.
        progress("A/B: \(tests) tests × \(Self.unitsPerTest) units")
        var testCreated: [Int64] = [] // the time each test was created
        for t in 0..<tests {
            let name = "ab-\(t)", model = "model-\(t % models)"
            testCreated.append(clock + 1000)
            _ = try store.createABTest(name: name, model: model,
                                       variants: [ABVariant(name: "control", version: 1, weightBasisPoints: 5000),
                                                  ABVariant(name: "treatment", version: 2, weightBasisPoints: 5000)],
                                       metric: "conversion", ctx())
            try store.startABTest(name, ctx())
            for chunk in stride(from: 0, to: Self.unitsPerTest, by: 5000) {
                let units = (chunk..<min(chunk + 5000, Self.unitsPerTest)).map { "u\($0)" }
                let variants = try store.assign(test: name, units: units, ctx())
                let outcomes = zip(units, variants).map { unit, variant in
                    (unit: unit, value: g.unit() < (variant == "control" ? 0.10 : 0.11) ? 1.0 : 0.0, metric: String?.none)
                }
                try store.recordOutcomes(test: name, outcomes, ctx())
            }
            _ = try store.stopABTest(name, ctx("reference run"))
        }
        let abEnd = clock

        // Monitoring: predictions in batches of 10,000, one minute apart.
        progress("monitoring: \(predictions) predictions")
        var logged = 0
        while logged < predictions {
            let n = min(10_000, predictions - logged)
            let items = (0..<n).map { _ in (latency: 5 + g.unit() * 20 + g.unit() * g.unit() * 100, prediction: Optional(g.unit()), actual: Double?.none) }
            clock += 60_000
            _ = try store.logPredictions(model: "model-\((logged / 10_000) % models)", version: Self.versionsPerModel, items,
                                         WriteContext(actor: "bench", time: clock))
            logged += n
        }
        let endTime = clock

        // Durable registry mutations, interleaved with the fsync floor of the same disk.
        progress("registry mutations vs. the fsync floor: 200 samples each")
        var mutation = Samples(capacity: 200), floor = Samples(capacity: 200)
        let floorFile = try FileIO().open(directory.path + "/fsync-floor.dat", writable: true, create: true, exclusive: true)
        defer { floorFile.close() }
        let frame = [UInt8](repeating: 0xA5, count: 160)
        for i in 0..<220 {
            let w1 = Stopwatch()
            try store.setAlias(model: "model-0", alias: "bench", version: 1 + i % Self.versionsPerModel, ctx("bench"))
            let m = w1.elapsedNanoseconds
            let w2 = Stopwatch()
            try frame.withUnsafeBytes { try floorFile.write($0, at: i * frame.count) }
            try floorFile.synchronizeData()
            let f = w2.elapsedNanoseconds
            if i >= 20 { mutation.add(m); floor.add(f) }
        }
        let events = store.state.lastSequence
        try store.close()

        // The write-back of the gigabyte just generated is waited for first: it would otherwise run during the
        // measurements below, on the same two cores.
        FileIO.writeBackEverything()

        // In-process queries from a freshly opened read-only store.
        progress("in-process queries")
        let openWatch = Stopwatch()
        let reader = try LogbookStore(at: root, writable: false)
        let openMs = openWatch.elapsedSeconds * 1000
        let s = reader.state
        func median(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
            var samples = Samples(capacity: n)
            for _ in 0..<n {
                let w = Stopwatch()
                try body()
                samples.add(w.elapsedNanoseconds)
            }
            return samples.percentileMicroseconds(50)
        }
        let bestUs = median(201) { blackHole(s.bestRun(experiment: nil, metric: "m0")) }
        let filter = try RunFilter(parsing: Self.filter)
        var matched = 0
        let filterUs = median(101) { matched = filter.runs(in: s).count }
        let historyMs = try median(21) {
            let h = try reader.metricHistory(run: "long-run", key: "loss")
            guard h.count == Self.historySteps else { throw BenchError("history has \(h.count) points") }
        } / 1000
        let resolveCalls = 100_000
        let resolveWatch = Stopwatch()
        for _ in 0..<resolveCalls { blackHole(try reader.resolve("model-1@champion")) }
        let resolveUs = resolveWatch.elapsedSeconds * 1e6 / Double(resolveCalls)

        // Full replay, ignoring snapshots.
        progress("full replay of \(events) events")
        let replay = try timed { try LogbookStore.loadStateIgnoringSnapshots(at: root) }
        guard replay.result.lastSequence == events else { throw BenchError("replay ended at \(replay.result.lastSequence)") }
        let scanSeconds = try scanSeconds(root)
        progress("full replay of logs of \(SmallEventReplay.events) small events")
        let small = try SmallEventReplay(directory: directory).run()

        // The same best run in a writer that has just logged a point to a run of the snapshot: a training script that
        // logs and then asks (a run changed since the snapshot must not make every scan copy all runs).
        let writer = try LogbookStore(at: root, writable: true)
        let c = ctx()
        try writer.logToRun("long-run", metrics: [MetricSeries(key: "loss", points: [
            MetricPoint(step: Int64(Self.historySteps), value: 0.0001, time: c.time!),
        ])], c)
        let bestAfterWriteUs = median(201) { blackHole(writer.state.bestRun(experiment: nil, metric: "m0")) }
        try writer.close()

        // Cold processes: `run best` now, `model show --at T` and `ab status --at T` at seeded random moments.
        progress("cold processes: \(Self.processSamples) × run best, model show --at, ab status --at")
        let env = ["PATH=/usr/bin:/bin", "LOGBOOK_ACTOR=bench"]
        // "Cold" is a new process, not a cold disk: the write-back of what was written since is waited for, and
        // one untimed run of each command reads the binary and the newest snapshot into the page cache.
        FileIO.writeBackEverything()
        _ = try child(logbook, ["--store", root, "run", "best", "--experiment", "exp-0", "--metric", "m0", "--json"], env)
        _ = try child(logbook, ["--store", root, "model", "show", "model-0", "--at", Timestamp.iso(endTime)], env)
        var cold: [Double] = [], rss: [Int] = [], at: [Double] = [], abAt: [Double] = [], stateAt: [Double] = []
        for i in 0..<Self.processSamples {
            let r = try child(logbook, ["--store", root, "run", "best", "--experiment", "exp-\(i % experiments)", "--metric", "m0", "--json"], env)
            cold.append(r.seconds * 1000)
            rss.append(r.maxResidentKiB)
            // A random moment after model-0 was created: model-0's own events up to it.
            let t = registryStart + 1000 + Int64(g.unit() * Double(endTime - registryStart - 1000))
            let a = try child(logbook, ["--store", root, "model", "show", "model-0", "--at", Timestamp.iso(t)], env)
            at.append(a.seconds * 1000)
            // A read of the whole past state (the nearest snapshot and the log after it) at a random moment.
            let st = Self.start + Int64(g.unit() * Double(endTime - Self.start))
            stateAt.append(try child(logbook, ["--store", root, "experiment", "list", "--at", Timestamp.iso(st), "--json"], env).seconds * 1000)
            // A random test, at a random moment between its creation and the end of the A/B phase.
            guard !testCreated.isEmpty else { continue }
            let k = min(Int(g.unit() * Double(testCreated.count)), testCreated.count - 1)
            let abT = testCreated[k] + Int64(g.unit() * Double(abEnd - testCreated[k]))
            abAt.append(try child(logbook, ["--store", root, "ab", "status", "ab-\(k)", "--at", Timestamp.iso(abT), "--json"], env).seconds * 1000)
        }
        cold.sort(); at.sort(); abAt.sort(); stateAt.sort()
        // A durable write as a process (open, lock, recover, append, fdatasync, close): `experiment create`.
        var writes: [Double] = []
        for i in 0..<Self.processSamples {
            writes.append(try child(logbook, ["--store", root, "experiment", "create", "bench-write-\(i)"], env).seconds * 1000)
        }
        writes.sort()

        // `logbook ingest` of JSON Lines in a process, into a fresh store.
        let cliRuns = max(100, Int((1000 * scale).rounded()))
        progress("CLI ingest: \(cliRuns) runs × 1,000 points as JSON Lines")
        let file = directory.path + "/ingest.jsonl"
        let cliPoints = try writeIngestFile(file, runs: cliRuns, &g)
        _ = try child(logbook, ["--store", directory.path + "/ingest-store", "init"], env)
        let ingest = try child(logbook, ["--store", directory.path + "/ingest-store", "ingest", file],
                               env + ["LOGBOOK_NOW=2026-01-01T00:00:00Z"])

        let limits = try machineLimits()
        let snapshots = SnapshotStore(at: root)
        let newest = try snapshots.sequences().last ?? 0
        let snapshotBytes = directory.bytes(under: snapshots.path(for: newest))
        let snapshotFiles = try snapshots.sequences()
        let snapshotsKeptBytes = snapshotFiles.reduce(0) { $0 + directory.bytes(under: snapshots.path(for: $1)) }
        let storeBytes = directory.bytes(under: root + "/log") + directory.bytes(under: root + "/archive")
        let floorUs = floor.percentileMicroseconds(50)
        return [
            Metric(key: "scale", value: scale, decimals: 1, unit: ""),
            Metric(key: "events", value: Double(events), decimals: 0, unit: "events"),
            Metric(key: "metric_points", value: Double(points + Self.historySteps), decimals: 0, unit: "points"),
            Metric(key: "store_bytes", value: Double(storeBytes), decimals: 0, unit: "bytes"),
            Metric(key: "bytes_per_metric_point", value: Double(trackingBytes) / Double(points), decimals: 2, unit: "bytes", target: .atMost(16)),
            Metric(key: "ingest_metric_points_per_s", value: Double(points) / ingestSeconds, decimals: 0, unit: "points/s", target: .atLeast(2_000_000)),
            Metric(key: "ingest_cli_metric_points_per_s", value: Double(cliPoints) / ingest.seconds, decimals: 0, unit: "points/s", target: .atLeast(300_000)),
            Metric(key: "full_replay_events_per_s", value: Double(events) / replay.seconds, decimals: 0, unit: "events/s", target: .atLeast(5_000_000)),
            Metric(key: "small_events_replay_per_s", value: small.mixed, decimals: 0, unit: "events/s"),
            Metric(key: "point_events_replay_per_s", value: small.points, decimals: 0, unit: "events/s"),
            Metric(key: "full_replay_metric_points_per_s", value: Double(points + Self.historySteps) / replay.seconds, decimals: 0, unit: "points/s"),
            Metric(key: "full_scan_events_per_s", value: Double(events) / scanSeconds, decimals: 0, unit: "events/s"),
            Metric(key: "open_ms", value: openMs, decimals: 1, unit: "ms"),
            Metric(key: "cold_query_ms", value: cold[cold.count / 2], decimals: 1, unit: "ms", target: .atMost(30)),
            Metric(key: "best_run_query_us", value: bestUs, decimals: 1, unit: "us", target: .atMost(500)),
            Metric(key: "best_run_after_write_us", value: bestAfterWriteUs, decimals: 1, unit: "us"),
            Metric(key: "filter_query_us", value: filterUs, decimals: 1, unit: "us", target: .atMost(2000)),
            Metric(key: "filter_matches", value: Double(matched), decimals: 0, unit: "runs"),
            Metric(key: "metric_history_ms", value: historyMs, decimals: 3, unit: "ms", target: .atMost(5)),
            Metric(key: "at_query_cold_ms", value: at[at.count / 2], decimals: 1, unit: "ms", target: .atMost(60)),
            Metric(key: "state_at_cold_ms", value: stateAt[stateAt.count / 2], decimals: 1, unit: "ms"),
            Metric(key: "state_at_cold_max_ms", value: stateAt.last!, decimals: 1, unit: "ms"),
            Metric(key: "ab_status_at_cold_ms", value: abAt.isEmpty ? 0 : abAt[abAt.count / 2], decimals: 1, unit: "ms"),
            Metric(key: "cli_write_ms", value: writes[writes.count / 2], decimals: 1, unit: "ms"),
            Metric(key: "registry_mutation_durable_us", value: mutation.percentileMicroseconds(50), decimals: 1, unit: "us",
                   target: .atMost(3 * floorUs)),
            Metric(key: "fsync_floor_us", value: floorUs, decimals: 1, unit: "us"),
            Metric(key: "alias_resolve_us", value: resolveUs, decimals: 3, unit: "us", target: .atMost(5)),
            Metric(key: "cold_query_rss_mb", value: Double(rss.max() ?? 0) / 1024, decimals: 1, unit: "MiB", target: .atMost(250)),
            Metric(key: "snapshot_bytes", value: Double(snapshotBytes), decimals: 0, unit: "bytes"),
            Metric(key: "snapshots_kept", value: Double(snapshotFiles.count), decimals: 0, unit: "files"),
            Metric(key: "snapshots_kept_bytes", value: Double(snapshotsKeptBytes), decimals: 0, unit: "bytes"),
            Metric(key: "sequential_write_mb_per_s", value: limits.writeMBps, decimals: 0, unit: "MB/s"),
            Metric(key: "memory_copy_gb_per_s", value: limits.copyGBps, decimals: 1, unit: "GB/s"),
        ]
    }

    /// Runs `path args` through `logbook-bench child-probe`: a small process of its own that spawns and waits for it,
    /// so the child's peak RSS is its own (a child spawned straight from this large process would report this
    /// process's peak: the kernel carries the memory of the process it was cloned from into its maximum).
    private func child(_ path: String, _ args: [String], _ env: [String]) throws -> ChildProcessResult {
        guard let me = ProcessIO.executablePath() else { throw BenchError("Cannot find logbook-bench itself") }
        let report = directory.path + "/child-probe.txt"
        let probe = try ProcessIO.runChild(me, ["child-probe", report, path] + args, environment: env)
        guard probe.status == 0, let bytes = try FileIO().readWholeFile(report) else {
            throw BenchError("logbook \(args.joined(separator: " ")) failed (probe exit \(probe.status))")
        }
        directory.remove(report)
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard fields.count == 3, let status = Int32(fields[0]), let seconds = Double(fields[1]), let kib = Int(fields[2]) else {
            throw BenchError("The child probe wrote '\(String(decoding: bytes, as: UTF8.self))'")
        }
        guard status == 0 else { throw BenchError("logbook \(args.joined(separator: " ")) exited \(status)") }
        return ChildProcessResult(status: status, seconds: seconds, maxResidentKiB: kib)
    }

    /// JSON Lines for `logbook ingest`: an experiment, then per run a start and one `run.log` line with 5 × 200 points.
    private func writeIngestFile(_ path: String, runs: Int, _ g: inout SplitMix) throws -> Int {
        var text = "{\"op\":\"experiment.create\",\"name\":\"cli\"}\n"
        var points = 0
        for r in 0..<runs {
            text += "{\"op\":\"run.start\",\"experiment\":\"cli\",\"id\":\"c\(r)\"}\n"
            text += "{\"op\":\"run.log\",\"run\":\"c\(r)\",\"metrics\":["
            var first = true
            for key in Self.metricKeys {
                for s in 0..<Self.steps {
                    if !first { text += "," }
                    first = false
                    text += "{\"key\":\"\(key)\",\"value\":\(g.unit()),\"step\":\(s)}"
                    points += 1
                }
            }
            text += "]}\n"
        }
        let file = try FileIO().open(path, writable: true, create: true, exclusive: true)
        defer { file.close() }
        try file.write(Array(text.utf8), at: 0)
        return points
    }

    /// The disk's sequential write rate (256 MiB in 4 MiB writes, then fdatasync) and the memory copy rate.
    private func machineLimits() throws -> (writeMBps: Double, copyGBps: Double) {
        let chunk = [UInt8](repeating: 0x5A, count: 4 << 20)
        let file = try FileIO().open(directory.path + "/sequential.dat", writable: true, create: true, exclusive: true)
        let write = try timed {
            for i in 0..<64 { try chunk.withUnsafeBytes { try file.write($0, at: i * chunk.count) } }
            try file.synchronizeData()
        }
        file.close()
        directory.remove(directory.path + "/sequential.dat")
        let size = 256 << 20
        let source = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        let target = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { source.deallocate(); target.deallocate() }
        source.initializeMemory(as: UInt8.self, repeating: 1)
        target.initializeMemory(as: UInt8.self, repeating: 2)
        var best = Double.infinity
        for _ in 0..<5 {
            let w = Stopwatch()
            target.copyMemory(from: UnsafeRawBufferPointer(source))
            best = min(best, w.elapsedSeconds)
        }
        blackHole(target[size - 1])
        return (Double(64 * chunk.count) / write.seconds / 1e6, Double(size) / best / 1e9)
    }

    /// `logbook` in the directory of this executable.
    static func logbookExecutable() -> String? {
        guard let me = ProcessIO.executablePath(), let slash = me.lastIndex(of: "/") else { return nil }
        let path = String(me[..<slash]) + "/logbook"
        return FileIO().exists(path) ? path : nil
    }
}

/// `logbook-bench child-probe FILE PATH ARGS...`: runs PATH with ARGS (the environment passed on) and writes
/// "STATUS SECONDS MAXRSS_KIB" to FILE.
func runChildProbe(_ arguments: ArraySlice<String>) -> Int32 {
    let args = Array(arguments)
    guard args.count >= 2 else { usageError("child-probe needs FILE PATH [ARGS...]") }
    do {
        let r = try ProcessIO.runChild(args[1], Array(args.dropFirst(2)), environment: ProcessIO.environmentStrings())
        let file = try FileIO().open(args[0], writable: true, create: true, truncate: true)
        defer { file.close() }
        try file.write(Array("\(r.status) \(r.seconds) \(r.maxResidentKiB)".utf8), at: 0)
        return 0
    } catch {
        ProcessIO.writeStandardError("Error: \(error)\n")
        return 1
    }
}

func runReference(_ arguments: ArraySlice<String>) -> Int32 {
    let (value, passed) = extractOption("--scale", from: arguments)
    var scale = 1.0
    if let value {
        guard let s = Double(value), s > 0, s <= 100 else { usageError("--scale needs a number in (0, 100]") }
        scale = s
    }
    let options = parse(passed)
    return runSuite(options) { scratch, progress in
        try ReferenceBenchmarks(scale: scale, directory: scratch, progress: progress).run()
    }
}

/// The fastest of three passes over the log that read every record and check its CRC (as replay does) and decode
/// nothing: the ceiling of any replay of this log on this machine.
func scanSeconds(_ store: String) throws -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        let watch = Stopwatch()
        let reader = try LogReader(at: store)
        var touched = 0
        try reader.forEachRecord { record in
            touched &+= record.payload.count &+ Int(record.payload.first ?? 0)
            return true
        }
        blackHole(touched)
        best = min(best, watch.elapsedSeconds)
    }
    return best
}

/// `logbook-bench replay STORE [--times N]`: full replays (snapshots ignored) of an existing store, e.g. one kept
/// by `reference --keep`, for profiling. Prints the fastest time and the events per second, and the same for a pass
/// that only reads and checks the records (``scanSeconds(_:)``).
func runReplay(_ arguments: ArraySlice<String>) -> Int32 {
    let (value, passed) = extractOption("--times", from: arguments)
    let times = value.flatMap(Int.init) ?? 3
    guard times > 0, passed.count == 1, let store = passed.first else { usageError("replay needs STORE [--times N]") }
    do {
        var best = Double.infinity
        var events: UInt64 = 0
        for _ in 0..<times {
            let r = try timed { try LogbookStore.loadStateIgnoringSnapshots(at: store) }
            best = min(best, r.seconds)
            events = r.result.lastSequence
        }
        let scan = try scanSeconds(store)
        ProcessIO.writeStandardOutput("{\"events\": \(events), \"seconds\": \(best), \"events_per_s\": \(Int(Double(events) / best)), "
            + "\"scan_seconds\": \(scan), \"scan_events_per_s\": \(Int(Double(events) / scan))}\n")
        return 0
    } catch {
        ProcessIO.writeStandardError("Error: \(error)\n")
        return 1
    }
}

/// `logbook-bench filter STORE [--times N] [--filter F]`: the reference filter (or F) over every run of an existing
/// store, N times (default 1,000), for profiling. Prints the median and the number of matches.
func runFilter(_ arguments: ArraySlice<String>) -> Int32 {
    let (timesValue, rest) = extractOption("--times", from: arguments)
    let (filterValue, passed) = extractOption("--filter", from: rest)
    let times = timesValue.flatMap(Int.init) ?? 1000
    guard times > 0, passed.count == 1, let store = passed.first else { usageError("filter needs STORE [--times N] [--filter F]") }
    do {
        let filter = try RunFilter(parsing: filterValue ?? ReferenceBenchmarks.filter)
        let reader = try LogbookStore(at: store, writable: false)
        var samples = Samples(capacity: times)
        var matched = 0
        for _ in 0..<times {
            let w = Stopwatch()
            matched = filter.runs(in: reader.state).count
            samples.add(w.elapsedNanoseconds)
        }
        ProcessIO.writeStandardOutput("{\"filter_query_us\": \(samples.percentileMicroseconds(50)), \"matches\": \(matched)}\n")
        return 0
    } catch {
        ProcessIO.writeStandardError("Error: \(error)\n")
        return 1
    }
}
