/// A sparse index of one segment: every so many bytes, the first sequence number, timestamp and offset of a batch.
///
/// Lookups by time or sequence number binary-search the entries, then scan at most one interval of the segment.
/// Sealed segments keep theirs in a sidecar file (`<base>.idx`, docs/format.md); it is derived data, checked by
/// CRC and rebuilt by a scan when missing or stale.
package struct SegmentIndex: Sendable, Equatable {
    /// One indexed batch start.
    package struct Entry: Sendable, Equatable {
        /// First sequence number of the batch.
        package var sequence: UInt64
        /// The batch's timestamp.
        package var timestamp: Int64
        /// File offset of the batch's first frame.
        package var offset: Int

        /// Whether the frame at this entry's offset of `file` has its sequence number and timestamp: a cheap guard
        /// before resuming a scan there (the writer removes a sidecar before it ever cuts the segment).
        func isFrame(in file: SystemFile) -> Bool {
            guard let frame = try? file.read(count: LogFormat.frameHeaderSize, at: offset),
                  frame.count == LogFormat.frameHeaderSize else { return false }
            return frame.withUnsafeBytes { $0.u64(8) == sequence && $0.i64(16) == timestamp }
        }
    }

    /// Entries in log order.
    package var entries: [Entry] = []
    /// Segment size the index describes.
    package var coveredBytes: Int = 0
    var lastIndexedOffset = 0

    /// Default distance between entries.
    package static let interval = 64 << 10

    /// Records a batch start if it is far enough from the previous entry.
    mutating func note(sequence: UInt64, timestamp: Int64, offset: Int, end: Int) {
        if entries.isEmpty || offset - lastIndexedOffset >= Self.interval {
            entries.append(Entry(sequence: sequence, timestamp: timestamp, offset: offset))
            lastIndexedOffset = offset
        }
        coveredBytes = end
    }

    /// Records a batch a scan delivered.
    mutating func note(_ batch: BatchView) {
        note(sequence: batch.firstSequence, timestamp: batch.firstTimestamp, offset: batch.offset, end: batch.offset + batch.bytes.count)
    }

    /// Prepares to note the batches from `entry` on (an index decoded from a sidecar describing a prefix): the
    /// entry itself is noted again without being repeated, the next one comes an interval after it.
    mutating func resume(at entry: Entry?) {
        guard let entry else { return }
        lastIndexedOffset = entry.offset
    }

    /// The last entry whose timestamp is at most `timestamp`.
    package func entry(atOrBeforeTime timestamp: Int64) -> Entry? {
        lastEntry { $0.timestamp <= timestamp }
    }

    /// The last entry whose sequence number is at most `sequence`.
    package func entry(atOrBeforeSequence sequence: UInt64) -> Entry? {
        lastEntry { $0.sequence <= sequence }
    }

    private func lastEntry(where isBefore: (Entry) -> Bool) -> Entry? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isBefore(entries[mid]) { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : entries[lo - 1]
    }

    /// The sidecar bytes: magic, version, count, covered size, entries (24 bytes each), CRC32C of all before it.
    func encoded(base: UInt64) -> [UInt8] {
        let size = 32 + 24 * entries.count + 4
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { b in
            b.setU64(LogFormat.indexMagic, 0)
            b.setU16(LogFormat.version, 8)
            b.setU32(UInt32(entries.count), 12)
            b.setU64(base, 16)
            b.setU64(UInt64(coveredBytes), 24)
            for (i, e) in entries.enumerated() {
                b.setU64(e.sequence, 32 + 24 * i)
                b.setI64(e.timestamp, 40 + 24 * i)
                b.setU64(UInt64(e.offset), 48 + 24 * i)
            }
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(size - 4)])), size - 4)
        }
        return bytes
    }

    /// The sidecar beside `segment`, if it can be read and decodes.
    static func load(besides segment: SegmentFile, paths: StorePaths, io: FileIO) -> SegmentIndex? {
        guard let file = try? io.open(paths.index(besideSegment: segment.path), writable: false) else { return nil }
        defer { file.close() }
        guard let size = try? file.size(), let bytes = try? file.read(count: size, at: 0) else { return nil }
        return decode(bytes, base: segment.base)
    }

    /// The sidecar beside the active `segment` (open as `file`, `size` bytes) as a prefix to resume a scan from: when it
    /// decodes, describes no more than the segment holds, and its last entry names the frame at its offset. Returns
    /// the index ready to note the batches from that entry on (``resume(at:)``), and the entry.
    static func prefix(besides segment: SegmentFile, file: SystemFile, size: Int, paths: StorePaths,
                       io: FileIO) -> (index: SegmentIndex, from: Entry)? {
        guard var index = load(besides: segment, paths: paths, io: io), index.coveredBytes <= size,
              let entry = index.entries.last, entry.isFrame(in: file) else { return nil }
        index.resume(at: entry)
        return (index, entry)
    }

    /// Decodes a sidecar; nil when it is damaged, of another version, or for another segment.
    static func decode(_ bytes: [UInt8], base: UInt64) -> SegmentIndex? {
        bytes.withUnsafeBytes { b -> SegmentIndex? in
            guard b.count >= 36, b.u64(0) == LogFormat.indexMagic, b.u16(8) == LogFormat.version,
                  b.u64(16) == base else { return nil }
            let count = Int(b.u32(12))
            guard b.count == 36 + 24 * count,
                  b.u32(b.count - 4) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<(b.count - 4)])),
                  let covered = Int(exactly: b.u64(24)) else { return nil }
            var index = SegmentIndex()
            index.coveredBytes = covered
            index.entries.reserveCapacity(count)
            for i in 0..<count {
                // An entry must point inside the segment, after the header; anything else makes the sidecar unusable.
                guard let offset = Int(exactly: b.u64(48 + 24 * i)), offset >= LogFormat.segmentHeaderSize,
                      offset < covered else { return nil }
                index.entries.append(Entry(sequence: b.u64(32 + 24 * i), timestamp: b.i64(40 + 24 * i), offset: offset))
            }
            return index
        }
    }
}
