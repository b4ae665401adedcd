import Foundation
import LogbookStorage

/// Helpers that build small logs for tests.
public enum LogFixtures {
    /// A deterministic payload for record `index` of batch `batch` (so a reader can check it is whole).
    public static func payload(batch: Int, index: Int, count: Int) -> [UInt8] {
        var g = SeededGenerator(seed: UInt64(batch) &* 1_000_003 &+ UInt64(index))
        let size = Int(g.next() % 48)
        var bytes = Array("b\(batch).\(index)/\(count):".utf8)
        bytes += g.bytes(size)
        return bytes
    }

    /// The batch number, index and count encoded by ``payload(batch:index:count:)``, if the payload is intact.
    public static func decode(_ payload: [UInt8]) -> (batch: Int, index: Int, count: Int)? {
        guard let colon = payload.firstIndex(of: UInt8(ascii: ":")), payload.first == UInt8(ascii: "b") else { return nil }
        let head = String(decoding: payload[1..<colon], as: UTF8.self)
        let parts = head.split(whereSeparator: { $0 == "." || $0 == "/" }).compactMap { Int($0) }
        guard parts.count == 3, Self.payload(batch: parts[0], index: parts[1], count: parts[2]) == payload else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// Appends `sizes.count` batches (batch b has sizes[b] records) with timestamps `start + b * 1000`.
    @discardableResult
    package static func appendBatches(_ log: SegmentedLog, sizes: [Int], firstBatch: Int = 0,
                                     start: Int64 = 1_700_000_000_000) throws -> [AppendResult] {
        var results: [AppendResult] = []
        var batch = AppendBatch()
        for (offset, size) in sizes.enumerated() {
            let b = firstBatch + offset
            for i in 0..<size { batch.add(type: UInt16(b % 7), payload: payload(batch: b, index: i, count: size)) }
            results.append(try log.append(&batch, timestamp: start + Int64(b) * 1000))
        }
        return results
    }

    /// Every record of the store, copied.
    package static func readAll(_ root: String) throws -> [OwnedRecord] {
        var records: [OwnedRecord] = []
        try LogReader(at: root).forEachRecord { records.append(OwnedRecord($0)); return true }
        return records
    }

    /// The path of the only (or last) segment of a store.
    public static func segmentPaths(_ root: String) -> [String] {
        listFiles(root + "/log").filter { $0.hasSuffix(".seg") }.map { root + "/log/" + $0 }
    }

    /// File offsets where each frame starts in a segment file, with its length (walking the length fields).
    public static func frames(_ bytes: [UInt8]) -> [(offset: Int, length: Int)] {
        var result: [(Int, Int)] = []
        var p = LogFormat.segmentHeaderSize
        while p + 4 <= bytes.count {
            let length = Int(bytes[p]) | Int(bytes[p + 1]) << 8 | Int(bytes[p + 2]) << 16 | Int(bytes[p + 3]) << 24
            guard length >= LogFormat.frameHeaderSize, p + length <= bytes.count else { break }
            result.append((p, length))
            p += length
        }
        return result
    }

    /// Rewrites the CRC of the frame at `offset` so that it matches its (possibly edited) bytes.
    public static func fixCRC(_ bytes: inout [UInt8], frameAt offset: Int, length: Int) {
        let crc = CRC32C.checksum(Array(bytes[(offset + 8)..<(offset + length)]))
        for i in 0..<4 { bytes[offset + 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    }

    /// Sets the sequence number field of the frame at `offset`.
    public static func setSequence(_ bytes: inout [UInt8], frameAt offset: Int, _ sequence: UInt64) {
        for i in 0..<8 { bytes[offset + 8 + i] = UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(i))) }
    }
}

/// The directory holding the test binary and the package's other built executables.
public var builtProductsDirectory: String {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = (exe as NSString).deletingLastPathComponent
    // The Swift Testing runner may live inside the .xctest bundle directory.
    while !dir.isEmpty && dir != "/" && !FileManager.default.fileExists(atPath: dir + "/logbook-testtool") {
        dir = (dir as NSString).deletingLastPathComponent
    }
    return dir
}
