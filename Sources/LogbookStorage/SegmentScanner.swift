/// How a scan of one segment ended.
package enum ScanStop: Equatable, Sendable {
    /// The file ends right after a whole batch.
    case clean
    /// The file ends inside a batch: a frame is cut off, or whole frames are not yet closed by a commit frame.
    case incomplete(offset: Int)
    /// A frame fails a check (length, CRC, sequence, flags or timestamp).
    case damaged(offset: Int, sequence: UInt64, reason: String)
}

/// A whole, checked batch inside the scanner's buffer. Valid only during the callback it is passed to.
package struct BatchView {
    /// The batch's frames, back to back.
    package let bytes: UnsafeRawBufferPointer
    /// File offset of the batch's first frame.
    package let offset: Int
    /// Sequence number of the first record.
    package let firstSequence: UInt64
    /// Sequence number of the last record.
    package let lastSequence: UInt64
    /// The timestamp of the batch's last record (the newest; records of a batch usually share one).
    package let timestamp: Int64
    /// The timestamp of the batch's first record.
    package let firstTimestamp: Int64
    /// The chain hash stored in the batch's commit frame.
    package let storedChain: SHA256Digest
    /// Base sequence number of the segment the batch is in.
    package let segment: UInt64

    /// Calls `body` with each record, in order.
    @inline(__always)
    package func forEachRecord(_ body: (Record) throws -> Void) rethrows {
        var p = 0
        while p < bytes.count {
            let length = Int(bytes.u32(p))
            let isCommit = bytes[p + 26] & LogFormat.commitFlag != 0
            let payloadEnd = p + length - (isCommit ? LogFormat.chainSize : 0)
            try body(Record(sequence: bytes.u64(p + 8), timestamp: bytes.i64(p + 16), type: bytes.u16(p + 24),
                            endsBatch: isCommit,
                            payload: UnsafeRawBufferPointer(rebasing: bytes[(p + LogFormat.frameHeaderSize)..<payloadEnd]),
                            position: LogPosition(segment: segment, offset: UInt64(offset + p))))
            p += length
        }
    }

    /// Extends `chain` over this batch per the chain rule, returning the recomputed chain hash.
    package func recomputeChain(from chain: SHA256Digest) -> SHA256Digest {
        let firstLength = Int(bytes.u32(0))
        if firstLength == bytes.count {
            // One record: the whole link is one short message (see SHA256.hash(_:_:_:)).
            return chain.withUnsafeBytes { c in
                SHA256.hash(c, UnsafeRawBufferPointer(rebasing: bytes[0..<4]),
                            UnsafeRawBufferPointer(rebasing: bytes[8..<(firstLength - LogFormat.chainSize)]))
            }
        }
        var hasher = SHA256()
        hasher.update(chain)
        var p = 0
        while p < bytes.count {
            let length = Int(bytes.u32(p))
            let isCommit = bytes[p + 26] & LogFormat.commitFlag != 0
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[p..<(p + 4)]))
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[(p + 8)..<(p + length - (isCommit ? LogFormat.chainSize : 0))]))
            p += length
        }
        return hasher.finalize()
    }
}

/// Reads a segment's frames in large chunks and hands out whole, checked batches.
///
/// Every frame's length, CRC32C, sequence number (dense), flags and timestamp (never decreasing) are checked
/// before its batch is delivered; a batch is delivered only once its commit frame has been read, so a reader
/// never sees part of a batch. The buffer is reused across calls: replay makes no per-record allocation.
package final class SegmentScanner {
    private var buffer: UnsafeMutableRawBufferPointer

    /// Makes a scanner with a read buffer of `chunkSize` bytes (it grows for larger batches).
    package init(chunkSize: Int = 4 << 20) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The first read of a scan (later ones double up to the buffer's size).
    static let firstRead = 128 << 10

    /// The result of a scan.
    package struct Outcome: Equatable {
        /// Why it stopped.
        package var stop: ScanStop
        /// File offset just past the last whole batch delivered (or the start offset).
        package var endOfLastBatch: Int
        /// The sequence number the next record must have.
        package var nextSequence: UInt64
        /// Timestamp of the last whole batch (or the given minimum).
        package var lastTimestamp: Int64
        /// Chain hash stored by the last whole batch, if any was read.
        package var lastChain: SHA256Digest?
    }

    /// Scans `file` from `start` to `end`, calling `body` for each whole batch; `body` returns false to stop early.
    package func scan(_ file: SystemFile, from start: Int, to end: Int, expectedSequence: UInt64,
                      minimumTimestamp: Int64, segment: UInt64 = 0,
                      _ body: (BatchView) throws -> Bool) throws -> Outcome {
        var outcome = Outcome(stop: .clean, endOfLastBatch: start, nextSequence: expectedSequence,
                              lastTimestamp: minimumTimestamp, lastChain: nil)
        var bufferStart = start      // file offset of buffer[0]
        var bufferCount = 0          // valid bytes in buffer
        var batchStart = start       // file offset of the current batch's first frame
        var p = start                // file offset of the frame being checked
        var sequence = expectedSequence
        var timestamp = minimumTimestamp
        let path = file.path
        // Reads start small and double: a lookup that stops after a few batches (a time or sequence number found
        // within one index interval) reads tens of KiB, not a whole chunk; a replay reaches full chunks at once.
        var readSize = min(buffer.count, Self.firstRead)

        func fill(from offset: Int, atLeast needed: Int) throws -> Bool {
            if needed > buffer.count {
                var size = buffer.count
                while size < needed { size *= 2 }
                buffer.deallocate()
                buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            }
            let want = min(max(readSize, needed), buffer.count, end - offset)
            readSize = min(readSize * 2, buffer.count)
            do {
                bufferCount = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: offset)
            } catch {
                throw StorageError(.io, "Reading the log failed", path: path, offset: offset, errno: error)
            }
            bufferStart = offset
            return bufferCount >= needed
        }

        while true {
            if p == end {
                outcome.stop = p == batchStart ? .clean : .incomplete(offset: batchStart)
                return outcome
            }
            if p + LogFormat.frameHeaderSize > end {
                outcome.stop = .incomplete(offset: batchStart)
                return outcome
            }
            if p + LogFormat.frameHeaderSize > bufferStart + bufferCount {
                if try !fill(from: batchStart, atLeast: p + LogFormat.frameHeaderSize - batchStart) {
                    outcome.stop = .incomplete(offset: batchStart)
                    return outcome
                }
            }
            var b = UnsafeRawBufferPointer(buffer)
            var q = p - bufferStart
            let length = Int(b.u32(q))
            if length < LogFormat.frameHeaderSize || length > LogFormat.maxFrameSize {
                outcome.stop = .damaged(offset: p, sequence: sequence, reason: "invalid frame length \(length)")
                return outcome
            }
            if p + length > end {
                // A cut-off last frame, or a damaged length field: the caller tells them apart by looking for
                // valid records after this point.
                outcome.stop = .damaged(offset: p, sequence: sequence,
                                        reason: "frame of \(length) bytes runs past the end of the file")
                return outcome
            }
            if p + length > bufferStart + bufferCount {
                if try !fill(from: batchStart, atLeast: p + length - batchStart) {
                    outcome.stop = .incomplete(offset: batchStart)
                    return outcome
                }
                b = UnsafeRawBufferPointer(buffer)
                q = p - bufferStart
            }
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[(q + 8)..<(q + length)]))
            if crc != b.u32(q + 4) {
                outcome.stop = .damaged(offset: p, sequence: sequence, reason: "record checksum mismatch")
                return outcome
            }
            let frameSequence = b.u64(q + 8)
            if frameSequence != sequence {
                outcome.stop = .damaged(offset: p, sequence: sequence,
                                        reason: "sequence number \(frameSequence) where \(sequence) was expected")
                return outcome
            }
            let flags = b[q + 26]
            let isCommit = flags & LogFormat.commitFlag != 0
            if flags & ~LogFormat.commitFlag != 0 || b[q + 27] != 0
                || (isCommit && length < LogFormat.frameHeaderSize + LogFormat.chainSize) {
                outcome.stop = .damaged(offset: p, sequence: sequence, reason: "invalid frame flags")
                return outcome
            }
            let frameTime = b.i64(q + 16)
            if frameTime < timestamp {
                outcome.stop = .damaged(offset: p, sequence: sequence,
                                        reason: "timestamp \(frameTime) goes back before \(timestamp)")
                return outcome
            }
            timestamp = frameTime
            sequence += 1
            p += length
            if isCommit {
                let first = batchStart - bufferStart
                let view = BatchView(bytes: UnsafeRawBufferPointer(rebasing: b[first..<(p - bufferStart)]),
                                     offset: batchStart, firstSequence: b.u64(first + 8), lastSequence: sequence - 1,
                                     timestamp: timestamp, firstTimestamp: b.i64(first + 16), storedChain: b.digest(p - bufferStart - LogFormat.chainSize),
                                     segment: segment)
                outcome.endOfLastBatch = p
                outcome.nextSequence = sequence
                outcome.lastTimestamp = timestamp
                outcome.lastChain = view.storedChain
                batchStart = p
                if try !body(view) { return outcome }
            }
        }
    }

    /// What follows damage found inside the last batch of a segment.
    package enum AfterDamage: Equatable {
        /// No whole, CRC-valid frame: the tail of an interrupted write.
        case nothing
        /// Valid frames of the damaged batch only, and the damage holds zero-filled 4 KiB pages: a write torn by a
        /// power loss (some of its pages reached the disk, others did not). Nothing of it was acknowledged.
        case tornWrite
        /// Valid frames that cannot belong to one torn write: damage in the middle of the log.
        case validRecords
    }

    /// Classifies what follows damage at offset `damage` (inside the segment's last batch) up to `end`.
    ///
    /// A power loss can keep any subset of the pages of a write that was not yet synced; pages that did not reach
    /// the disk read back as zeros. Such a tear may leave valid frames of the same batch after the damage. It is
    /// told from real damage by two facts: every valid frame after the damage belongs to one batch (none follows a
    /// commit frame), and the damage itself is zero-filled to a page boundary (bit rot is not page-shaped).
    package func classify(in file: SystemFile, damage: Int, to end: Int,
                          minimumSequence: UInt64) throws -> AfterDamage {
        guard end - damage > LogFormat.frameHeaderSize else { return .nothing }
        let tail: [UInt8]
        do { tail = try file.read(count: end - damage, at: damage) } catch {
            throw StorageError(.io, "Reading the log failed", path: file.path, offset: damage, errno: error)
        }
        return tail.withUnsafeBytes { b in
            var frames: [(start: Int, end: Int, commit: Bool)] = []
            var q = 1
            while q + LogFormat.frameHeaderSize <= b.count {
                let length = Int(b.u32(q))
                if length >= LogFormat.frameHeaderSize && q + length <= b.count {
                    let s = b.u64(q + 8)
                    if s >= minimumSequence && s - minimumSequence < 1 << 40,
                       CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[(q + 8)..<(q + length)])) == b.u32(q + 4) {
                        frames.append((q, q + length, b[q + 26] & LogFormat.commitFlag != 0))
                    }
                }
                q += 1
            }
            guard !frames.isEmpty else { return .nothing }
            // One batch: nothing valid starts after the first commit frame ends.
            if let commit = frames.first(where: \.commit), frames.contains(where: { $0.start >= commit.end }) {
                return .validRecords
            }
            // Page-shaped: the damaged frame is zero from its start to its page's end, or a whole page between the
            // damage and the first valid frame after it is zero.
            let page = 4096
            func isZero(_ from: Int, _ to: Int) -> Bool {
                from < to && b[from..<to].allSatisfy { $0 == 0 }
            }
            let firstPageEnd = ((damage / page) + 1) * page - damage
            if isZero(0, min(firstPageEnd, frames[0].start)) { return .tornWrite }
            var pageStart = firstPageEnd
            while pageStart + page <= frames[0].start {
                if isZero(pageStart, pageStart + page) { return .tornWrite }
                pageStart += page
            }
            return .validRecords
        }
    }
}
