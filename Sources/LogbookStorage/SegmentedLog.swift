/// The writer of a store's log: appends batches of records to segment files, with CRCs and a hash chain.
///
/// Opening takes the store's writer lock and runs recovery on the active (last) segment: a torn tail is cut
/// back to the last whole batch with a warning; any other damage stops the open with an error naming file,
/// offset and sequence number. One instance is used from one thread at a time (the façade guards it).
package final class SegmentedLog {
    /// Where the store lives.
    package let paths: StorePaths
    /// How it was opened.
    package let configuration: LogConfiguration
    /// What recovery did while opening.
    package private(set) var recovery = RecoveryReport()

    let io: FileIO
    private var lock: StoreLock?
    var segments: [SegmentFile]
    private var active: SystemFile
    private var activeEnd: Int
    private var pending: [UInt8] = []
    private var activeIndex = SegmentIndex()
    /// The bytes of the active segment its index sidecar on disk describes (0: none). Readers index the rest by a
    /// scan; the sidecar is rewritten when the segment has grown `configuration.activeIndexGrowth` bytes past it.
    private var sidecarCovered = 0
    private var nextSequence: UInt64
    private var newestTimestamp: Int64
    private var chain: SHA256Digest
    private var poison: StorageError?
    private var lastSyncNanoseconds = FileIO.monotonicNanoseconds()

    /// Sequence number of the newest record (0 when the log is empty).
    package var lastSequence: UInt64 { nextSequence - 1 }
    /// Timestamp of the newest record (Int64.min when the log is empty).
    package var lastTimestamp: Int64 { newestTimestamp }
    /// The digest of the log as it stands (including buffered, not yet synced appends).
    package var digest: LogDigest { LogDigest(sequence: lastSequence, chain: chain) }
    /// Where the newest batch ends: the active segment and the offset just past its commit frame.
    package var endPosition: LogPosition {
        LogPosition(segment: segments[segments.count - 1].base, offset: UInt64(activeEnd + pending.count))
    }
    /// The segment files, oldest first.
    package var segmentFiles: [SegmentFile] { segments }
    /// Whether a failed write or sync has stopped this writer.
    package var isPoisoned: Bool { poison != nil }

    private init(paths: StorePaths, configuration: LogConfiguration, lock: StoreLock, segments: [SegmentFile],
                 active: SystemFile, activeEnd: Int, nextSequence: UInt64, newestTimestamp: Int64, chain: SHA256Digest) {
        self.paths = paths
        self.configuration = configuration
        self.io = configuration.io
        self.lock = lock
        self.segments = segments
        self.active = active
        self.activeEnd = activeEnd
        self.nextSequence = nextSequence
        self.newestTimestamp = newestTimestamp
        self.chain = chain
        pending.reserveCapacity(configuration.syncPolicy == .everyBatch ? 0 : configuration.writeBufferSize)
    }

    deinit { try? close() }

    /// Opens (and, by default, creates) the store at `root` for writing.
    ///
    /// - Throws: `.locked` when another writer holds the lock past the timeout; `.corrupted` when the active
    ///   segment is damaged other than by a torn tail (repair is explicit: ``repair(at:truncateAfter:configuration:)``);
    ///   `.notFound` when the store does not exist and `createIfMissing` is false; `.io` for system errors.
    package static func open(at root: String, configuration: LogConfiguration = LogConfiguration()) throws -> SegmentedLog {
        let io = configuration.io
        let paths = StorePaths(root: root)
        var report = RecoveryReport()
        if !io.isDirectory(paths.root) {
            guard configuration.createIfMissing, !io.exists(paths.root) else {
                throw StorageError(.notFound, "No Logbook store at this path", path: paths.root)
            }
            report.createdStore = true
        }
        do {
            try io.makeDirectory(paths.root)
            if report.createdStore { try io.syncDirectory(paths.parent) }
            let hadLog = io.isDirectory(paths.log)
            try io.makeDirectory(paths.log)
            try io.makeDirectory(paths.snapshots)
            if !hadLog { try io.syncDirectory(paths.root) }
        } catch {
            throw StorageError(.io, "Creating the store directories failed", path: paths.root, errno: error)
        }
        let lock = try StoreLock(paths, io: io, timeoutMilliseconds: configuration.lockTimeoutMilliseconds)
        var (segments, temporary) = try io.listSegments(paths)
        if !temporary.isEmpty {
            do {
                for t in temporary { try io.unlink(t) }
                try io.syncDirectory(paths.log)
            } catch {
                throw StorageError(.io, "Removing a leftover temporary file failed", path: paths.log, errno: error)
            }
            report.warnings.append("Removed \(temporary.count) leftover temporary file(s) of an interrupted write")
        }
        if segments.isEmpty {
            guard configuration.createIfMissing else {
                throw StorageError(.notFound, "The store has no log segment", path: paths.log)
            }
            let header = SegmentHeader(baseSequence: 1, previousTimestamp: .min, startChain: .zero)
            segments.append(try createSegment(header, paths: paths, io: io))
        }
        let last = segments[segments.count - 1]
        let file: SystemFile
        let size: Int
        do {
            file = try io.open(last.path, writable: true)
            size = try file.size()
        } catch {
            throw StorageError(.io, "Opening the active segment failed", path: last.path, errno: error)
        }
        let scanner = SegmentScanner()
        let resumed = resumeFromSidecar(of: last, file, size: size, paths: paths, io: io)
        var index = resumed?.index ?? SegmentIndex()
        let outcome: SegmentScanner.Outcome
        if let resumed {
            outcome = resumed.outcome
        } else {
            outcome = try scanner.scan(file, from: LogFormat.segmentHeaderSize, to: size, expectedSequence: last.base,
                                       minimumTimestamp: last.header.previousTimestamp) { batch in
                index.note(batch)
                return true
            }
        }
        var end = outcome.endOfLastBatch
        switch outcome.stop {
        case .clean:
            break
        case .incomplete, .damaged:
            var torn = false
            if case .damaged(let offset, let sequence, let reason) = outcome.stop {
                switch try scanner.classify(in: file, damage: offset, to: size, minimumSequence: sequence) {
                case .nothing: break
                case .tornWrite: torn = true
                case .validRecords:
                    throw StorageError(.corrupted, "Damaged record (\(reason)) followed by valid records; the log was not "
                                       + "changed. Inspect it, then cut it explicitly with a repair after sequence \(sequence - 1)",
                                       path: last.path, offset: offset, sequence: sequence)
                }
            }
            do {
                // The sidecar goes first: a prefix index must never outlive a cut inside what it describes.
                try removeSidecar(of: last, paths: paths, io: io)
                try file.truncate(to: end)
                try file.synchronizeData()
            } catch {
                throw StorageError(.io, "Cutting a torn tail failed", path: last.path, offset: end, errno: error)
            }
            report.truncatedBytes = size - end
            report.warnings.append("Cut a torn tail of \(size - end) byte(s) at offset \(end) of '\(last.path)' "
                                   + "(an interrupted write\(torn ? " torn by a power loss: some of its pages never reached the disk" : ""); "
                                   + "the last whole record is sequence \(outcome.nextSequence - 1))")
        }
        end = max(end, LogFormat.segmentHeaderSize)
        let log = SegmentedLog(paths: paths, configuration: configuration, lock: lock, segments: segments,
                               active: file, activeEnd: end, nextSequence: outcome.nextSequence,
                               newestTimestamp: outcome.lastTimestamp, chain: outcome.lastChain ?? last.header.startChain)
        log.activeIndex = index
        log.sidecarCovered = try resumed?.sidecarCovered ?? activeSidecarCovered(of: last, size: end, paths: paths, io: io)
        log.recovery = report
        return log
    }

    /// The scan of the active segment from its sidecar's last entry, when the sidecar describes no more than the
    /// segment holds, that entry names its frame, and the scan from there ends clean: with the index so far. The
    /// prefix a sidecar describes was synced before the sidecar was written, so a torn tail can only lie after it;
    /// like a sealed segment, that prefix is checked by the reads that reach it (replay, `check`, `verify`), not at
    /// every open. Otherwise (nil) the caller scans the whole segment, as without a sidecar.
    private static func resumeFromSidecar(of segment: SegmentFile, _ file: SystemFile, size: Int, paths: StorePaths, io: FileIO)
        -> (index: SegmentIndex, outcome: SegmentScanner.Outcome, sidecarCovered: Int)? {
        guard let prefix = SegmentIndex.prefix(besides: segment, file: file, size: size, paths: paths, io: io) else { return nil }
        var index = prefix.index
        let entry = prefix.from
        let outcome = try? SegmentScanner().scan(file, from: entry.offset, to: size, expectedSequence: entry.sequence,
                                                 minimumTimestamp: entry.timestamp) { batch in
            index.note(batch)
            return true
        }
        guard let outcome, case .clean = outcome.stop, outcome.nextSequence > entry.sequence else { return nil }
        return (index, outcome, prefix.index.coveredBytes)
    }

    /// How much of the active segment its sidecar describes (0 when there is none or it does not decode). One that
    /// claims more than the segment holds is removed: the segment was shortened behind its back.
    private static func activeSidecarCovered(of segment: SegmentFile, size: Int, paths: StorePaths,
                                             io: FileIO) throws(StorageError) -> Int {
        let path = paths.index(besideSegment: segment.path)
        guard io.exists(path) else { return 0 }
        if let index = SegmentIndex.load(besides: segment, paths: paths, io: io), index.coveredBytes <= size {
            return index.coveredBytes
        }
        do { try removeSidecar(of: segment, paths: paths, io: io) } catch {
            throw StorageError(.io, "Removing a stale index sidecar failed", path: path, errno: error)
        }
        return 0
    }

    /// Removes a segment's index sidecar, durably, if there is one.
    static func removeSidecar(of segment: SegmentFile, paths: StorePaths, io: FileIO) throws(Errno) {
        let path = paths.index(besideSegment: segment.path)
        guard io.exists(path) else { return }
        try io.unlink(path)
        try io.syncDirectory(paths.log)
    }

    /// Rewrites the active segment's index sidecar when the segment has grown `configuration.activeIndexGrowth`
    /// bytes past the one on disk, so that a reader's lookup by time or sequence scans at most about that much of
    /// it. Called just after a sync (a snapshot, close): with appends still buffered it waits for the next call.
    /// The sidecar is derived data: failing to write it is not an error.
    package func writeActiveIndexIfGrown() {
        guard poison == nil, pending.isEmpty,
              activeIndex.coveredBytes - sidecarCovered >= configuration.activeIndexGrowth else { return }
        let segment = segments[segments.count - 1]
        do {
            try io.writeAtomically(activeIndex.encoded(base: segment.base), to: paths.index(besideSegment: segment.path),
                                   directory: paths.log)
            sidecarCovered = activeIndex.coveredBytes
        } catch {}
    }

    /// Creates a segment file atomically (temporary file, fsync, rename, directory fsync).
    private static func createSegment(_ header: SegmentHeader, paths: StorePaths, io: FileIO) throws(StorageError) -> SegmentFile {
        let path = paths.segment(base: header.baseSequence)
        try io.writeAtomically(header.encoded(), to: path, directory: paths.log)
        return SegmentFile(path: path, header: header)
    }

    /// Appends `batch` as one unit and empties it (keeping its capacity for reuse).
    ///
    /// Under `.everyBatch` the batch is one `pwrite` and one `fdatasync` before this returns: when it returns, the
    /// records survive `kill -9` and power loss. Under the buffered policies it returns once the bytes are queued.
    /// - Parameter timestamp: milliseconds since the epoch for every record of the batch; it may not be earlier
    ///   than the newest record. `nil` takes the wall clock, clamped so that timestamps never decrease.
    /// - Throws: `.poisoned` after an earlier write or sync failure (reopen the store); `.invalidArgument` for an
    ///   empty batch, an oversized record or a timestamp going backwards; `.io` when the write or sync fails.
    @discardableResult
    package func append(_ batch: inout AppendBatch, timestamp: Int64? = nil) throws(StorageError) -> AppendResult {
        if let poison {
            throw StorageError(.poisoned, "An earlier write or sync failed (\(poison.message)); reopen the store to recover",
                               path: poison.path, errno: poison.errno)
        }
        guard !batch.isEmpty else { throw StorageError(.invalidArgument, "An append needs at least one record") }
        guard batch.largestFrame + LogFormat.chainSize <= LogFormat.maxFrameSize else {
            throw StorageError(.invalidArgument, "A record of \(batch.largestFrame) bytes exceeds the \(LogFormat.maxFrameSize)-byte limit")
        }
        let time: Int64
        if batch.hasOwnTimestamps {
            guard !batch.ownTimestampsDecrease, batch.firstOwnTimestamp >= newestTimestamp else {
                throw StorageError(.invalidArgument, "Record timestamps go back (within the batch or before the newest "
                                   + "record's \(newestTimestamp)); timestamps never decrease")
            }
            time = batch.lastOwnTimestamp
        } else if let timestamp {
            guard timestamp >= newestTimestamp else {
                throw StorageError(.invalidArgument,
                                   "Timestamp \(timestamp) is earlier than the newest record's (\(newestTimestamp)); timestamps never decrease")
            }
            time = timestamp
        } else {
            time = max(FileIO.wallClockMilliseconds(), newestTimestamp)
        }
        let first = nextSequence
        guard first + UInt64(batch.count) < LogFormat.maxSequence else {
            throw StorageError(.invalidArgument, "The log is full: sequence numbers would pass 2^63")
        }
        let newChain = batch.seal(firstSequence: first, timestamp: time, previousChain: chain)
        let size = batch.bytes.count
        let offset: Int
        do {
            let used = activeEnd + pending.count
            if used > LogFormat.segmentHeaderSize && used + size > configuration.segmentSize {
                try roll()
            }
            offset = activeEnd + pending.count
            switch configuration.syncPolicy {
            case .everyBatch:
                try writeDurably(batch.bytes, at: offset)
            case .interval(let ms):
                try queue(batch.bytes)
                if FileIO.monotonicNanoseconds() - lastSyncNanoseconds >= UInt64(ms) * 1_000_000 { try sync() }
            case .never:
                try queue(batch.bytes)
            }
        } catch {
            // Nothing of the batch was acknowledged: give it back as it was, so a retry appends the same records.
            batch.unseal()
            throw error
        }
        activeIndex.note(sequence: first, timestamp: batch.hasOwnTimestamps ? batch.firstOwnTimestamp : time, offset: offset,
                         end: offset + size)
        nextSequence = first + UInt64(batch.count)
        newestTimestamp = time
        chain = newChain
        let result = AppendResult(firstSequence: first, lastSequence: nextSequence - 1, timestamp: time, chain: newChain,
                                  position: LogPosition(segment: segments[segments.count - 1].base, offset: UInt64(offset)))
        batch.removeAll()
        return result
    }

    /// Writes everything queued and flushes it to stable storage.
    package func sync() throws(StorageError) {
        if let poison { throw poison }
        try flushPending()
        do { try active.synchronizeData() } catch {
            throw poisoned(StorageError(.io, "Syncing the log failed", path: active.path, errno: error))
        }
        lastSyncNanoseconds = FileIO.monotonicNanoseconds()
    }

    /// Syncs what is queued and releases the lock. Safe to call twice.
    package func close() throws(StorageError) {
        guard let lock else { return }
        defer {
            active.close()
            lock.release()
            self.lock = nil
        }
        if poison == nil && (!pending.isEmpty || configuration.syncPolicy != .everyBatch) { try sync() }
        writeActiveIndexIfGrown()
    }

    // MARK: - Writing

    private func poisoned(_ error: StorageError) -> StorageError {
        poison = error
        return error
    }

    private func queue(_ bytes: [UInt8]) throws(StorageError) {
        pending.append(contentsOf: bytes)
        if pending.count >= configuration.writeBufferSize { try flushPending() }
    }

    private func flushPending() throws(StorageError) {
        guard !pending.isEmpty else { return }
        do { try active.write(pending, at: activeEnd) } catch {
            _ = try? active.truncate(to: activeEnd)
            throw poisoned(StorageError(.io, "Writing buffered records failed; they were not kept", path: active.path,
                                        offset: activeEnd, errno: error))
        }
        activeEnd += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// One write and one fdatasync; on failure the file is cut back to `offset` so nothing of the batch remains.
    private func writeDurably(_ bytes: [UInt8], at offset: Int) throws(StorageError) {
        do { try active.write(bytes, at: offset) } catch {
            let restored = (try? active.truncate(to: offset)) != nil
            let failure = StorageError(.io, error == .noSpace
                                       ? "The disk is full; nothing of this batch was kept. Free space and retry"
                                       : "Writing the batch failed; nothing of it was kept",
                                       path: active.path, offset: offset, errno: error)
            // A full disk with a clean cut leaves the log as it was: the writer may go on once space returns.
            if restored && error == .noSpace { throw failure }
            throw poisoned(failure)
        }
        do { try active.synchronizeData() } catch {
            // Never retried: the kernel may have dropped the pages. Cut the unacknowledged batch and stop writing.
            _ = try? active.truncate(to: offset)
            throw poisoned(StorageError(.io, "Syncing the batch failed; it was not acknowledged. Reopen the store to recover",
                                        path: active.path, offset: offset, errno: error))
        }
        activeEnd = offset + bytes.count
        lastSyncNanoseconds = FileIO.monotonicNanoseconds()
    }

    /// Seals the active segment (flush, sync, index sidecar) and starts a new one at `nextSequence`.
    private func roll() throws(StorageError) {
        try sync()
        let sealed = segments[segments.count - 1]
        // The sidecar is derived data: losing it only costs a scan later.
        try? io.writeAtomically(activeIndex.encoded(base: sealed.base), to: paths.index(besideSegment: sealed.path),
                                directory: paths.log)
        let header = SegmentHeader(baseSequence: nextSequence, previousTimestamp: newestTimestamp, startChain: chain)
        let segment: SegmentFile
        let file: SystemFile
        do {
            segment = try Self.createSegment(header, paths: paths, io: io)
            file = try io.open(segment.path, writable: true)
        } catch let e as StorageError {
            throw poisoned(e)
        } catch {
            throw poisoned(StorageError(.io, "Opening a new segment failed", path: paths.segment(base: nextSequence),
                                        errno: error as? Errno))
        }
        active.close()
        active = file
        activeEnd = LogFormat.segmentHeaderSize
        activeIndex = SegmentIndex()
        sidecarCovered = 0
        segments.append(segment)
    }
}
