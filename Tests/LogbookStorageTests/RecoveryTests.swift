import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

/// Builds a store with the given batch sizes and returns its path and the segment bytes.
private func makeStore(_ dir: TemporaryDirectory, sizes: [Int], segmentSize: Int = 64 << 20) throws -> String {
    var configuration = LogConfiguration()
    configuration.segmentSize = segmentSize
    let root = dir.appending("source")
    let log = try SegmentedLog.open(at: root, configuration: configuration)
    try LogFixtures.appendBatches(log, sizes: sizes)
    try log.close()
    return root
}

/// A store whose log directory holds exactly these segment files (name -> bytes).
private func storeWith(_ dir: TemporaryDirectory, _ name: String, segments: [(String, [UInt8])]) -> String {
    let root = dir.appending(name)
    try! FileManager.default.createDirectory(atPath: root + "/log", withIntermediateDirectories: true)
    for (file, bytes) in segments { writeFile(root + "/log/" + file, bytes) }
    return root
}

private func fileName(_ path: String) -> String { String(path.split(separator: "/").last!) }

@Suite("Recovery: torn tails are cut, all other damage stops the open")
struct RecoveryTests {
    @Test("a multi-page last batch torn by a power loss (zero pages, valid frames after) is cut; the same zeros before a later batch, or a flipped byte, stop the open")
    func tornMultiPageWrite() throws {
        let dir = TemporaryDirectory()
        for (name, sizes, edit, opens) in [("torn", [1, 300], "zero", true), ("later", [1, 300, 2], "zero", false),
                                           ("flip", [1, 300], "flip", false)] {
            let source = try makeStore(dir, sizes: sizes)
            let segment = LogFixtures.segmentPaths(source)[0]
            var bytes = readFile(segment)
            let frames = LogFixtures.frames(bytes)
            let start = frames[1].offset          // the second batch
            #expect(bytes.count - start > 3 * 4096, "the second batch spans several pages")
            if edit == "zero" {
                // Its first page never reached the disk: zeros from its start to the end of the page after.
                let end = (start / 4096 + 2) * 4096
                for k in start..<end { bytes[k] = 0 }
            } else {
                bytes[start + 40] ^= 0x10
            }
            let root = storeWith(dir, name, segments: [(fileName(segment), bytes)])
            // A reader before any writer: a torn write is an uncut tail (the whole records before it read); damage
            // followed by a later batch is an error.
            var read: [UInt64] = []
            let readAll = { try LogReader(at: root).forEachRecord { read.append($0.sequence); return true } }
            if opens {
                try readAll()
                #expect(read == [1], "\(name)")
            } else {
                #expect(throws: StorageError.self, "\(name)") { try readAll() }
            }
            if opens {
                let log = try SegmentedLog.open(at: root)
                #expect(log.lastSequence == 1)
                #expect(log.recovery.warnings.contains { $0.contains("torn by a power loss") }, "\(log.recovery.warnings)")
                try log.close()
            } else {
                let error = #expect(throws: StorageError.self, "\(name)") { _ = try SegmentedLog.open(at: root) }
                #expect(error?.code == .corrupted, "\(name)")
                #expect(readFile(root + "/log/" + fileName(segment)) == bytes, "\(name): the log was changed")
            }
            try FileManager.default.removeItem(atPath: source)
        }
    }

    @Test("truncating a log at every byte offset recovers exactly the whole records before the cut, and later appends survive")
    func truncateAtEveryOffset() throws {
        let dir = TemporaryDirectory()
        let source = try makeStore(dir, sizes: Array(repeating: 1, count: 8))
        let segment = LogFixtures.segmentPaths(source)[0]
        let bytes = readFile(segment)
        let frames = LogFixtures.frames(bytes)
        #expect(frames.count == 8)
        for cut in 0...bytes.count {
            let root = storeWith(dir, "cut\(cut)", segments: [(fileName(segment), Array(bytes[0..<cut]))])
            defer { try? FileManager.default.removeItem(atPath: root) }
            if cut < LogFormat.segmentHeaderSize {
                // Segments are created whole (temporary file + rename), so a short header is damage, not a torn write.
                let error = #expect(throws: StorageError.self, "cut \(cut)") { _ = try SegmentedLog.open(at: root) }
                #expect(error?.code == .corrupted)
                continue
            }
            let whole = frames.filter { $0.offset + $0.length <= cut }
            let boundary = whole.last.map { $0.offset + $0.length } ?? LogFormat.segmentHeaderSize
            let log = try SegmentedLog.open(at: root)
            #expect(log.lastSequence == UInt64(whole.count), "cut \(cut)")
            #expect(log.recovery.truncatedBytes == cut - boundary, "cut \(cut)")
            #expect(log.recovery.warnings.isEmpty == (cut == boundary), "cut \(cut)")
            try LogFixtures.appendBatches(log, sizes: [2], firstBatch: 100)
            try log.close()
            let records = try LogFixtures.readAll(root)
            #expect(records.map(\.sequence) == Array(1...UInt64(whole.count + 2)), "cut \(cut)")
            #expect(records.suffix(2).allSatisfy { LogFixtures.decode($0.payload)?.batch == 100 }, "cut \(cut)")
            #expect(try LogReader(at: root).verify().records == UInt64(whole.count + 2))
        }
    }

    @Test("a torn multi-record batch is cut back whole: a batch is all or nothing")
    func tornBatchIsCutWhole() throws {
        let dir = TemporaryDirectory()
        let source = try makeStore(dir, sizes: [2, 4])
        let segment = LogFixtures.segmentPaths(source)[0]
        let bytes = readFile(segment)
        let frames = LogFixtures.frames(bytes)
        let batchStart = frames[2].offset
        for cut in (batchStart + 1)..<bytes.count {
            let root = storeWith(dir, "cut\(cut)", segments: [(fileName(segment), Array(bytes[0..<cut]))])
            defer { try? FileManager.default.removeItem(atPath: root) }
            let log = try SegmentedLog.open(at: root)
            #expect(log.lastSequence == 2, "cut \(cut)")
            #expect(log.recovery.truncatedBytes == cut - batchStart)
        }
    }

    @Test("flipping any byte of a log is detected; only a flip inside the last record is treated as a torn tail")
    func flipEveryByte() throws {
        let dir = TemporaryDirectory()
        let source = try makeStore(dir, sizes: Array(repeating: 1, count: 8))
        let segment = LogFixtures.segmentPaths(source)[0]
        let bytes = readFile(segment)
        let last = LogFixtures.frames(bytes).last!
        var tornTails = 0
        for offset in 0..<bytes.count {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            let root = storeWith(dir, "flip\(offset)", segments: [(fileName(segment), damaged)])
            defer { try? FileManager.default.removeItem(atPath: root) }
            do {
                let log = try SegmentedLog.open(at: root)
                // Accepted only as a torn tail: inside the last record, cut with a warning, the rest intact.
                #expect(offset >= last.offset, "flip at \(offset) was not detected")
                #expect(!log.recovery.warnings.isEmpty, "flip at \(offset)")
                #expect(log.lastSequence == 7, "flip at \(offset)")
                try log.close()
                #expect(try LogReader(at: root).verify().records == 7)
                tornTails += 1
            } catch let error as StorageError {
                #expect(error.code == .corrupted || error.code == .unsupportedVersion, "flip at \(offset): \(error)")
                #expect(error.path?.hasSuffix(".seg") == true)
                #expect(readFile(root + "/log/" + fileName(segment)) == damaged, "a failed open changed the file")
            }
        }
        #expect(tornTails > 0)
    }

    @Test("flipping any byte of a sealed segment is detected by reading and by verify")
    func flipInSealedSegment() throws {
        let dir = TemporaryDirectory()
        let source = try makeStore(dir, sizes: Array(repeating: 1, count: 12), segmentSize: 500)
        let paths = LogFixtures.segmentPaths(source)
        #expect(paths.count >= 2)
        let sealed = readFile(paths[0])
        let others = paths.dropFirst().map { (fileName($0), readFile($0)) }
        for offset in 0..<sealed.count {
            var damaged = sealed
            damaged[offset] ^= 0x01
            let root = storeWith(dir, "flip\(offset)", segments: [(fileName(paths[0]), damaged)] + others)
            defer { try? FileManager.default.removeItem(atPath: root) }
            #expect(throws: StorageError.self, "flip at \(offset)") { _ = try LogFixtures.readAll(root) }
            #expect(throws: StorageError.self, "flip at \(offset)") { _ = try LogReader(at: root).verify() }
        }
    }

    @Test("a damaged record followed by good ones stops the open, naming file, offset and sequence, and changes nothing")
    func damageInTheMiddle() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: Array(repeating: 1, count: 8))
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        let third = LogFixtures.frames(bytes)[2]
        bytes[third.offset + 30] ^= 0xFF
        writeFile(segment, bytes)
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: root) }
        #expect(error?.code == .corrupted)
        #expect(error?.sequence == 3)
        #expect(error?.offset == third.offset)
        #expect(error?.path == segment)
        #expect(error?.description.contains("checksum mismatch") == true)
        #expect(readFile(segment) == bytes)
        let readError = #expect(throws: StorageError.self) { _ = try LogFixtures.readAll(root) }
        #expect(readError?.sequence == 3)
    }

    @Test("a zero-filled tail (a file extended but never written) is cut as a torn tail")
    func zeroFilledTail() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: [1, 2, 1])
        let segment = LogFixtures.segmentPaths(root)[0]
        writeFile(segment, readFile(segment) + [UInt8](repeating: 0, count: 4096))
        let log = try SegmentedLog.open(at: root)
        #expect(log.lastSequence == 4)
        #expect(log.recovery.truncatedBytes == 4096)
        #expect(log.recovery.warnings.first?.contains("torn tail") == true)
    }

    @Test("leftover temporary files of an interrupted create are removed with a warning")
    func leftoverTemporaryFiles() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: [1])
        writeFile(root + "/log/00000000000000000002.seg.tmp", [1, 2, 3])
        let log = try SegmentedLog.open(at: root)
        #expect(!FileManager.default.fileExists(atPath: root + "/log/00000000000000000002.seg.tmp"))
        #expect(log.recovery.warnings.contains { $0.contains("temporary") })
        #expect(log.lastSequence == 1)
    }

    @Test("a damaged or stale index sidecar is ignored: time lookups stay right")
    func damagedIndexIgnored() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: Array(repeating: 1, count: 30), segmentSize: 600)
        let index = listFiles(root + "/log").first { $0.hasSuffix(".idx") }!
        var bytes = readFile(root + "/log/" + index)
        bytes[bytes.count / 2] ^= 0xFF
        writeFile(root + "/log/" + index, bytes)
        let reader = try LogReader(at: root)
        for b in 0..<30 {
            #expect(try reader.sequence(atOrBefore: 1_700_000_000_000 + Int64(b) * 1000 + 500) == UInt64(b + 1))
        }
    }
}

@Suite("Repair: the explicit, reported cut")
struct RepairTests {
    @Test("repair after the last good record cuts the damage, saves the cut bytes, and the store works again")
    func repairAfterDamage() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: Array(repeating: 1, count: 10))
        let segment = LogFixtures.segmentPaths(root)[0]
        var bytes = readFile(segment)
        let fifth = LogFixtures.frames(bytes)[4]
        bytes[fifth.offset + 4] ^= 0x10
        writeFile(segment, bytes)
        #expect(throws: StorageError.self) { _ = try SegmentedLog.open(at: root) }

        let refused = #expect(throws: StorageError.self) { _ = try SegmentedLog.repair(at: root, truncateAfter: 6) }
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message.contains("damage at sequence 5") == true)
        #expect(refused?.message.contains("truncate after 4") == true)

        let report = try SegmentedLog.repair(at: root, truncateAfter: 4)
        #expect(report.keptThrough == 4)
        #expect(report.removedBytes == bytes.count - fifth.offset)
        let saved = try #require(report.savedTo)
        #expect(readFile(saved + "/tail-of-" + fileName(segment)) == Array(bytes[fifth.offset...]))
        let log = try SegmentedLog.open(at: root)
        #expect(log.lastSequence == 4)
        #expect(log.recovery.warnings.isEmpty)
        try LogFixtures.appendBatches(log, sizes: [1], firstBatch: 50)
        try log.close()
        #expect(try LogReader(at: root).verify().records == 5)
    }

    @Test("repair refuses a cut inside a batch, naming the cuts it would take")
    func repairInsideBatch() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: [1, 3, 1])
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.repair(at: root, truncateAfter: 3) }
        #expect(error?.message.contains("truncate after 1 or 4") == true)
        #expect(try LogFixtures.readAll(root).count == 5)
    }

    @Test("repair across segments removes the later segments and keeps copies of them")
    func repairAcrossSegments() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: Array(repeating: 1, count: 20), segmentSize: 500)
        let before = LogFixtures.segmentPaths(root)
        #expect(before.count >= 3)
        let report = try SegmentedLog.repair(at: root, truncateAfter: 2)
        #expect(LogFixtures.segmentPaths(root).count == 1)
        #expect(report.removedSegments.count == before.count - 1)
        for removed in report.removedSegments {
            #expect(FileManager.default.fileExists(atPath: report.savedTo! + "/" + fileName(removed)))
        }
        #expect(try LogFixtures.readAll(root).map(\.sequence) == [1, 2])
        let log = try SegmentedLog.open(at: root)
        try LogFixtures.appendBatches(log, sizes: [1], firstBatch: 2)
        try log.close()
        #expect(try LogReader(at: root).verify().records == 3)
    }

    @Test("a repair with nothing to cut changes nothing")
    func repairNoOp() throws {
        let dir = TemporaryDirectory()
        let root = try makeStore(dir, sizes: [1, 1])
        let report = try SegmentedLog.repair(at: root, truncateAfter: 2)
        #expect(report.removedBytes == 0 && report.savedTo == nil)
        let error = #expect(throws: StorageError.self) { _ = try SegmentedLog.repair(at: root, truncateAfter: 9) }
        #expect(error?.message.contains("the log ends at sequence 2") == true)
    }
}

@Suite("Repair past a damaged segment header")
struct RepairDamagedHeaderTests {
    @Test("a segment whose header is damaged (and all after it) is cut away whole by a repair before it")
    func cutBeforeDamagedHeader() throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration()
        configuration.segmentSize = 500
        let root = dir.appending("store")
        let log = try SegmentedLog.open(at: root, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: Array(repeating: 1, count: 20))
        try log.close()
        let segments = LogFixtures.segmentPaths(root)
        #expect(segments.count >= 3)
        var header = readFile(segments[1])
        header[20] ^= 0xFF // inside the base sequence, under the header CRC
        writeFile(segments[1], header)
        #expect(throws: StorageError.self) { _ = try LogReader(at: root) }
        let secondBase = UInt64(segments[1].split(separator: "/").last!.prefix(20))!
        let refused = #expect(throws: StorageError.self) { _ = try SegmentedLog.repair(at: root, truncateAfter: secondBase) }
        #expect(refused?.message.contains("damaged header; truncate after \(secondBase - 1) at most") == true)
        let report = try SegmentedLog.repair(at: root, truncateAfter: secondBase - 1)
        #expect(report.removedSegments.count == segments.count - 1)
        #expect(try LogFixtures.readAll(root).map(\.sequence) == Array(1...(secondBase - 1)))
        #expect(try LogReader(at: root).verify().records == secondBase - 1)
    }
}
