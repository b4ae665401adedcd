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
