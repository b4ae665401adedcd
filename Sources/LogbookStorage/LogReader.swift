/// A reader of a store's log. Takes no lock, never blocks the writer, and only hands out whole batches.
///
/// The segment list is read when the reader opens (``refresh()`` rereads it). A damaged frame at the very end of
/// the newest segment with nothing valid after it is an append in flight or a torn tail the writer will cut: the
/// reader stops there. Damage followed by valid records, or anywhere in an older segment, is an error naming
/// file, offset and sequence number.
package final class LogReader {
    /// Where the store lives.
    package let paths: StorePaths
    let io: FileIO
    private(set) var segments: [SegmentFile] = []
    private let scanner = SegmentScanner()
    private var indexes: [UInt64: SegmentIndex] = [:]
    /// The segment file ``record(at:_:)`` read last, kept open for the next position.
    private var positionFile: (base: UInt64, file: SystemFile)?
    /// Where the newest segment ended in an incomplete or damaged batch during the last read, if it did: a write in
    /// flight, or a torn tail the next writer will cut. ``verify(upTo:)`` calls it damage when no writer is running.
    package internal(set) var tailDamage: StorageError?

    /// The segment files, oldest first.
    package var segmentFiles: [SegmentFile] { segments }

    /// The oldest sequence number in the log (1 unless a prune removed older segments).
    package var firstSequence: UInt64 { segments[0].base }

    /// The prune checkpoint, when the log was pruned (read with the segment list).
    package private(set) var checkpoint: Checkpoint?

    /// The oldest sequence number whose history reads may use: after the checkpoint, even when an interrupted prune
    /// left older segments on disk for the next writer to remove.
    package var retainedFrom: UInt64 { max(firstSequence, (checkpoint?.throughSequence ?? 0) + 1) }

    /// The time of the last record before ``retainedFrom``.
    package var retainedAfterTime: Int64 {
        if let checkpoint, checkpoint.throughSequence + 1 == retainedFrom { return checkpoint.timestamp }
        return segments[0].header.previousTimestamp
    }

    /// The chain hash after the last record before ``retainedFrom``.
    package var retainedAfterChain: SHA256Digest {
        if let checkpoint, checkpoint.throughSequence + 1 == retainedFrom { return checkpoint.chain }
        return segments[0].header.startChain
    }

    /// Opens the log of the store at `root` for reading.
    /// - Throws: `.notFound` when there is no store there; `.corrupted` when a segment header is damaged.
    package init(at root: String, io: FileIO = FileIO()) throws {
        paths = StorePaths(root: root)
        self.io = io
        try refresh()
    }

    /// Rereads the list of segments (to see segments the writer added since).
    package func refresh() throws {
        positionFile = nil
        segments = try io.listSegments(paths).segments
        checkpoint = try io.readCheckpoint(paths)
        guard !segments.isEmpty else { throw StorageError(.notFound, "The store has no log segment", path: paths.log) }
    }

    /// A summary of the log's end as this reader sees it.
    package struct Position: Sendable, Equatable {
        /// The newest whole record's sequence number (0 when empty).
        package var lastSequence: UInt64
        /// Its timestamp (Int64.min when empty).
        package var lastTimestamp: Int64
        /// The chain hash stored after it.
        package var chain: SHA256Digest
        /// The file offset just past the newest whole batch, in the newest segment.
        package var endOffset = LogFormat.segmentHeaderSize
        /// The digest for this position.
        package var digest: LogDigest { LogDigest(sequence: lastSequence, chain: chain) }
    }

    /// Reads the newest segment to find where the log ends.
    package func position() throws -> Position {
        let last = segments[segments.count - 1]
        var position = Position(lastSequence: last.base - 1, lastTimestamp: last.header.previousTimestamp,
                                chain: last.header.startChain)
        try scanSegment(segments.count - 1, from: nil) { batch in
            position = Position(lastSequence: batch.lastSequence, lastTimestamp: batch.timestamp, chain: batch.storedChain,
                                endOffset: batch.offset + batch.bytes.count)
            return true
        }
        return position
    }

    /// Calls `body` with every record whose sequence number is in `from...through`, in order.
    /// `body` returns false to stop early. Payloads are borrowed: copy what you keep.
    /// `start`, when known, is where the batch holding `from` begins (with that batch's floor timestamp): the scan
    /// starts there instead of at the segment index's nearest entry (which may mean indexing the active segment).
    package func forEachRecord(from: UInt64 = 1, through: UInt64 = .max, start: (position: LogPosition, floor: Int64)? = nil,
                               _ body: (Record) throws -> Bool) throws {
        guard from <= through else { return }
        var done = false
        try forEachBatch(from: from, start: start) { batch in
            try batch.forEachRecord { record in
                guard !done, record.sequence >= from else { return }
                if try record.sequence > through || !body(record) { done = true }
            }
            return !done && batch.lastSequence < through
        }
    }

    /// Calls `body` with each whole batch that contains a record at or after `from`, in order.
    package func forEachBatch(from: UInt64 = 1, start: (position: LogPosition, floor: Int64)? = nil,
                              _ body: (BatchView) throws -> Bool) throws {
        var i = segments.count - 1
        while i > 0 && segments[i].base > from { i -= 1 }
        var entry: SegmentIndex.Entry?
        if let start, segments[i].base == start.position.segment, start.position.offset >= UInt64(LogFormat.segmentHeaderSize) {
            entry = SegmentIndex.Entry(sequence: from, timestamp: start.floor, offset: Int(start.position.offset))
        } else {
            entry = try index(of: segments[i]).entry(atOrBeforeSequence: from)
        }
        while i < segments.count {
            var keepGoing = true
            let next = try scanSegment(i, from: entry) { batch in
                if batch.lastSequence < from { return true }
                keepGoing = try body(batch)
                return keepGoing
            }
            if !keepGoing { return }
            i += 1
            entry = nil
            if i < segments.count && segments[i].base != next {
                throw StorageError(.corrupted, "Segment starts at sequence \(segments[i].base) but the previous one ends before \(next)",
                                   path: segments[i].path, offset: 16, sequence: next)
            }
        }
    }

    /// Opens a segment file, following it into the other directory if a compaction moved it since listing.
    func openSegment(_ i: Int) throws(StorageError) -> SystemFile {
        let segment = segments[i]
        do { return try io.open(segment.path, writable: false) } catch where error == .noSuchFile {
            let name = segment.path.split(separator: "/").last.map(String.init) ?? ""
            let moved = segment.path.hasPrefix(paths.archive + "/") ? paths.log + "/" + name : paths.archive + "/" + name
            do {
                let file = try io.open(moved, writable: false)
                segments[i].path = moved
                return file
            } catch {
                throw StorageError(.io, "Opening a segment failed", path: segment.path, errno: error)
            }
        } catch {
            throw StorageError(.io, "Opening a segment failed", path: segment.path, errno: error)
        }
    }

    /// Reads the batch holding the record at `position` and calls `body` with that record.
    ///
    /// - Complexity: O(1): one read at the position (plus one per other record of a multi-record batch).
    /// - Throws: `.notFound` when the segment is not in this reader's list; `.corrupted` when the frame there
    ///   fails its checks (a position must come from this log).
    @discardableResult
    package func record<T>(at position: LogPosition, _ body: (Record) throws -> T) throws -> T {
        guard let i = segments.firstIndex(where: { $0.base == position.segment }) else {
            throw StorageError(.notFound, "No segment starting at sequence \(position.segment)", path: paths.log)
        }
        // One read of the frame from a file kept open between calls: a position comes from a batch this log
        // delivered whole, so the frame's own checks (length, CRC, flags) are all that is left to do.
        if positionFile?.base != position.segment {
            positionFile = (position.segment, try openSegment(i))
        }
        let file = positionFile!.file
        let path = segments[i].path
        let offset = Int(position.offset)
        var frame: [UInt8]
        do {
            frame = try file.read(count: 4096, at: offset)
            if frame.count >= 4 {
                let length = frame.withUnsafeBytes { Int($0.u32(0)) }
                if length > frame.count && length <= LogFormat.maxFrameSize {
                    frame = try file.read(count: length, at: offset)
                }
            }
        } catch {
            throw StorageError(.io, "Reading a record failed", path: path, offset: offset, errno: error)
        }
        return try frame.withUnsafeBytes { (b) throws -> T in
            let length = b.count >= LogFormat.frameHeaderSize ? Int(b.u32(0)) : 0
            guard length >= LogFormat.frameHeaderSize, length <= b.count,
                  CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[8..<length])) == b.u32(4),
                  b[26] & ~LogFormat.commitFlag == 0, b[27] == 0 else {
                throw StorageError(.corrupted, "The record at this position is damaged or incomplete", path: path, offset: offset)
            }
            let isCommit = b[26] & LogFormat.commitFlag != 0
            let payloadEnd = length - (isCommit ? LogFormat.chainSize : 0)
            guard payloadEnd >= LogFormat.frameHeaderSize else {
                throw StorageError(.corrupted, "The record at this position is too short for a commit frame", path: path, offset: offset)
            }
            return try body(Record(sequence: b.u64(8), timestamp: b.i64(16), type: b.u16(24), endsBatch: isCommit,
                                   payload: UnsafeRawBufferPointer(rebasing: b[LogFormat.frameHeaderSize..<payloadEnd]),
                                   position: position))
        }
    }

    /// The chain hash stored after the batch that ends at `sequence`, or nil when no batch of this log ends there
    /// (the record does not exist, or is inside a batch). Sequence 0 gives the first segment's start chain.
    package func storedChain(after sequence: UInt64, batchEnd hint: LogPosition? = nil) throws -> SHA256Digest? {
        if sequence + 1 == segments[0].base { return segments[0].header.startChain }
        // With the batch's end (recorded in a snapshot): the chain field is the last 32 bytes before it.
        if let hint, let i = segments.firstIndex(where: { $0.base == hint.segment }), segments[i].base <= sequence,
           hint.offset >= UInt64(LogFormat.segmentHeaderSize + LogFormat.frameHeaderSize + LogFormat.chainSize),
           let bytes = try? openSegment(i).read(count: LogFormat.chainSize, at: Int(hint.offset) - LogFormat.chainSize),
           bytes.count == LogFormat.chainSize {
            return SHA256Digest(bytes: bytes)
        }
        var chain: SHA256Digest?
        try forEachBatch(from: sequence) { batch in
            if batch.lastSequence == sequence { chain = batch.storedChain }
            return false
        }
        return chain
    }

    /// Sequence number of the newest record whose timestamp is at most `timestamp` (0 when none is).
    ///
    /// - Complexity: O(log n): a binary search over segments (their headers hold the time their predecessor
    ///   ended), a binary search over the segment's sparse index, then a scan of at most one index interval.
    package func sequence(atOrBefore timestamp: Int64) throws -> UInt64 {
        // The first segment whose records may be newer than `timestamp`: its successor's header floor exceeds it.
        var lo = 0, hi = segments.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if segments[mid + 1].header.previousTimestamp > timestamp { hi = mid } else { lo = mid + 1 }
        }
        let segment = segments[lo]
        var answer = segment.base - 1
        guard let entry = try index(of: segment).entry(atOrBeforeTime: timestamp) else { return answer }
        try scanSegment(lo, from: entry) { batch in
            if batch.firstTimestamp > timestamp { return false }
            if batch.timestamp <= timestamp {
                answer = batch.lastSequence
                return true
            }
            // Records with their own (increasing) times inside one batch: find the last at or before.
            batch.forEachRecord { if $0.timestamp <= timestamp { answer = $0.sequence } }
            return false
        }
        return answer
    }

    /// The sparse index of a segment: its sidecar when valid, else built by one scan and cached.
    func index(of segment: SegmentFile) throws -> SegmentIndex {
        if let cached = indexes[segment.base] { return cached }
        let position = segments.firstIndex(of: segment)!
        let isSealed = position != segments.count - 1
        if let file = try? openSegment(position), let size = try? file.size() {
            if isSealed, let stored = SegmentIndex.load(besides: segment, paths: paths, io: io), stored.coveredBytes == size {
                indexes[segment.base] = stored
                return stored
            }
            // The newest segment's sidecar, when the writer left one, describes a prefix of it: only the rest is
            // scanned.
            if !isSealed, let prefix = SegmentIndex.prefix(besides: segment, file: file, size: size, paths: paths, io: io),
               let index = try? extend(prefix.index, from: prefix.from, segment: position) {
                return index
            }
        }
        let index = try extend(SegmentIndex(), from: nil, segment: position)
        // Only sealed segments stop changing; the newest is rebuilt on each call.
        if isSealed { indexes[segment.base] = index }
        return index
    }

    /// `index` (empty, or a prefix ready to resume at `entry`: ``SegmentIndex/prefix(besides:file:size:paths:io:)``)
    /// with the batches of segment `i` from `entry` (its start when nil) to the end noted in it.
    private func extend(_ index: SegmentIndex, from entry: SegmentIndex.Entry?, segment i: Int) throws -> SegmentIndex {
        var index = index
        try scanSegment(i, from: entry) { batch in
            index.note(batch)
            return true
        }
        return index
    }

    /// Scans one segment from an index entry (or its start); returns the sequence number after the last batch.
    @discardableResult
    func scanSegment(_ i: Int, from entry: SegmentIndex.Entry?, _ body: (BatchView) throws -> Bool) throws -> UInt64 {
        let isNewest = i == segments.count - 1
        let file = try openSegment(i)
        let segment = segments[i]
        let size: Int
        do { size = try file.size() } catch {
            throw StorageError(.io, "Reading a segment's size failed", path: segment.path, errno: error)
        }
        var start = entry?.offset ?? LogFormat.segmentHeaderSize
        var sequence = entry?.sequence ?? segment.base
        var floor = entry?.timestamp ?? segment.header.previousTimestamp
        for attempt in 0..<3 {
            // Errors thrown by `body` pass through unchanged.
            let outcome = try scanner.scan(file, from: start, to: size, expectedSequence: sequence,
                                           minimumTimestamp: floor, segment: segment.base, body)
            switch outcome.stop {
            case .clean:
                return outcome.nextSequence
            case .incomplete(let offset):
                if isNewest {
                    tailDamage = StorageError(.corrupted, "The newest segment ends inside a batch (an interrupted write "
                                              + "not yet cut back)", path: segment.path, offset: offset, sequence: outcome.nextSequence)
                    return outcome.nextSequence
                }
                throw StorageError(.corrupted, "Sealed segment ends inside a batch", path: segment.path, offset: offset,
                                   sequence: outcome.nextSequence)
            case .damaged(let offset, let seq, let reason):
                let followed = try scanner.classify(in: file, damage: offset, to: size, minimumSequence: seq) == .validRecords
                if isNewest && !followed {
                    tailDamage = StorageError(.corrupted, "The newest segment ends with a damaged record (\(reason)) not "
                                              + "yet cut back", path: segment.path, offset: offset, sequence: seq)
                    return outcome.nextSequence
                }
                // A writer's pwrite may be landing right now: look once more before calling it damage.
                if isNewest && attempt < 2 {
                    start = outcome.endOfLastBatch
                    sequence = outcome.nextSequence
                    floor = outcome.lastTimestamp
                    FileIO.sleep(milliseconds: 2)
                    continue
                }
                throw StorageError(.corrupted, "Damaged record: \(reason)", path: segment.path, offset: offset, sequence: seq)
            }
        }
        preconditionFailure("unreachable")
    }
}
