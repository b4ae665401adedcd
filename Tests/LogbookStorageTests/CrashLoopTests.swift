import Foundation
import LogbookStorage
import LogbookTestSupport
import Synchronization
import Testing

/// Checks a store holds batches 0...B, each whole and in order; returns B (or -1 when empty).
private func lastWholeBatch(_ root: String) throws -> Int {
    var expected = 0
    var index = 0
    for record in try LogFixtures.readAll(root) {
        guard let (batch, i, count) = LogFixtures.decode(record.payload) else {
            Issue.record("record \(record.sequence) has a damaged payload")
            return -2
        }
        #expect(batch == expected && i == index, "record \(record.sequence) is batch \(batch).\(i), expected \(expected).\(index)")
        #expect(record.endsBatch == (i == count - 1), "record \(record.sequence) batch boundary")
        index += 1
        if index == count { expected += 1; index = 0 }
    }
    #expect(index == 0, "a batch is incomplete")
    return expected - 1
}

private func startChild(_ root: String, firstBatch: Int, segmentSize: Int) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: builtProductsDirectory + "/logbook-testtool")
    process.arguments = ["append-loop", root, String(firstBatch), String(segmentSize)]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    return (process, pipe)
}

@Suite("Crash loops and concurrency")
struct CrashLoopTests {
    /// Cycles in the normal suite; `LOGBOOK_CRASH_CYCLES=5000 swift test --filter CrashLoop` for the long run.
    static let cycles = Int(ProcessInfo.processInfo.environment["LOGBOOK_CRASH_CYCLES"] ?? "") ?? 60

    @Test("kill -9 at random moments: every acknowledged batch is there after reopen, whole and in order")
    func killNineLoop() throws {
        let dir = TemporaryDirectory("crash")
        let root = dir.appending("store")
        var g = SeededGenerator(seed: 0xC0FFEE)
        var nextBatch = 0
        var killedWithAcks = 0
        var tornTailsCut = 0
        for cycle in 0..<Self.cycles {
            let (process, pipe) = try startChild(root, firstBatch: nextBatch, segmentSize: 4096)
            usleep(UInt32(2_000 + g.next() % 40_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "cycle \(cycle): the child ended by itself")
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let acked = output.split(separator: "\n").compactMap { line -> Int? in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "ack" ? Int(parts[1]) : nil
            }.max() ?? (nextBatch - 1)
            if acked >= nextBatch { killedWithAcks += 1 }
            // The dead child's lock does not block: flock dies with the process.
            var configuration = LogConfiguration()
            configuration.lockTimeoutMilliseconds = 2000
            let log = try SegmentedLog.open(at: root, configuration: configuration)
            if log.recovery.truncatedBytes > 0 { tornTailsCut += 1 }
            try log.close()
            let last = try lastWholeBatch(root)
            #expect(last >= acked, "cycle \(cycle): acknowledged batch \(acked) lost (store ends at \(last))")
            #expect(last <= acked + 1, "cycle \(cycle): more than one unacknowledged batch")
            nextBatch = last + 1
        }
        #expect(killedWithAcks > Self.cycles / 2)
        #expect(try LogReader(at: root).verify().records > 0)
        print("crash loop: \(Self.cycles) cycles, \(nextBatch) batches, \(tornTailsCut) torn tails cut")
    }

    @Test("a second writer gets the busy error naming the process; it gets in once the first closes")
    func secondWriterIsBusy() throws {
        let dir = TemporaryDirectory()
        let first = try SegmentedLog.open(at: dir.path)
        var configuration = LogConfiguration()
        configuration.lockTimeoutMilliseconds = 150
        let started = FileIO.monotonicNanoseconds()
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: dir.path, configuration: configuration) }
        #expect(FileIO.monotonicNanoseconds() - started >= 150_000_000)
        #expect(error?.code == .locked)
        #expect(error?.message.contains("locked by process \(getpid())") == true)
        try first.close()
        let second = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try second.close()
    }

    @Test("a writer in another process holds the lock; readers still read while it writes")
    func lockAcrossProcesses() throws {
        let dir = TemporaryDirectory()
        let root = dir.appending("store")
        let (process, _) = try startChild(root, firstBatch: 0, segmentSize: 1 << 20)
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        var records = 0
        for _ in 0..<500 where records == 0 {
            usleep(2000)
            records = (try? LogFixtures.readAll(root).count) ?? 0
        }
        #expect(records > 0)
        var configuration = LogConfiguration()
        configuration.lockTimeoutMilliseconds = 100
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: root, configuration: configuration) }
        #expect(error?.code == .locked)
        #expect(error?.message.contains("process \(process.processIdentifier)") == true)
        #expect(try lastWholeBatch(root) >= 0)
    }

    @Test("a reader running beside a writer only ever sees whole records and whole batches")
    func readerBesideWriter() throws {
        let dir = TemporaryDirectory()
        let root = dir.appending("store")
        _ = try SegmentedLog.open(at: root) // create it
        let done = Mutex(false)
        let writerError = Mutex<String?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                var configuration = LogConfiguration()
                configuration.segmentSize = 8192
                configuration.syncPolicy = .never
                configuration.writeBufferSize = 300 // many small writes, so readers race them
                let log = try SegmentedLog.open(at: root, configuration: configuration)
                try LogFixtures.appendBatches(log, sizes: (0..<3000).map { 1 + $0 % 4 })
                try log.close()
            } catch {
                writerError.withLock { $0 = "\(error)" }
            }
            done.withLock { $0 = true }
            finished.signal()
        }
        var reads = 0
        var previous = -1
        while !done.withLock({ $0 }) || reads == 0 {
            let reader = try LogReader(at: root)
            let last = try lastWholeBatch(reader.paths.root)
            #expect(last >= previous)
            previous = last
            reads += 1
        }
        finished.wait()
        #expect(writerError.withLock { $0 } == nil)
        #expect(try lastWholeBatch(root) == 2999)
        #expect(reads > 1)
    }
}
