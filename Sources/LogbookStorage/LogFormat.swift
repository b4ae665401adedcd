/// Constants of the on-disk format (docs/format.md has the byte tables).
package enum LogFormat {
    /// Format version written in every segment, index and snapshot header.
    package static let version: UInt16 = 1
    /// Segment header magic, "LGBKLOG1" read as a little-endian UInt64.
    static let segmentMagic: UInt64 = magic("LGBKLOG1")
    /// Segment index (sidecar) magic.
    static let indexMagic: UInt64 = magic("LGBKIDX1")
    /// Snapshot file magic.
    static let snapshotMagic: UInt64 = magic("LGBKSNP1")
    /// Bytes in a segment header.
    package static let segmentHeaderSize = 80
    /// Bytes in a record frame before the payload.
    package static let frameHeaderSize = 28
    /// Bytes of the chain hash that ends a batch's last (commit) frame.
    package static let chainSize = 32
    /// Flag bit: this frame ends a batch and carries the chain hash.
    static let commitFlag: UInt8 = 1
    /// Sequence numbers stay below 2^63, so that arithmetic on them never overflows.
    package static let maxSequence: UInt64 = 1 << 63
    /// The largest frame accepted (64 MiB); anything larger is damage, not data.
    package static let maxFrameSize = 64 << 20
    /// File name suffix of segments.
    static let segmentSuffix = ".seg"
    /// File name suffix of segment index sidecars.
    static let indexSuffix = ".idx"
    /// Suffix of files being written before their atomic rename.
    static let temporarySuffix = ".tmp"

    static func magic(_ s: StaticString) -> UInt64 {
        var v: UInt64 = 0
        s.withUTF8Buffer { b in for (i, c) in b.enumerated() { v |= UInt64(c) << (8 * UInt64(i)) } }
        return v
    }

    /// "00000000000000000001.seg": the zero-padded first sequence number, so names sort as numbers.
    static func fileName(base: UInt64, suffix: String) -> String {
        let digits = String(base)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The base sequence number of a file named by ``fileName(base:suffix:)``, or nil.
    static func base(ofFileName name: String, suffix: String) -> UInt64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(stem)
    }
}

// Little-endian loads and stores on raw buffers; callers check bounds first.
extension UnsafeRawBufferPointer {
    @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inline(__always) func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    @inline(__always) func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
    @inline(__always) func i64(_ at: Int) -> Int64 { Int64(littleEndian: loadUnaligned(fromByteOffset: at, as: Int64.self)) }
    @inline(__always) func digest(_ at: Int) -> SHA256Digest { SHA256Digest(loading: self, at: at) }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func setU16(_ v: UInt16, _ at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt16.self) }
    @inline(__always) func setU32(_ v: UInt32, _ at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt32.self) }
    @inline(__always) func setU64(_ v: UInt64, _ at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt64.self) }
    @inline(__always) func setI64(_ v: Int64, _ at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: Int64.self) }
    @inline(__always) func setDigest(_ d: SHA256Digest, _ at: Int) {
        d.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: self[at..<(at + 32)]).copyMemory(from: $0) }
    }
}

/// The fixed 80-byte header at the start of every segment file.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic "LGBKLOG1" |
/// | 8 | 2 | format version |
/// | 10 | 2 | header size (80) |
/// | 12 | 4 | reserved, zero |
/// | 16 | 8 | base sequence number (of the first record) |
/// | 24 | 8 | timestamp of the record before the first one (Int64.min for the first segment) |
/// | 32 | 32 | chain hash before the first record |
/// | 64 | 12 | reserved, zero |
/// | 76 | 4 | CRC32C of bytes 0..<76 |
package struct SegmentHeader: Equatable, Sendable {
    /// Sequence number of the segment's first record.
    package var baseSequence: UInt64
    /// Timestamp of the last record before this segment: the floor for this segment's timestamps.
    package var previousTimestamp: Int64
    /// The chain hash as it stood before the segment's first record.
    package var startChain: SHA256Digest

    /// The header's bytes.
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: LogFormat.segmentHeaderSize)
        bytes.withUnsafeMutableBytes { b in
            b.setU64(LogFormat.segmentMagic, 0)
            b.setU16(LogFormat.version, 8)
            b.setU16(UInt16(LogFormat.segmentHeaderSize), 10)
            b.setU64(baseSequence, 16)
            b.setI64(previousTimestamp, 24)
            b.setDigest(startChain, 32)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<76])), 76)
        }
        return bytes
    }

    /// Decodes and checks a header; throws `.corrupted` or `.unsupportedVersion` naming the file.
    static func decode(_ b: UnsafeRawBufferPointer, path: String) throws(StorageError) -> SegmentHeader {
        let size = LogFormat.segmentHeaderSize
        guard b.count >= size else {
            throw StorageError(.corrupted, "Segment header is incomplete (\(b.count) of \(size) bytes)", path: path, offset: 0)
        }
        guard b.u64(0) == LogFormat.segmentMagic else {
            throw StorageError(.corrupted, "Not a Logbook segment (bad magic)", path: path, offset: 0)
        }
        guard b.u32(76) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<76])) else {
            throw StorageError(.corrupted, "Segment header checksum mismatch", path: path, offset: 76)
        }
        guard b.u16(8) == LogFormat.version, b.u16(10) == UInt16(size) else {
            throw StorageError(.unsupportedVersion,
                               "Segment format version \(b.u16(8)) is not supported (this build reads version \(LogFormat.version))",
                               path: path, offset: 8)
        }
        let base = b.u64(16)
        guard base >= 1 && base < LogFormat.maxSequence else {
            throw StorageError(.corrupted, "Segment header names base sequence \(base), outside 1..<2^63", path: path, offset: 16)
        }
        return SegmentHeader(baseSequence: base, previousTimestamp: b.i64(24), startChain: b.digest(32))
    }
}
