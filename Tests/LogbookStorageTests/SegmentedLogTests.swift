import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Segmented log: append, read, roll, reopen")
struct SegmentedLogTests {
    @Test("records read back in order with dense sequence numbers, their timestamps, types and payloads")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        let results = try LogFixtures.appendBatches(log, sizes: [1, 3, 2, 1])
        #expect(results.map(\.firstSequence) == [1, 2, 5, 7])
        #expect(results.map(\.lastSequence) == [1, 4, 6, 7])
        #expect(log.lastSequence == 7)
        try log.close()
        let records = try LogFixtures.readAll(dir.path)
        #expect(records.map(\.sequence) == Array(1...7))
        #expect(records.map(\.endsBatch) == [true, false, false, true, false, true, true])
        let decoded = records.map { LogFixtures.decode($0.payload)! }
        #expect(decoded.map(\.batch) == [0, 1, 1, 1, 2, 2, 3])
        #expect(records[1].timestamp == 1_700_000_000_000 + 1000)
        #expect(records[4].type == 2)
    }

    @Test("an empty batch and an oversized record are refused and append nothing")
    func refusals() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        var batch = AppendBatch()
        #expect(throws: StorageError.self) { try log.append(&batch) }
        batch.add(type: 1, payload: [UInt8](repeating: 7, count: LogFormat.maxFrameSize))
        let error = #expect(throws: StorageError.self) { try log.append(&batch) }
        #expect(error?.code == .invalidArgument)
        #expect(log.lastSequence == 0)
    }

    @Test("a timestamp earlier than the newest record is refused; without one the clock is clamped")
    func timestampsNeverDecrease() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        var batch = AppendBatch()
        let future = FileIO.wallClockMilliseconds() + 3_600_000
        batch.add(type: 1, payload: [1])
        try log.append(&batch, timestamp: future)
        batch.add(type: 1, payload: [2])
        let error = #expect(throws: StorageError.self) { try log.append(&batch, timestamp: future - 1) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("never decrease") == true)
        #expect(log.lastSequence == 1)
        // A clock behind the newest record never breaks a write: the time is clamped.
        let r = try log.append(&batch)
        #expect(r.timestamp == future)
        #expect(log.lastSequence == 2)
    }

    @Test("segments roll at the configured size, are named by their first sequence number, and reopen continues")
    func rollAndReopen() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.segmentSize = 600
        var log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 2, count: 20))
        let digest = log.digest
        try log.close()
        let names = listFiles(dir.path + "/log").filter { $0.hasSuffix(".seg") }
        #expect(names.count > 3)
        #expect(names.first == "00000000000000000001.seg")
        for path in LogFixtures.segmentPaths(dir.path) {
            let bytes = readFile(path)
            #expect(bytes.count <= 600 || LogFixtures.frames(bytes).count == 2)
            let base = UInt64(path.split(separator: "/").last!.prefix(20))!
            let firstSequence = bytes[LogFormat.segmentHeaderSize + 8]
            #expect(UInt64(firstSequence) == base % 256)
        }
        log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        #expect(log.digest == digest)
        try LogFixtures.appendBatches(log, sizes: [3], firstBatch: 20)
        try log.close()
        let records = try LogFixtures.readAll(dir.path)
        #expect(records.map(\.sequence) == Array(1...43))
        #expect(try LogReader(at: dir.path).verify(upTo: digest).matchedDigest)
    }

    @Test("reading a range starts and stops at the asked sequence numbers, across segments")
    func ranges() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.segmentSize = 1000
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 3, count: 40))
        try log.close()
        let reader = try LogReader(at: dir.path)
        for (from, through) in [(1, 1), (5, 9), (37, 80), (118, 120), (119, 500), (200, 300)] as [(UInt64, UInt64)] {
            var seen: [UInt64] = []
            try reader.forEachRecord(from: from, through: through) { seen.append($0.sequence); return true }
            let expected = from > 120 ? [] : Array(from...min(through, 120))
            #expect(seen == expected, "range \(from)...\(through)")
        }
    }

    @Test("the sequence at a time matches a linear search, at every interesting moment", arguments: [1, 2, 3])
    func sequenceAtTime(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.segmentSize = 2048
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        var time: Int64 = 1_000_000
        var batch = AppendBatch()
        for _ in 0..<300 {
            time += Int64(g.next() % 3) * 10 // repeated timestamps too
            for _ in 0...(g.next() % 3) { batch.add(type: 0, payload: g.bytes(Int(g.next() % 40))) }
            try log.append(&batch, timestamp: time)
        }
        try log.close()
        let records = try LogFixtures.readAll(dir.path)
        let reader = try LogReader(at: dir.path)
        #expect(reader.segmentFiles.count > 3)
        for t in stride(from: Int64(999_990), through: time + 10, by: 5) {
            let expected = records.last(where: { $0.timestamp <= t })?.sequence ?? 0
            #expect(try reader.sequence(atOrBefore: t) == expected, "time \(t)")
        }
    }

    @Test("the position a reader sees is the writer's digest")
    func readerPosition() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        try LogFixtures.appendBatches(log, sizes: [2, 2])
        let position = try LogReader(at: dir.path).position()
        #expect(position.digest == log.digest)
        #expect(position.lastTimestamp == log.lastTimestamp)
    }

    @Test("buffered policies keep records in memory until sync or close, then they are all there")
    func bufferedPolicies() throws {
        for policy in [SyncPolicy.never, .interval(milliseconds: 10_000)] {
            let dir = TemporaryDirectory()
            var configuration = LogConfiguration()
            configuration.syncPolicy = policy
            let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
            try LogFixtures.appendBatches(log, sizes: Array(repeating: 1, count: 50))
            #expect(try LogFixtures.readAll(dir.path).isEmpty)
            try log.sync()
            #expect(try LogFixtures.readAll(dir.path).count == 50)
            try LogFixtures.appendBatches(log, sizes: [2], firstBatch: 50)
            try log.close()
            #expect(try LogFixtures.readAll(dir.path).count == 52)
        }
    }

    @Test("an interval policy syncs once the interval has passed")
    func intervalPolicySyncs() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.syncPolicy = .interval(milliseconds: 1)
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: [1])
        FileIO.sleep(milliseconds: 5)
        try LogFixtures.appendBatches(log, sizes: [1], firstBatch: 1)
        #expect(try LogFixtures.readAll(dir.path).count == 2)
    }

    @Test("the store directory is private (0700) and its files 0600")
    func permissions() throws {
        let dir = TemporaryDirectory()
        let root = dir.appending("store")
        let log = try SegmentedLog.open(at: root)
        try LogFixtures.appendBatches(log, sizes: [1])
        try SnapshotStore(at: root).write(Snapshot(sequence: 1, timestamp: 0, chain: .zero, payload: [1]))
        func mode(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1
        }
        #expect(mode(root) == 0o700)
        #expect(mode(root + "/log") == 0o700)
        #expect(mode(LogFixtures.segmentPaths(root)[0]) == 0o600)
        #expect(mode(root + "/LOCK") == 0o600)
        #expect(mode(SnapshotStore(at: root).path(for: 1)) == 0o600)
    }

    @Test("a symbolic link in place of a segment is not followed")
    func symlinkNotFollowed() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        try LogFixtures.appendBatches(log, sizes: [1])
        try log.close()
        let segment = LogFixtures.segmentPaths(dir.path)[0]
        try FileManager.default.moveItem(atPath: segment, toPath: dir.appending("elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: segment, withDestinationPath: dir.appending("elsewhere"))
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: dir.path) }
        #expect(error?.errno == .tooManySymbolicLinks)
    }

    @Test("opening a missing store without create is 'not found'; a reader of a missing store too")
    func missingStore() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.createIfMissing = false
        let e1 = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: dir.appending("nope"), configuration: configuration) }
        #expect(e1?.code == .notFound)
        let e2 = #expect(throws: StorageError.self) { _ = try LogReader(at: dir.appending("nope")) }
        #expect(e2?.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: dir.appending("nope")))
    }

    @Test("digests print and parse as N:HEX, and malformed text is refused")
    func digestText() {
        let d = LogDigest(sequence: 42, chain: SHA256.hash(Array("x".utf8)))
        #expect(LogDigest(parsing: d.description) == d)
        #expect(LogDigest(parsing: "42") == nil)
        #expect(LogDigest(parsing: "x:" + d.chain.hex) == nil)
        #expect(LogDigest(parsing: "42:" + String(d.chain.hex.dropLast())) == nil)
    }
}
