extension SegmentedLog {
    /// Moves the sealed segments whose records all have sequence numbers up to `sequence` into
    /// `<store>/archive/` (with their index sidecars). They stay part of the log: readers and verification list
    /// both directories, so history, "as of" reads and the hash chain are unchanged.
    ///
    /// Each move is a rename followed by a sync of both directories; a crash in between leaves the file in one
    /// place or the other, never both and never neither.
    /// - Returns: the paths of the segments moved.
    @discardableResult
    package func archiveSegments(through sequence: UInt64) throws(StorageError) -> [String] {
        try sync()
        var moved: [String] = []
        do {
            try io.makeDirectoryDurably(paths.archive, in: paths.root)
            for i in 0..<(segments.count - 1) {
                let s = segments[i]
                let lastInSegment = segments[i + 1].base - 1
                guard lastInSegment <= sequence, !s.path.hasPrefix(paths.archive + "/") else { continue }
                let name = String(s.path.split(separator: "/").last!)
                let target = paths.archive + "/" + name
                let sidecar = paths.index(besideSegment: s.path)
                try io.rename(s.path, to: target)
                if io.exists(sidecar) { try io.rename(sidecar, to: paths.index(besideSegment: target)) }
                segments[i] = SegmentFile(path: target, header: s.header)
                moved.append(target)
            }
            if !moved.isEmpty {
                // The new names first, then the removals: a crash between the two leaves a file in both lists
                // (which readers treat as one), never in neither.
                try io.syncDirectory(paths.archive)
                try io.syncDirectory(paths.log)
            }
        } catch {
            throw StorageError(.io, "Archiving segments failed", path: paths.archive, errno: error)
        }
        return moved
    }
}

/// What a prune removed.
package struct PruneReport: Sendable, Equatable {
    /// The checkpoint the log now starts from.
    package var checkpoint: Checkpoint
    /// Segment files removed.
    package var segments = 0
    /// Their bytes.
    package var bytes: Int64 = 0
}

extension SegmentedLog {
    /// The checkpoint a prune through `sequence` would leave: `sequence` must end an archived segment (so the next
    /// segment's header holds the chain and time after it). Nil when it does not.
    package func pruneCheckpoint(through sequence: UInt64) -> Checkpoint? {
        for i in 1..<max(1, segments.count) where segments[i].base - 1 == sequence {
            guard segments[..<i].allSatisfy({ $0.path.hasPrefix(paths.archive + "/") }) else { return nil }
            let h = segments[i].header
            return Checkpoint(throughSequence: sequence, timestamp: h.previousTimestamp, chain: h.startChain)
        }
        return nil
    }

    /// The archived segments a prune could remove, as (last sequence, newest timestamp) of each, oldest first:
    /// every archived segment that has a successor, up to the first one that is still in the active log.
    package func prunableSegments() -> [(through: UInt64, newest: Int64)] {
        var out: [(through: UInt64, newest: Int64)] = []
        for i in 0..<(segments.count - 1) {
            guard segments[i].path.hasPrefix(paths.archive + "/") else { break }
            out.append((segments[i + 1].base - 1, segments[i + 1].header.previousTimestamp))
        }
        return out
    }

    /// Removes the archived segments holding records 1...`checkpoint.throughSequence`: first the checkpoint file is
    /// installed (so the shortened log is recognised as pruned, not damaged), then the segments are unlinked oldest
    /// first. A crash between two steps leaves a log that opens and verifies; running the prune again finishes it.
    package func prune(to checkpoint: Checkpoint) throws(StorageError) -> PruneReport {
        try sync()
        var report = PruneReport(checkpoint: checkpoint)
        let cut = segments.firstIndex { $0.base - 1 == checkpoint.throughSequence } ?? 0
        if cut > 0 {
            let next = segments[cut].header
            guard next.startChain == checkpoint.chain, next.previousTimestamp == checkpoint.timestamp else {
                throw StorageError(.invalidArgument, "The checkpoint does not match the segment after sequence "
                                   + "\(checkpoint.throughSequence)", path: segments[cut].path)
            }
        }
        try io.writeCheckpoint(checkpoint, paths)
        do {
            for s in segments[..<cut] {
                guard s.path.hasPrefix(paths.archive + "/") else {
                    throw StorageError(.invalidArgument, "Only archived segments are pruned; compact first", path: s.path)
                }
                let size = io.sizeOfFile(s.path) ?? 0
                let sidecar = paths.index(besideSegment: s.path)
                if io.exists(sidecar) { try io.unlink(sidecar) }
                try io.unlink(s.path)
                try io.syncDirectory(paths.archive)
                report.segments += 1
                report.bytes += Int64(size)
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError(.io, "Removing a pruned segment failed", path: paths.archive, errno: error as? Errno)
        }
        segments.removeFirst(cut)
        return report
    }
}
