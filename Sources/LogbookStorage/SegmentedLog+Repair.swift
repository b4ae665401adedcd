/// What an explicit repair did.
package struct RepairReport: Sendable, Equatable {
    /// The newest sequence number kept.
    package var keptThrough: UInt64
    /// Bytes removed from the log (all of them saved under `savedTo`).
    package var removedBytes: Int
    /// Segment files removed whole.
    package var removedSegments: [String]
    /// Where the removed bytes were saved, if any were removed.
    package var savedTo: String?
}

extension SegmentedLog {
    /// Cuts the log right after record `sequence`, the explicit and reported way to get past damage.
    ///
    /// `sequence` must end a batch (a batch is all or nothing). Every byte removed is first saved to
    /// `<store>/lost+found/` and synced, so a repair loses nothing that could still be inspected.
    /// - Throws: `.invalidArgument` when `sequence` is inside a batch, past the end, or past damage that comes
    ///   first (the message names the nearest possible cut); `.locked` when a writer is running.
    package static func repair(at root: String, truncateAfter sequence: UInt64,
                               configuration: LogConfiguration = LogConfiguration()) throws -> RepairReport {
        let io = configuration.io
        let paths = StorePaths(root: root)
        guard io.isDirectory(paths.log) else { throw StorageError(.notFound, "No Logbook store at this path", path: paths.root) }
        let lock = try StoreLock(paths, io: io, timeoutMilliseconds: configuration.lockTimeoutMilliseconds)
        defer { lock.release() }
        // Tolerant listing: a segment whose header is damaged, and every segment after it, can only be removed.
        let files = try io.listSegmentsTolerantly(paths)
        let firstDamaged = files.firstIndex { $0.header == nil } ?? files.count
        let segments = files[..<firstDamaged].map { SegmentFile(path: $0.path, header: $0.header!) }
        let damagedFiles = files[firstDamaged...].map { SegmentFile(path: $0.path, header: SegmentHeader(
            baseSequence: $0.base, previousTimestamp: .min, startChain: .zero)) }
        if firstDamaged < files.count, sequence >= files[firstDamaged].base {
            throw StorageError(.invalidArgument, "The segment starting at sequence \(files[firstDamaged].base) has a damaged "
                               + "header; truncate after \(files[firstDamaged].base - 1) at most", path: files[firstDamaged].path,
                               sequence: files[firstDamaged].base)
        }
        guard sequence < LogFormat.maxSequence, let i = segments.lastIndex(where: { $0.base <= sequence + 1 }) else {
            throw StorageError(.invalidArgument, "Sequence \(sequence) is before the oldest kept segment", path: paths.log)
        }
        let segment = segments[i]
        let file: SystemFile
        let size: Int
        do {
            file = try io.open(segment.path, writable: true)
            size = try file.size()
        } catch {
            throw StorageError(.io, "Opening a segment failed", path: segment.path, errno: error)
        }
        var cut = LogFormat.segmentHeaderSize
        var lastWhole = segment.base - 1
        var insideBatch: (UInt64, UInt64)?
        let scanner = SegmentScanner()
        let outcome = try scanner.scan(file, from: cut, to: size, expectedSequence: segment.base,
                                       minimumTimestamp: segment.header.previousTimestamp) { batch in
            if batch.lastSequence <= sequence {
                cut = batch.offset + batch.bytes.count
                lastWhole = batch.lastSequence
                return batch.lastSequence < sequence
            }
            if batch.firstSequence <= sequence { insideBatch = (batch.firstSequence - 1, batch.lastSequence) }
            return false
        }
        if let (before, after) = insideBatch {
            throw StorageError(.invalidArgument, "Sequence \(sequence) is inside a batch; truncate after \(before) or \(after)",
                               path: segment.path, sequence: sequence)
        }
        if lastWhole != sequence {
            let why: String
            switch outcome.stop {
            case .damaged(_, let s, let reason): why = "damage at sequence \(s) (\(reason)) comes first"
            default: why = "the log ends at sequence \(lastWhole)"
            }
            throw StorageError(.invalidArgument, "Cannot keep through sequence \(sequence): \(why); truncate after \(lastWhole)",
                               path: segment.path, sequence: sequence)
        }
        // Save, then cut. Saving first means a crash in between loses nothing.
        var report = RepairReport(keptThrough: sequence, removedBytes: 0, removedSegments: [], savedTo: nil)
        let later = Array(segments[(i + 1)...]) + damagedFiles
        let tailBytes = size - cut
        guard tailBytes > 0 || !later.isEmpty else { return report }
        let folder = paths.lostAndFound + "/repair-after-\(sequence)-\(FileIO.wallClockMilliseconds())"
        do {
            try io.makeDirectoryDurably(paths.lostAndFound, in: paths.root)
            try io.makeDirectoryDurably(folder, in: paths.lostAndFound)
            if tailBytes > 0 {
                let bytes = try file.read(count: tailBytes, at: cut)
                try io.writeAtomically(bytes, to: folder + "/tail-of-" + String(segment.path.split(separator: "/").last!),
                                       directory: folder)
            }
            for s in later {
                let f = try io.open(s.path, writable: false)
                let bytes = try f.read(count: try f.size(), at: 0)
                try io.writeAtomically(bytes, to: folder + "/" + String(s.path.split(separator: "/").last!), directory: folder)
                report.removedBytes += bytes.count
                report.removedSegments.append(s.path)
            }
            try io.syncDirectory(paths.lostAndFound)
            // Later segments go first (newest first), then the cut: a crash in between never leaves a hole in the
            // middle of the log, only a shorter log.
            for s in later.reversed() {
                try io.unlink(s.path)
                let sidecar = paths.index(besideSegment: s.path)
                if io.exists(sidecar) { try io.unlink(sidecar) }
            }
            try io.syncDirectory(paths.log)
            if io.isDirectory(paths.archive) { try io.syncDirectory(paths.archive) }
            // The cut segment's sidecar goes before the cut: an index must never describe bytes that were cut.
            try SegmentedLog.removeSidecar(of: segment, paths: paths, io: io)
            try file.truncate(to: cut)
            try file.synchronizeData()
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError(.io, "Repair failed", path: paths.log, errno: error as? Errno)
        }
        report.removedBytes += tailBytes
        report.savedTo = folder
        return report
    }
}
