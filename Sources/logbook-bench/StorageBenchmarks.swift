import LogbookStorage

/// One measured number of the report.
struct Metric {
    enum Target {
        case none
        case atLeast(Double)
        case atMost(Double)
    }

    let key: String
    let value: Double
    let decimals: Int
    let unit: String
    var target = Target.none

    var meetsTarget: Bool? {
        switch target {
        case .none: return nil
        case .atLeast(let t): return value >= t
        case .atMost(let t): return value <= t
        }
    }
}

/// `logbook-bench storage`: append, durable append, replay, verify and hashing throughput, in one run.
struct StorageBenchmarks {
    /// Records of the buffered append run (also the log that replay and verify read).
    static let records = 2_000_000
    /// Payload bytes of every record.
    static let payloadSize = 100
    /// Records per batch of the durable batch run.
    static let durableBatchSize = 1000
    /// Timed batches of the durable batch run (after `durableWarmupBatches` untimed ones).
    static let durableBatches = 1000
    static let durableWarmupBatches = 5
    /// Timed samples of the single-record durable latency and of the fsync floor (each).
    static let latencySamples = 1000
    static let latencyWarmupSamples = 50
    /// Passes of replay and of verify; the fastest is reported (least disturbed by other load).
    static let readPasses = 3
    /// Passes over the smaller durable batch log (1000-record batches), fastest reported.
    static let batchedReadPasses = 5
    /// Hash benchmarks: buffer size and minimum time each.
    static let hashBufferSize = 1 << 20
    static let hashSeconds = 0.5

    let directory: ScratchDirectory
    let progress: (String) -> Void

    /// The configuration all runs share except for the sync policy.
    private func configuration(_ policy: SyncPolicy) -> LogConfiguration {
        var c = LogConfiguration()
        c.syncPolicy = policy
        return c
    }

    /// A 100-byte payload with a recognisable pattern.
    private static func makePayload() -> [UInt8] {
        (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    /// Runs everything; returns the metrics in report order.
    func run() throws -> [Metric] {
        let segmentSize = LogConfiguration().segmentSize

        progress("buffered append: \(Self.records) records of \(Self.payloadSize) bytes (SyncPolicy.never)")
        let buffered = try appendBuffered()

        progress("durable batch append: \(Self.durableBatches) batches of \(Self.durableBatchSize) records (SyncPolicy.everyBatch)")
        let durableBatch = try appendDurableBatches()

        progress("durable single-record latency vs. pwrite+fdatasync floor: \(Self.latencySamples) samples each")
        var (durable, floor) = try durableLatency()

        progress("replay: forEachRecord over \(Self.records) records, best of \(Self.readPasses)")
        let replay = try replayRecordsPerSecond(root: buffered.root, records: Self.records, passes: Self.readPasses)

        progress("verify: LogReader.verify() over the same log, best of \(Self.readPasses)")
        let verify = try verifyMegabytesPerSecond(root: buffered.root, records: Self.records, passes: Self.readPasses)

        let batchedRecords = (Self.durableWarmupBatches + Self.durableBatches) * Self.durableBatchSize
        progress("replay and verify of the durable batch log (\(batchedRecords) records in batches of \(Self.durableBatchSize)), best of \(Self.batchedReadPasses)")
        let replayBatched = try replayRecordsPerSecond(root: durableBatch.root, records: batchedRecords, passes: Self.batchedReadPasses)
        let verifyBatched = try verifyMegabytesPerSecond(root: durableBatch.root, records: batchedRecords, passes: Self.batchedReadPasses)

        progress("CRC32C and SHA-256 over a 1 MiB buffer, \(Self.hashSeconds) s each")
        let hashes = hashThroughput()

        let durableP50 = durable.percentileMicroseconds(50)
        let floorP50 = floor.percentileMicroseconds(50)
        return [
            Metric(key: "records", value: Double(Self.records), decimals: 0, unit: "records"),
            Metric(key: "payload_bytes", value: Double(Self.payloadSize), decimals: 0, unit: "bytes"),
            Metric(key: "segment_size_bytes", value: Double(segmentSize), decimals: 0, unit: "bytes"),
            Metric(key: "bytes_per_record", value: buffered.bytesPerRecord, decimals: 2, unit: "bytes"),
            Metric(key: "append_records_per_s", value: buffered.recordsPerSecond, decimals: 0, unit: "records/s",
                   target: .atLeast(3_000_000)),
            Metric(key: "append_durable_batch_records_per_s", value: durableBatch.recordsPerSecond, decimals: 0, unit: "records/s",
                   target: .atLeast(1_000_000)),
            Metric(key: "durable_batches", value: Double(Self.durableBatches), decimals: 0, unit: "batches"),
            Metric(key: "durable_batch_records", value: Double(Self.durableBatchSize), decimals: 0, unit: "records"),
            Metric(key: "latency_samples", value: Double(Self.latencySamples), decimals: 0, unit: "samples"),
            Metric(key: "durable_append_latency_us_p50", value: durableP50, decimals: 1, unit: "us"),
            Metric(key: "durable_append_latency_us_p99", value: durable.percentileMicroseconds(99), decimals: 1, unit: "us"),
            Metric(key: "fsync_floor_us_p50", value: floorP50, decimals: 1, unit: "us"),
            Metric(key: "fsync_floor_us_p99", value: floor.percentileMicroseconds(99), decimals: 1, unit: "us"),
            Metric(key: "durable_over_floor", value: durableP50 / floorP50, decimals: 2, unit: "x (p50)",
                   target: .atMost(1.5)),
            Metric(key: "replay_records_per_s", value: replay, decimals: 0, unit: "records/s", target: .atLeast(8_000_000)),
            Metric(key: "verify_chain_mb_per_s", value: verify, decimals: 1, unit: "MB/s", target: .atLeast(1000)),
            Metric(key: "replay_batched_records_per_s", value: replayBatched, decimals: 0, unit: "records/s"),
            Metric(key: "verify_chain_batched_mb_per_s", value: verifyBatched, decimals: 1, unit: "MB/s"),
            Metric(key: "crc32c_gb_per_s", value: hashes.crcHardware, decimals: 2, unit: "GB/s"),
            Metric(key: "crc32c_software_gb_per_s", value: hashes.crcSoftware, decimals: 2, unit: "GB/s"),
            Metric(key: "sha256_mb_per_s", value: hashes.shaHardware, decimals: 1, unit: "MB/s"),
            Metric(key: "sha256_software_mb_per_s", value: hashes.shaSoftware, decimals: 1, unit: "MB/s"),
        ]
    }

    // MARK: - Append

    /// One record per append, buffered, including the final sync and close. Opening is not timed.
    ///
    /// An untimed pass of the same size runs first and its store is deleted, so that the timed pass writes into
    /// recycled page-cache memory: on a freshly booted VM the kernel's copy into never-touched guest pages was up
    /// to twice as slow and made this number bimodal (docs/performance.md).
    private func appendBuffered() throws -> (root: String, recordsPerSecond: Double, bytesPerRecord: Double) {
        _ = try appendBufferedPass(root: directory.path + "/warm-up")
        directory.remove(directory.path + "/warm-up")
        let root = directory.path + "/buffered"
        let recordsPerSecond = try appendBufferedPass(root: root)
        let onDisk = directory.bytes(under: root + "/log")
        return (root, recordsPerSecond, Double(onDisk) / Double(Self.records))
    }

    private func appendBufferedPass(root: String) throws -> Double {
        let log = try SegmentedLog.open(at: root, configuration: configuration(.never))
        var batch = AppendBatch(capacity: 256)
        var payload = Self.makePayload()
        let seconds = try payload.withUnsafeMutableBytes { p in
            try timed {
                for i in 0..<Self.records {
                    p.storeBytes(of: UInt64(i), toByteOffset: 0, as: UInt64.self)
                    batch.add(type: 1, payload: UnsafeRawBufferPointer(p))
                    try log.append(&batch)
                }
                try log.close()
            }.seconds
        }
        guard log.lastSequence == UInt64(Self.records) else {
            throw BenchError("buffered append ended at sequence \(log.lastSequence), expected \(Self.records)")
        }
        return Double(Self.records) / seconds
    }

    /// Batches of 1000 records, each one pwrite + one fdatasync. Building each batch is inside the timing.
    private func appendDurableBatches() throws -> (root: String, recordsPerSecond: Double) {
        let root = directory.path + "/durable-batch"
        let log = try SegmentedLog.open(at: root, configuration: configuration(.everyBatch))
        defer { try? log.close() }
        var batch = AppendBatch(capacity: Self.durableBatchSize * (LogFormat.frameHeaderSize + Self.payloadSize) + 64)
        var payload = Self.makePayload()
        var counter: UInt64 = 0
        let rate = try payload.withUnsafeMutableBytes { p in
            func oneBatch() throws {
                for _ in 0..<Self.durableBatchSize {
                    p.storeBytes(of: counter, toByteOffset: 0, as: UInt64.self)
                    counter &+= 1
                    batch.add(type: 1, payload: UnsafeRawBufferPointer(p))
                }
                try log.append(&batch)
            }
            for _ in 0..<Self.durableWarmupBatches { try oneBatch() }
            let seconds = try timed {
                for _ in 0..<Self.durableBatches { try oneBatch() }
            }.seconds
            return Double(Self.durableBatches * Self.durableBatchSize) / seconds
        }
        return (root, rate)
    }

    /// Single-record durable appends and bare pwrite+fdatasync of the same frame size, interleaved sample by
    /// sample (alternating which goes first) so that both see the same disk and the same background load.
    private func durableLatency() throws -> (durable: Samples, floor: Samples) {
        let log = try SegmentedLog.open(at: directory.path + "/durable-single", configuration: configuration(.everyBatch))
        defer { try? log.close() }
        // A single-record batch is one commit frame: header, payload, chain hash.
        let frameSize = LogFormat.frameHeaderSize + Self.payloadSize + LogFormat.chainSize
        let floorFile: SystemFile
        do {
            floorFile = try FileIO().open(directory.path + "/fsync-floor.dat", writable: true, create: true, exclusive: true)
        } catch {
            throw BenchError("Cannot create the fsync floor file: \(error)")
        }
        defer { floorFile.close() }
        let floorFrame = [UInt8](repeating: 0xA5, count: frameSize)
        var floorEnd = 0
        var batch = AppendBatch(capacity: 256)
        var payload = Self.makePayload()
        var durable = Samples(capacity: Self.latencySamples)
        var floor = Samples(capacity: Self.latencySamples)

        try payload.withUnsafeMutableBytes { p in
            func durableAppend() throws -> UInt64 {
                let watch = Stopwatch()
                batch.add(type: 1, payload: UnsafeRawBufferPointer(p))
                try log.append(&batch)
                return watch.elapsedNanoseconds
            }
            func floorWrite() throws -> UInt64 {
                let watch = Stopwatch()
                do {
                    try floorFrame.withUnsafeBytes { try floorFile.write($0, at: floorEnd) }
                    try floorFile.synchronizeData()
                } catch {
                    throw BenchError("fsync floor write failed: \(error)")
                }
                let ns = watch.elapsedNanoseconds
                floorEnd += frameSize
                return ns
            }
            for i in 0..<(Self.latencyWarmupSamples + Self.latencySamples) {
                let d: UInt64, f: UInt64
                if i % 2 == 0 {
                    d = try durableAppend(); f = try floorWrite()
                } else {
                    f = try floorWrite(); d = try durableAppend()
                }
                if i >= Self.latencyWarmupSamples {
                    durable.add(d)
                    floor.add(f)
                }
            }
        }
        return (durable, floor)
    }

    // MARK: - Read

    /// Records per second of `forEachRecord` (every CRC checked), touching every payload. Best of `readPasses`.
    private func replayRecordsPerSecond(root: String, records: Int, passes: Int) throws -> Double {
        var best = 0.0
        for _ in 0..<passes {
            var count = 0
            var touched: UInt64 = 0
            let seconds = try timed {
                let reader = try LogReader(at: root)
                try reader.forEachRecord { record in
                    count &+= 1
                    touched &+= UInt64(record.payload.count) &+ UInt64(record.payload[1])
                    return true
                }
            }.seconds
            blackHole(touched)
            guard count == records else { throw BenchError("replay read \(count) records, expected \(records)") }
            best = max(best, Double(count) / seconds)
        }
        return best
    }

    /// Megabytes (1e6 bytes) of frames per second of `verify()` (CRCs and the whole hash chain). Best of `readPasses`.
    private func verifyMegabytesPerSecond(root: String, records: Int, passes: Int) throws -> Double {
        var best = 0.0
        for _ in 0..<passes {
            let (seconds, report) = try timed {
                try LogReader(at: root).verify()
            }
            guard report.records == UInt64(records) else {
                throw BenchError("verify read \(report.records) records, expected \(records)")
            }
            best = max(best, Double(report.bytes) / 1e6 / seconds)
        }
        return best
    }

    // MARK: - Hashing

    private func hashThroughput() -> (crcHardware: Double, crcSoftware: Double, shaHardware: Double, shaSoftware: Double) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let buffer = (0..<Self.hashBufferSize).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let size = Self.hashBufferSize
        let seconds = Self.hashSeconds
        return buffer.withUnsafeBytes { b in
            var crc: UInt32 = 0
            let crcHardware = throughput(bytesPerCall: size, minimumSeconds: seconds) { crc ^= CRC32C.checksum(b) }
            let crcSoftware = throughput(bytesPerCall: size, minimumSeconds: seconds) { crc ^= CRC32C.softwareChecksum(b) }
            blackHole(crc)
            var digest = SHA256Digest.zero
            let shaHardware = throughput(bytesPerCall: size, minimumSeconds: seconds) { digest = SHA256.hash(b) }
            let shaSoftware = throughput(bytesPerCall: size, minimumSeconds: seconds) {
                var h = SHA256(forcingSoftware: true)
                h.update(b)
                digest = h.finalize()
            }
            blackHole(digest)
            return (crcHardware / 1e9, crcSoftware / 1e9, shaHardware / 1e6, shaSoftware / 1e6)
        }
    }
}
