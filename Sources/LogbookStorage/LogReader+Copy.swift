/// A file copied into a bundle: its path relative to the bundle, its size and its SHA-256.
package struct CopiedFile: Sendable, Equatable {
    /// Relative path, e.g. `log/00000000000000000001.seg`.
    package var path: String
    /// Bytes.
    package var bytes: Int64
    /// SHA-256 of the bytes.
    package var sha256: SHA256Digest

    /// Describes a file.
    package init(path: String, bytes: Int64, sha256: SHA256Digest) {
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
    }
}

extension LogReader {
    /// Copies the log as it stands into `root` (which must exist), laid out as a store: every segment, active and
    /// archived, into `root/log/` (the newest one up to its last whole batch, so a writer appending meanwhile adds
    /// nothing half-written), the snapshots that belong to this log up to its end into `root/snapshots/`, and the
    /// prune checkpoint when there is one. Every file is written, hashed and synced.
    /// - Returns: where the copied log ends (its digest) and the files written, oldest segment first.
    package func copyLog(into root: String) throws -> (end: Position, files: [CopiedFile]) {
        try refresh()
        let end = try position()
        let target = StorePaths(root: root)
        var files: [CopiedFile] = []
        do {
            try io.makeDirectory(target.log)
            try io.makeDirectory(target.snapshots)
        } catch {
            throw StorageError(.io, "Creating the bundle's directories failed", path: root, errno: error)
        }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        for i in segments.indices {
            let source = try openSegment(i)
            defer { source.close() }
            let size: Int
            if i == segments.count - 1 { size = end.endOffset } else {
                do { size = try source.size() } catch { throw StorageError(.io, "Reading a segment failed", path: segments[i].path, errno: error) }
            }
            let name = LogFormat.fileName(base: segments[i].base, suffix: LogFormat.segmentSuffix)
            files.append(try copy(source, bytes: size, to: target.log + "/" + name, relative: "log/" + name, buffer: &buffer))
        }
        let snapshots = SnapshotStore(at: paths.root, io: io)
        for s in try snapshots.sequences() where s + 1 >= segments[0].base && s <= end.lastSequence {
            // Only snapshots bound to this log (a stale one from before a repair is left behind).
            guard let snapshot = try? snapshots.read(sequence: s), try storedChain(after: s) == snapshot.chain else { continue }
            let name = LogFormat.fileName(base: s, suffix: SnapshotStore.suffix)
            let source: SystemFile
            do { source = try io.open(snapshots.path(for: s), writable: false) } catch {
                throw StorageError(.io, "Opening a snapshot failed", path: snapshots.path(for: s), errno: error)
            }
            defer { source.close() }
            let size: Int
            do { size = try source.size() } catch { throw StorageError(.io, "Reading a snapshot failed", path: snapshots.path(for: s), errno: error) }
            files.append(try copy(source, bytes: size, to: target.snapshots + "/" + name, relative: "snapshots/" + name,
                                  buffer: &buffer))
        }
        if let checkpoint = try io.readWholeFile(paths.checkpoint) {
            try io.writeAtomically(checkpoint, to: target.checkpoint, directory: target.root)
            files.append(CopiedFile(path: "CHECKPOINT", bytes: Int64(checkpoint.count), sha256: SHA256.hash(checkpoint)))
        }
        do {
            try io.syncDirectory(target.log)
            try io.syncDirectory(target.snapshots)
            try io.syncDirectory(target.root)
        } catch {
            throw StorageError(.io, "Syncing the bundle's directories failed", path: root, errno: error)
        }
        return (end, files)
    }

    /// Copies the first `count` bytes of `source` to a new file at `path`, hashing them on the way.
    private func copy(_ source: SystemFile, bytes count: Int, to path: String, relative: String,
                      buffer: inout [UInt8]) throws(StorageError) -> CopiedFile {
        var hasher = SHA256()
        do {
            let out = try io.open(path, writable: true, create: true, exclusive: true)
            defer { out.close() }
            var offset = 0
            while offset < count {
                let n = min(buffer.count, count - offset)
                let got = try buffer.withUnsafeMutableBytes { b in
                    try source.read(into: UnsafeMutableRawBufferPointer(rebasing: b[0..<n]), at: offset)
                }
                guard got == n else { throw Errno.ioError }
                try buffer.withUnsafeBytes { b in
                    let chunk = UnsafeRawBufferPointer(rebasing: b[0..<n])
                    hasher.update(chunk)
                    try out.write(chunk, at: offset)
                }
                offset += n
            }
            try out.synchronize()
        } catch {
            throw StorageError(.io, "Copying into '\(path)' failed", path: path, errno: error as? Errno)
        }
        return CopiedFile(path: relative, bytes: Int64(count), sha256: hasher.finalize())
    }
}
