import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("The active segment's index sidecar: a prefix readers and the writer resume from, never outliving a cut")
struct ActiveIndexTests {
    static let start: Int64 = 1_700_000_000_000
    /// Batches of 10 records (about 650 bytes each): 2,000 of them pass the growth that writes a sidecar.
    static let batches = 2_000

    static func configuration() -> LogConfiguration {
        var c = LogConfiguration()
        c.syncPolicy = .never
        return c
    }

    /// A store whose only segment holds `batches` batches, closed (so with a sidecar), and its sidecar's path.
    static func store(_ dir: TemporaryDirectory) throws -> (root: String, sidecar: String) {
        let root = dir.appending("store")
        let log = try SegmentedLog.open(at: root, configuration: configuration())
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 10, count: batches))
        try log.close()
        return (root, root + "/log/00000000000000000001.idx")
    }

    /// The sequence number at or before the middle of batch `b`'s second.
    static func expected(_ b: Int) -> UInt64 { UInt64((b + 1) * 10) }
    static func time(_ b: Int) -> Int64 { start + Int64(b) * 1000 + 500 }

    @Test("a writer's close leaves a sidecar for the active segment; a later lookup reads from its last entry, not the whole segment")
    func readerResumes() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        #expect(FileManager.default.fileExists(atPath: sidecar))
        let written = readFile(sidecar)
        // Growth below the threshold leaves the sidecar as it was: it then describes a prefix.
        let log = try SegmentedLog.open(at: root, configuration: Self.configuration())
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 10, count: 60), firstBatch: Self.batches)
        try log.close()
        #expect(readFile(sidecar) == written)
        let total = Self.batches + 60
        let reader = try LogReader(at: root)
        for b in stride(from: 0, to: total, by: 37) + [total - 1] {
            #expect(try reader.sequence(atOrBefore: Self.time(b)) == Self.expected(b))
        }
        // Damage early in the segment: a lookup past the prefix never reads it, while a full scan stops at it.
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        let frame = LogFixtures.frames(bytes)[1000]
        bytes[frame.offset + 30] ^= 0x40
        writeFile(segment, bytes)
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(total - 5)) == Self.expected(total - 5))
        #expect(throws: StorageError.self) { _ = try LogReader(at: root).sequence(atOrBefore: Self.time(101)) }
        try FileManager.default.removeItem(atPath: sidecar)
        #expect(throws: StorageError.self) { _ = try LogReader(at: root).sequence(atOrBefore: Self.time(total - 5)) }
    }

    @Test("a writer opens from the sidecar's last entry: its appends continue the chain, and damage in the prefix the sidecar describes is left to the reads that reach it")
    func writerResumes() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        var log = try SegmentedLog.open(at: root, configuration: Self.configuration())
        #expect(log.lastSequence == Self.expected(Self.batches - 1) && log.recovery.warnings.isEmpty)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 10, count: 60), firstBatch: Self.batches)
        try log.close()
        let total = Self.batches + 60
        #expect(try LogReader(at: root).verify().digest.sequence == Self.expected(total - 1))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(total - 1)) == Self.expected(total - 1))
        // A flipped bit early in the prefix: the writer's open does not read it (nor does a lookup past it); the
        // verification does. Without the sidecar the open scans the whole segment and stops at it.
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        bytes[LogFixtures.frames(bytes)[1000].offset + 30] ^= 0x40
        writeFile(segment, bytes)
        log = try SegmentedLog.open(at: root, configuration: Self.configuration())
        #expect(log.lastSequence == Self.expected(total - 1) && log.recovery.warnings.isEmpty)
        try log.close()
        let damage = #expect(throws: StorageError.self) { _ = try LogReader(at: root).verify() }
        #expect(damage?.sequence == 1001)
        try FileManager.default.removeItem(atPath: sidecar)
        let stopped = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: root, configuration: Self.configuration()) }
        #expect(stopped?.sequence == 1001 && stopped?.message.contains("followed by valid records") == true)
        #expect(readFile(segment) == bytes)
    }

    @Test("a torn tail cut at open removes the sidecar first; the writer's close writes a new one")
    func cutRemovesSidecar() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        let segment = LogFixtures.segmentPaths(root)[0]
        writeFile(segment, readFile(segment) + [200, 0, 0, 0, 1, 2, 3]) // a frame cut off by the end of the file
        let log = try SegmentedLog.open(at: root, configuration: Self.configuration())
        #expect(log.recovery.truncatedBytes == 7)
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        try log.close()
        #expect(FileManager.default.fileExists(atPath: sidecar))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(Self.batches - 1)) == Self.expected(Self.batches - 1))
    }

    @Test("a sidecar describing more than the segment holds is removed when a writer opens, and ignored by readers before that")
    func shortenedSegment() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        let segment = LogFixtures.segmentPaths(root)[0]
        // Shortened behind the log's back to a batch boundary (nothing torn to cut): batch 900 is the last.
        let bytes = readFile(segment)
        let cut = LogFixtures.frames(bytes)[900 * 10].offset
        writeFile(segment, Array(bytes[..<cut]))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(899)) == Self.expected(899))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(1200)) == Self.expected(899))
        let log = try SegmentedLog.open(at: root, configuration: Self.configuration())
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 10, count: 500), firstBatch: 900, start: Self.start + 1000)
        try log.close()
        // The new batches are a second later each: batch b (b >= 900) is at start + (b + 1) seconds.
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(1000) + 1000) == Self.expected(1000))
    }

    @Test("repair removes the cut segment's sidecar before it cuts")
    func repairRemovesSidecar() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        bytes[LogFixtures.frames(bytes)[12_000].offset + 4] ^= 0x10
        writeFile(segment, bytes)
        _ = try SegmentedLog.repair(at: root, truncateAfter: 11_000)
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(1200)) == 11_000)
    }

    @Test("a sidecar whose last entry does not name the frame at its offset is not used")
    func lyingLastEntry() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        var bytes = readFile(sidecar)
        let count = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        bytes[32 + 24 * (count - 1)] ^= 0x01 // the last entry's sequence number
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        writeFile(sidecar, bytes)
        let reader = try LogReader(at: root)
        for b in stride(from: 3, to: Self.batches, by: 101) {
            #expect(try reader.sequence(atOrBefore: Self.time(b)) == Self.expected(b))
        }
    }

    @Test("a stale sidecar that cannot be removed stops a writer's open with an error naming it, changing nothing; once it can, the open removes it")
    func staleSidecarNotRemovable() throws {
        let dir = TemporaryDirectory()
        let (root, sidecar) = try Self.store(dir)
        let segment = LogFixtures.segmentPaths(root)[0]
        let bytes = readFile(segment)
        writeFile(segment, Array(bytes[..<LogFixtures.frames(bytes)[900 * 10].offset]))
        let faults = FaultInjector()
        var configuration = Self.configuration()
        configuration.io = FileIO(faults: faults)
        faults.inject(.fail(.ioError), everyCallOf: .unlink)
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: root, configuration: configuration) }
        #expect(error?.message.contains("Removing a stale index sidecar failed") == true)
        #expect(FileManager.default.fileExists(atPath: sidecar))
        faults.clear()
        let log = try SegmentedLog.open(at: root, configuration: configuration)
        #expect(!FileManager.default.fileExists(atPath: sidecar))
        try log.close()
    }

    @Test("a sidecar that cannot be written is not an error: close succeeds, and readers scan the segment instead")
    func sidecarNotWritable() throws {
        let dir = TemporaryDirectory()
        let root = dir.appending("store")
        let faults = FaultInjector()
        var configuration = Self.configuration()
        configuration.io = FileIO(faults: faults)
        let log = try SegmentedLog.open(at: root, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 10, count: Self.batches))
        faults.inject(.fail(.ioError), everyCallOf: .rename)
        try log.close()
        faults.clear()
        #expect(!FileManager.default.fileExists(atPath: root + "/log/00000000000000000001.idx"))
        #expect(try LogReader(at: root).sequence(atOrBefore: Self.time(Self.batches - 1)) == Self.expected(Self.batches - 1))
    }
}
