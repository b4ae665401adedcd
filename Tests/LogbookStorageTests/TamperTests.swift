import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

/// A store of ten single-record batches, its digest, and the segment's path and bytes.
private struct Fixture {
    let dir = TemporaryDirectory()
    let root: String
    let digest: LogDigest
    let segment: String
    let bytes: [UInt8]
    var frames: [(offset: Int, length: Int)] { LogFixtures.frames(bytes) }

    init(sizes: [Int] = Array(repeating: 1, count: 10)) throws {
        root = dir.appending("store")
        let log = try SegmentedLog.open(at: root)
        try LogFixtures.appendBatches(log, sizes: sizes)
        digest = log.digest
        try log.close()
        segment = LogFixtures.segmentPaths(root)[0]
        bytes = readFile(segment)
    }

    /// Replaces the segment with `frames` (byte arrays) renumbered from 1, with their CRCs recomputed:
    /// what a forger who knows the frame format but not the chain's secret-free history would write.
    func write(frames: [[UInt8]]) {
        var out = Array(bytes[0..<LogFormat.segmentHeaderSize])
        for (i, var frame) in frames.enumerated() {
            LogFixtures.setSequence(&frame, frameAt: 0, UInt64(i + 1))
            LogFixtures.fixCRC(&frame, frameAt: 0, length: frame.count)
            out += frame
        }
        writeFile(segment, out)
    }

    func frameBytes() -> [[UInt8]] { frames.map { Array(bytes[$0.offset..<($0.offset + $0.length)]) } }
}

@Suite("Tamper evidence: verify against a saved digest")
struct TamperTests {
    @Test("an untouched log verifies against its digest, and against digests taken earlier")
    func intactLogVerifies() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        var digests = [log.digest]
        for b in 0..<6 {
            try LogFixtures.appendBatches(log, sizes: [1 + b % 3], firstBatch: b)
            digests.append(log.digest)
        }
        try log.close()
        let reader = try LogReader(at: dir.path)
        for d in digests { #expect(try reader.verify(upTo: d).matchedDigest, "digest \(d)") }
        #expect(try reader.verify().digest == digests.last)
    }

    @Test("editing a record and recomputing its CRC fails verification at that record")
    func editWithCRC() throws {
        let f = try Fixture()
        var frames = f.frameBytes()
        frames[3][LogFormat.frameHeaderSize + 2] ^= 0x01
        f.write(frames: frames)
        #expect(try LogFixtures.readAll(f.root).count == 10) // CRCs alone no longer notice
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered)
        #expect(error?.sequence == 4)
    }

    @Test("deleting a record (renumbering the rest, CRCs recomputed) fails at the first shifted record")
    func deleteRecord() throws {
        let f = try Fixture()
        var frames = f.frameBytes()
        frames.remove(at: 5)
        f.write(frames: frames)
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered)
        #expect(error?.sequence == 6)
    }

    @Test("swapping two records (sequence numbers and CRCs fixed) fails at the first of them")
    func swapRecords() throws {
        let f = try Fixture()
        var frames = f.frameBytes()
        frames.swapAt(2, 7)
        f.write(frames: frames)
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered)
        #expect(error?.sequence == 3)
    }

    @Test("inserting a record (a copy, renumbered, CRCs fixed) fails at the inserted one")
    func insertRecord() throws {
        let f = try Fixture()
        var frames = f.frameBytes()
        var copy = frames[1]
        copy.replaceSubrange(16..<24, with: frames[3][16..<24]) // a plausible time, so only the chain can tell
        frames.insert(copy, at: 4)
        f.write(frames: frames)
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered)
        #expect(error?.sequence == 5)
    }

    @Test("a forger who rewrites the whole chain still fails against the digest")
    func rewrittenChain() throws {
        let f = try Fixture()
        // The same history with one payload changed, every CRC and chain link recomputed by the real writer.
        let forged = TemporaryDirectory()
        let log = try SegmentedLog.open(at: forged.path)
        var batch = AppendBatch()
        for b in 0..<10 {
            var payload = LogFixtures.payload(batch: b, index: 0, count: 1)
            if b == 6 { payload[payload.count - 1] ^= 1 }
            batch.add(type: UInt16(b % 7), payload: payload)
            try log.append(&batch, timestamp: 1_700_000_000_000 + Int64(b) * 1000)
        }
        try log.close()
        writeFile(f.segment, readFile(LogFixtures.segmentPaths(forged.path)[0]))
        #expect(try LogReader(at: f.root).verify().records == 10) // self-consistent...
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered) // ...but not the log the digest was taken from
        #expect(error?.sequence == 10)
        #expect(error?.message.contains("does not match the digest") == true)
    }

    @Test("cutting whole records off the end fails against a digest taken after them")
    func truncatedAtBatchBoundary() throws {
        let f = try Fixture()
        writeFile(f.segment, Array(f.bytes[0..<f.frames[7].offset]))
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: f.digest) }
        #expect(error?.code == .tampered)
        #expect(error?.message.contains("records were removed") == true)
    }

    @Test("a digest inside a batch cannot match: digests are taken between batches")
    func digestInsideBatch() throws {
        let f = try Fixture(sizes: [1, 3, 1])
        let inside = LogDigest(sequence: 3, chain: f.digest.chain)
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: f.root).verify(upTo: inside) }
        #expect(error?.code == .tampered)
        #expect(error?.sequence == 3)
    }

    @Test("removing, or editing the header of, a middle segment breaks the segment chain")
    func segmentRemovedOrEdited() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.segmentSize = 400
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 1, count: 20))
        let digest = log.digest
        try log.close()
        let segments = LogFixtures.segmentPaths(dir.path)
        #expect(segments.count >= 3)
        // A header with a recomputed CRC but another start chain.
        var header = readFile(segments[1])
        header[40] ^= 0xFF
        let crc = CRC32C.checksum(Array(header[0..<76]))
        for i in 0..<4 { header[76 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        let original = readFile(segments[1])
        writeFile(segments[1], header)
        let edited = #expect(throws: StorageError.self) { _ = try LogReader(at: dir.path).verify(upTo: digest) }
        #expect(edited?.code == .tampered)
        #expect(edited?.path == segments[1])
        writeFile(segments[1], original)
        try FileManager.default.removeItem(atPath: segments[1])
        let removed = #expect(throws: StorageError.self) { _ = try LogReader(at: dir.path).verify(upTo: digest) }
        #expect(removed?.code == .tampered || removed?.code == .corrupted)
    }
}
