/// One record as read back from the log. `payload` is only valid inside the closure it was passed to.
///
/// Record frame (docs/format.md): `length u32 | crc32c u32 | sequence u64 | timestamp i64 | type u16 | flags u8 |
/// reserved u8 | payload | chain hash (32 bytes, commit frames only)`, little-endian; the CRC covers bytes 8..<length.
package struct Record {
    /// Dense, increasing sequence number, from 1.
    package var sequence: UInt64
    /// Milliseconds since the Unix epoch; never decreases along the log.
    package var timestamp: Int64
    /// The record type, opaque to the storage layer.
    package var type: UInt16
    /// Whether this record ends its batch (the batch's records were appended and acknowledged together).
    package var endsBatch: Bool
    /// The payload bytes; borrowed from the reader's buffer.
    package var payload: UnsafeRawBufferPointer
    /// Where the record's frame starts, for reading it again directly.
    package var position: LogPosition
}

/// Where a record's frame is: the segment (by its base sequence number) and the byte offset in it.
package struct LogPosition: Hashable, Sendable {
    /// Base sequence number of the segment holding the record.
    package var segment: UInt64
    /// Byte offset of the frame in that segment file.
    package var offset: UInt64

    /// Makes a position.
    package init(segment: UInt64, offset: UInt64) { self.segment = segment; self.offset = offset }
}

/// A record with its own copy of the payload, for callers that keep records around.
package struct OwnedRecord: Equatable, Sendable {
    /// See ``Record/sequence``.
    package var sequence: UInt64
    /// See ``Record/timestamp``.
    package var timestamp: Int64
    /// See ``Record/type``.
    package var type: UInt16
    /// See ``Record/endsBatch``.
    package var endsBatch: Bool
    /// The payload bytes.
    package var payload: [UInt8]

    /// Copies a borrowed record.
    package init(_ r: Record) {
        sequence = r.sequence; timestamp = r.timestamp; type = r.type; endsBatch = r.endsBatch
        payload = Array(r.payload)
    }
}

/// Records to be appended together: one write, one sync, all or none survive a crash.
///
/// Frames are encoded straight into one growable buffer; sequence numbers, the timestamp, the chain hash and
/// the CRCs are filled in by ``SegmentedLog/append(_:timestamp:)``. Reuse one batch to avoid allocations:
/// `append` empties it and keeps its capacity.
package struct AppendBatch: Sendable {
    var bytes: [UInt8] = []
    static let zeros = [UInt8](repeating: 0, count: 64)
    /// Number of records in the batch.
    package private(set) var count = 0
    var lastFrameOffset = 0
    /// Size of the largest frame added (the log refuses frames over ``LogFormat/maxFrameSize``).
    package private(set) var largestFrame = 0

    /// Makes an empty batch, reserving `capacity` bytes.
    package init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Whether the batch has no record.
    package var isEmpty: Bool { count == 0 }
    /// Encoded size so far (without the chain hash the commit frame will carry).
    package var byteCount: Int { bytes.count }

    /// Whether records carry their own timestamps (see ``add(type:payload:timestamp:)``).
    package private(set) var hasOwnTimestamps = false
    var firstOwnTimestamp: Int64 = .min
    var lastOwnTimestamp: Int64 = .min
    var ownTimestampsDecrease = false

    /// Adds a record with its own timestamp (an imported event keeping its time). Either every record of a batch
    /// has its own timestamp or none has; they may not decrease within the batch.
    package mutating func add(type: UInt16, payload: UnsafeRawBufferPointer, timestamp: Int64) {
        precondition(count == 0 || hasOwnTimestamps, "mixing records with and without their own timestamps")
        if count == 0 { firstOwnTimestamp = timestamp } else if timestamp < lastOwnTimestamp { ownTimestampsDecrease = true }
        hasOwnTimestamps = true
        lastOwnTimestamp = timestamp
        let start = bytes.count
        add(type: type, payload: payload)
        bytes.withUnsafeMutableBytes { $0.setI64(timestamp, start + 16) }
    }

    /// Adds a record with its own timestamp.
    package mutating func add(type: UInt16, payload: [UInt8], timestamp: Int64) {
        payload.withUnsafeBytes { add(type: type, payload: $0, timestamp: timestamp) }
    }

    /// Adds a record of `type` with `payload`.
    package mutating func add(type: UInt16, payload: UnsafeRawBufferPointer) {
        let length = LogFormat.frameHeaderSize + payload.count
        let start = bytes.count
        lastFrameOffset = start
        largestFrame = max(largestFrame, length)
        bytes.append(contentsOf: Self.zeros[0..<LogFormat.frameHeaderSize])
        bytes.append(contentsOf: payload)
        bytes.withUnsafeMutableBytes { b in
            b.setU32(UInt32(truncatingIfNeeded: length), start)
            b.setU16(type, start + 24)
        }
        count += 1
    }

    /// Adds a record of `type` with `payload`.
    package mutating func add(type: UInt16, payload: [UInt8]) {
        payload.withUnsafeBytes { add(type: type, payload: $0) }
    }

    /// Empties the batch, keeping its capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
        lastFrameOffset = 0
        largestFrame = 0
        hasOwnTimestamps = false
        ownTimestampsDecrease = false
    }

    /// Undoes ``seal(firstSequence:timestamp:previousChain:)`` after a failed write, so the batch can be appended
    /// again as it was (the fields seal filled in are rewritten by the next seal).
    mutating func unseal() {
        guard bytes.count >= LogFormat.chainSize else { return }
        bytes.removeLast(LogFormat.chainSize)
        let lastOffset = lastFrameOffset
        bytes.withUnsafeMutableBytes { b in
            let length = Int(UnsafeRawBufferPointer(b).u32(lastOffset))
            b.setU32(UInt32(length - LogFormat.chainSize), lastOffset)
        }
    }

    /// Fills in sequence numbers, timestamp (unless records have their own), flags, the chain hash and CRCs;
    /// returns the new chain hash.
    ///
    /// Chain rule: `chain' = SHA-256(chain || for each frame: bytes 0..<4 and 8..<end)`, where `end` excludes the
    /// commit frame's own chain field. The CRC field is left out of the chain so that the two do not depend on
    /// each other; it protects the chain field instead.
    mutating func seal(firstSequence: UInt64, timestamp: Int64, previousChain: SHA256Digest) -> SHA256Digest {
        precondition(count > 0, "sealing an empty batch")
        // The commit frame grows by the chain field.
        bytes.append(contentsOf: Self.zeros[0..<LogFormat.chainSize])
        let lastOffset = lastFrameOffset
        return bytes.withUnsafeMutableBytes { b in
            let oldLength = Int(UnsafeRawBufferPointer(b).u32(lastOffset))
            b.setU32(UInt32(oldLength + LogFormat.chainSize), lastOffset)
            var hasher = SHA256()
            var offset = 0
            var sequence = firstSequence
            var chain: SHA256Digest?
            if count > 1 { hasher.update(previousChain) }
            if count == 1 {
                // One record: fill in its fields, then hash the link as one short message.
                b.setU64(sequence, 8)
                if !hasOwnTimestamps { b.setI64(timestamp, 16) }
                b[26] = LogFormat.commitFlag
                b[27] = 0
                let length = oldLength + LogFormat.chainSize
                chain = previousChain.withUnsafeBytes { c in
                    SHA256.hash(c, UnsafeRawBufferPointer(rebasing: b[0..<4]),
                                UnsafeRawBufferPointer(rebasing: b[8..<(length - LogFormat.chainSize)]))
                }
                offset = b.count
            }
            while offset < b.count {
                let length = Int(UnsafeRawBufferPointer(b).u32(offset))
                let isCommit = offset == lastOffset
                b.setU64(sequence, offset + 8)
                if !hasOwnTimestamps { b.setI64(timestamp, offset + 16) }
                b[offset + 26] = isCommit ? LogFormat.commitFlag : 0
                b[offset + 27] = 0
                hasher.update(UnsafeRawBufferPointer(rebasing: b[offset..<(offset + 4)]))
                let hashedEnd = offset + length - (isCommit ? LogFormat.chainSize : 0)
                hasher.update(UnsafeRawBufferPointer(rebasing: b[(offset + 8)..<hashedEnd]))
                sequence += 1
                offset += length
            }
            let link = chain ?? hasher.finalize()
            b.setDigest(link, lastOffset + oldLength)
            offset = 0
            while offset < b.count {
                let length = Int(UnsafeRawBufferPointer(b).u32(offset))
                let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[(offset + 8)..<(offset + length)]))
                b.setU32(crc, offset + 4)
                offset += length
            }
            return link
        }
    }
}
