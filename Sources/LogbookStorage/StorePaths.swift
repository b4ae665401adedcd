/// Where things live inside a store directory.
///
/// ```
/// <root>/LOCK              writer lock (flock) holding the writer's pid
/// <root>/log/*.seg         segments, named by their first sequence number; *.idx their sparse indexes
/// <root>/snapshots/*.snap  snapshot files, named by the sequence number they cover
/// <root>/lost+found/       bytes cut by an explicit repair, kept for inspection
/// ```
package struct StorePaths: Sendable {
    /// The store directory.
    package let root: String
    /// Segments and their indexes.
    package var log: String { root + "/log" }
    /// Snapshot files.
    package var snapshots: String { root + "/snapshots" }
    /// The writer lock file.
    package var lock: String { root + "/LOCK" }
    /// Bytes removed by repair.
    package var lostAndFound: String { root + "/lost+found" }
    /// Segments moved out of the active log by compaction (kept, verified, still read for "as of").
    package var archive: String { root + "/archive" }
    /// Where a prune cut the log (absent until the first prune).
    package var checkpoint: String { root + "/CHECKPOINT" }
    /// Present only in an audit bundle (`audit export`), which is read-only.
    package var bundleManifest: String { root + "/manifest.json" }

    /// Paths for the store at `root` (a trailing slash is ignored).
    package init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    /// The path of the segment whose first record is `base`.
    package func segment(base: UInt64) -> String { log + "/" + LogFormat.fileName(base: base, suffix: LogFormat.segmentSuffix) }
    /// The path of that segment's index sidecar.
    package func index(base: UInt64) -> String { log + "/" + LogFormat.fileName(base: base, suffix: LogFormat.indexSuffix) }
    /// The index sidecar next to a segment file, wherever it lives.
    package func index(besideSegment path: String) -> String {
        String(path.dropLast(LogFormat.segmentSuffix.count)) + LogFormat.indexSuffix
    }

    /// The parent directory of the store (to make the store directory's own creation durable).
    var parent: String {
        guard let slash = root.lastIndex(of: "/") else { return "." }
        return slash == root.startIndex ? "/" : String(root[..<slash])
    }
}

/// A segment file and its checked header.
package struct SegmentFile: Sendable, Equatable {
    /// Sequence number of its first record.
    package var base: UInt64 { header.baseSequence }
    /// Path of the file.
    package var path: String
    /// The decoded header.
    package var header: SegmentHeader
}

extension FileIO {
    /// Lists the segments of a log directory, checking each header; sorted by base sequence number.
    ///
    /// Leftover temporary files are returned separately (the writer removes them; readers ignore them).
    func listSegments(_ paths: StorePaths) throws(StorageError) -> (segments: [SegmentFile], temporary: [String]) {
        // A compaction may move a file from log/ to archive/ while we list: look again before calling it missing.
        var attempt = 0
        while true {
            do {
                return try listSegmentsOnce(paths)
            } catch where error.errno == .noSuchFile && attempt < 5 {
                attempt += 1
            }
        }
    }

    private func listSegmentsOnce(_ paths: StorePaths) throws(StorageError) -> (segments: [SegmentFile], temporary: [String]) {
        // opendir follows a symbolic link: a linked log/ or archive/ is refused before anything is listed through it.
        for directory in [paths.log, paths.archive] where exists(directory) && !isDirectory(directory) {
            throw StorageError(.corrupted, "'\(directory)' is not a directory (a symbolic link or a file in its place); "
                               + "Logbook never follows links inside a store", path: directory)
        }
        let names: [String]
        do { names = try listDirectory(paths.log) } catch {
            if error == .noSuchFile { throw StorageError(.notFound, "No Logbook store here (no log directory)", path: paths.root) }
            throw StorageError(.io, "Listing the log directory failed", path: paths.log, errno: error)
        }
        var segments: [SegmentFile] = []
        var temporary: [String] = []
        var located = names.map { (paths.log, $0) }
        if isDirectory(paths.archive) {
            do { located += try listDirectory(paths.archive).map { (paths.archive, $0) } } catch {
                throw StorageError(.io, "Listing the archive directory failed", path: paths.archive, errno: error)
            }
        }
        for (directory, name) in located {
            if name.hasSuffix(LogFormat.temporarySuffix) { temporary.append(directory + "/" + name); continue }
            guard let base = LogFormat.base(ofFileName: name, suffix: LogFormat.segmentSuffix) else { continue }
            let path = directory + "/" + name
            let header = try readSegmentHeader(path)
            guard header.baseSequence == base else {
                throw StorageError(.corrupted, "Segment header names base sequence \(header.baseSequence) but the file name says \(base)",
                                   path: path, offset: 16)
            }
            segments.append(SegmentFile(path: path, header: header))
        }
        segments.sort { $0.base < $1.base }
        var unique: [SegmentFile] = []
        for s in segments {
            if let last = unique.last, last.base == s.base {
                // Listed twice because a compaction moved it between the two directory listings: the same file.
                if last.header == s.header && lastComponent(last.path) == lastComponent(s.path) {
                    if s.path.hasPrefix(paths.archive + "/") { unique[unique.count - 1] = s }
                    continue
                }
                throw StorageError(.corrupted, "Two segments start at sequence \(s.base) ('\(last.path)' and '\(s.path)')", path: s.path)
            }
            unique.append(s)
        }
        // Only a recorded prune removes old segments, and it leaves a checkpoint: without one, a log that does not
        // start at sequence 1 has lost its beginning.
        if let first = unique.first, first.base != 1 {
            guard let checkpoint = try readCheckpoint(paths) else {
                throw StorageError(.tampered, "The oldest segment starts at sequence \(first.base), not 1, and no prune "
                                   + "checkpoint says why: the segments before it are missing", path: first.path, offset: 16, sequence: 1)
            }
            try checkpoint.check(oldest: first)
        }
        return (unique, temporary)
    }

    private func lastComponent(_ path: String) -> Substring { path.split(separator: "/").last ?? "" }

    /// Every segment file of the store with its header, or nil where the header is damaged, sorted by the base
    /// sequence number in the file name: what a repair needs to get past a damaged segment.
    func listSegmentsTolerantly(_ paths: StorePaths) throws(StorageError) -> [(path: String, base: UInt64, header: SegmentHeader?)] {
        var found: [(path: String, base: UInt64, header: SegmentHeader?)] = []
        for directory in [paths.log, paths.archive] where isDirectory(directory) {
            let names: [String]
            do { names = try listDirectory(directory) } catch {
                throw StorageError(.io, "Listing a directory failed", path: directory, errno: error)
            }
            for name in names {
                guard let base = LogFormat.base(ofFileName: name, suffix: LogFormat.segmentSuffix) else { continue }
                let path = directory + "/" + name
                let header = try? readSegmentHeader(path)
                found.append((path, base, header.flatMap { $0.baseSequence == base ? $0 : nil }))
            }
        }
        return found.sorted { $0.base < $1.base }
    }

    /// Reads and checks one segment header.
    func readSegmentHeader(_ path: String) throws(StorageError) -> SegmentHeader {
        do {
            let file = try open(path, writable: false)
            let bytes = try file.read(count: LogFormat.segmentHeaderSize, at: 0)
            return try bytes.withUnsafeBytes { (b) throws(StorageError) in try SegmentHeader.decode(b, path: path) }
        } catch let e as StorageError {
            throw e
        } catch {
            throw StorageError(.io, "Reading a segment header failed", path: path, errno: error as? Errno)
        }
    }

    /// Creates `path` (mode 0700) if missing and, when it was created, syncs `parent` so the new entry is durable.
    package func makeDirectoryDurably(_ path: String, in parent: String) throws(Errno) {
        if isDirectory(path) { return }
        try makeDirectory(path)
        try syncDirectory(parent)
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, directory fsync.
    package func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(StorageError) {
        let temporary = path + LogFormat.temporarySuffix
        var step = "Creating"
        do {
            if exists(temporary) { step = "Removing a stale"; try unlink(temporary) }
            step = "Creating"
            let file = try open(temporary, writable: true, create: true, truncate: true)
            step = "Writing"
            try file.write(bytes, at: 0)
            step = "Syncing"
            try file.synchronize()
            file.close()
            step = "Renaming"
            try rename(temporary, to: path)
            step = "Syncing the directory of"
            try syncDirectory(directory)
        } catch {
            if step != "Syncing the directory of" { _ = try? unlink(temporary) }
            throw StorageError(.io, "\(step) '\(path)' failed", path: path, errno: error)
        }
    }
}
