import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Hostile bytes and missing pieces")
struct HostileInputTests {
    private func store(_ dir: TemporaryDirectory, batches: Int = 30, segmentSize: Int = 600) throws -> String {
        var configuration = LogConfiguration()
        configuration.segmentSize = segmentSize
        let root = dir.appending("store")
        let log = try SegmentedLog.open(at: root, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 1, count: batches))
        try log.close()
        return root
    }

    @Test("a log whose first segments were removed is refused as tampered, by readers, writers and verify")
    func missingFirstSegments() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir)
        let first = LogFixtures.segmentPaths(root)[0]
        try FileManager.default.removeItem(atPath: first)
        for open in [{ _ = try LogReader(at: root) }, { _ = try SegmentedLog.open(at: root) }] as [() throws -> Void] {
            let e = #expect(throws: StorageError.self) { try open() }
            #expect(e?.code == .tampered)
            #expect(e?.message.contains("segments before it are missing") == true)
        }
    }

    @Test("a segment header naming base 0 or a huge base is damage, not a log")
    func absurdBase() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir, batches: 2, segmentSize: 1 << 20)
        let path = LogFixtures.segmentPaths(root)[0]
        for base: UInt64 in [0, UInt64.max] {
            var bytes = readFile(path)
            for i in 0..<8 { bytes[16 + i] = UInt8(truncatingIfNeeded: base >> (8 * UInt64(i))) }
            let crc = CRC32C.checksum(Array(bytes[0..<76]))
            for i in 0..<4 { bytes[76 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
            let copy = dir.appending("base\(base)")
            try FileManager.default.createDirectory(atPath: copy + "/log", withIntermediateDirectories: true)
            writeFile(copy + "/log/00000000000000000001.seg", bytes)
            let e = #expect(throws: StorageError.self) { _ = try LogReader(at: copy) }
            #expect(e?.code == .corrupted)
        }
    }

    @Test("a snapshot header claiming an absurd payload length is skipped, not trusted and not a crash")
    func absurdSnapshotLength() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir, batches: 1)
        let snapshots = SnapshotStore(at: root)
        try snapshots.write(Snapshot(sequence: 1, timestamp: 0, chain: .zero, payload: [1, 2, 3]))
        var bytes = readFile(snapshots.path(for: 1))
        for i in 0..<8 { bytes[64 + i] = i == 7 ? 0x80 : 0 }
        let crc = CRC32C.checksum(Array(bytes[0..<92]))
        for i in 0..<4 { bytes[92 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        writeFile(snapshots.path(for: 1), bytes)
        let (found, warnings) = try snapshots.newestValid()
        #expect(found == nil && warnings.count == 1)
    }

    @Test("an index sidecar pointing outside its segment is ignored")
    func absurdIndexOffsets() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir)
        let sidecar = listFiles(root + "/log").first { $0.hasSuffix(".idx") }!
        var bytes = readFile(root + "/log/" + sidecar)
        for i in 0..<8 { bytes[48 + i] = 0xFF } // first entry's offset
        let crc = CRC32C.checksum(Array(bytes[0..<(bytes.count - 4)]))
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        writeFile(root + "/log/" + sidecar, bytes)
        let reader = try LogReader(at: root)
        for b in 0..<30 { #expect(try reader.sequence(atOrBefore: 1_700_000_000_000 + Int64(b) * 1000) == UInt64(b + 1)) }
    }

    @Test("repair after an absurd sequence number is refused, not a crash")
    func repairHugeSequence() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir, batches: 3)
        let e = #expect(throws: StorageError.self) { _ = try SegmentedLog.repair(at: root, truncateAfter: .max) }
        #expect(e?.code == .invalidArgument)
    }

    @Test("a damaged last batch is not passed over quietly: verify fails unless a writer is running")
    func damagedTailWithoutWriter() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir, batches: 5, segmentSize: 1 << 20)
        let path = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(path)
        bytes[bytes.count - 40] ^= 0xFF // inside the last record
        writeFile(path, bytes)
        let e = #expect(throws: StorageError.self) { _ = try LogReader(at: root).verify() }
        #expect(e?.code == .corrupted && e?.sequence == 5)
        // The same bytes while a writer holds the lock read as a write in flight: verify proves what is whole.
        let lockFile = try FileIO().open(root + "/LOCK", writable: true, create: true)
        #expect(try lockFile.tryLockExclusive())
        #expect(try LogReader(at: root).verify().records == 4)
        lockFile.close()
    }

    @Test("a segment listed in both log/ and archive/ (a compaction caught mid-move) is read once")
    func segmentInBothDirectories() throws {
        let dir = TemporaryDirectory()
        let root = try store(dir)
        let first = LogFixtures.segmentPaths(root)[0]
        try FileManager.default.createDirectory(atPath: root + "/archive", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first, toPath: root + "/archive/" + first.split(separator: "/").last!)
        let reader = try LogReader(at: root)
        #expect(reader.segmentFiles.filter { $0.base == 1 }.count == 1)
        #expect(try reader.verify().records == 30)
    }

    @Test("after a failed append the caller's batch is as it was, so a retry appends the same records")
    func retryAfterFailure() throws {
        let dir = TemporaryDirectory()
        let injector = FaultInjector()
        var configuration = LogConfiguration()
        configuration.io = FileIO(faults: injector)
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        var batch = AppendBatch()
        batch.add(type: 3, payload: Array("first".utf8))
        batch.add(type: 4, payload: Array("second".utf8))
        let before = batch.byteCount
        injector.inject(.fail(.noSpace), everyCallOf: .write)
        #expect(throws: StorageError.self) { try log.append(&batch) }
        #expect(batch.byteCount == before && batch.count == 2)
        injector.clear()
        try log.append(&batch)
        try log.close()
        let records = try LogFixtures.readAll(dir.path)
        #expect(records.map(\.payload) == [Array("first".utf8), Array("second".utf8)])
    }
}
