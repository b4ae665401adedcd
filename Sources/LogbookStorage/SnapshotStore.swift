/// A snapshot file as found on disk: what it covers, and its payload.
package struct Snapshot: Sendable, Equatable {
    /// The newest sequence number the snapshot covers.
    package var sequence: UInt64
    /// That record's timestamp.
    package var timestamp: Int64
    /// The chain hash after that record (a checkpoint for verification and pruning).
    package var chain: SHA256Digest
    /// The opaque state bytes.
    package var payload: [UInt8]
    /// Where the batch ending at `sequence` ends in the log (its segment and the offset just past its commit frame),
    /// when known: opening checks the chain there with one read instead of scanning the segment.
    package var batchEnd: LogPosition?

    /// Makes a snapshot value.
    package init(sequence: UInt64, timestamp: Int64, chain: SHA256Digest, payload: [UInt8], batchEnd: LogPosition? = nil) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.chain = chain
        self.payload = payload
        self.batchEnd = batchEnd
    }
}

/// Snapshot files in `<store>/snapshots/`, named by the sequence number they cover.
///
/// File layout (docs/format.md): a 96-byte header (magic "LGBKSNP1", version, header size, sequence, timestamp,
/// chain hash, payload length, payload CRC32C, header CRC32C) then the payload. Files are installed atomically
/// (temporary file, fsync, rename, directory fsync); a damaged one is skipped with a warning, never trusted.
package struct SnapshotStore: Sendable {
    /// Where the store lives.
    package let paths: StorePaths
    /// The file system calls it uses.
    package let io: FileIO
    static let headerSize = 96
    static let suffix = ".snap"

    /// Snapshots of the store at `root`.
    package init(at root: String, io: FileIO = FileIO()) {
        paths = StorePaths(root: root)
        self.io = io
    }

    /// Writes a snapshot atomically; an existing one for the same sequence number is replaced.
    package func write(_ snapshot: Snapshot) throws(StorageError) {
        var bytes = [UInt8](repeating: 0, count: Self.headerSize)
        bytes.withUnsafeMutableBytes { b in
            b.setU64(LogFormat.snapshotMagic, 0)
            b.setU16(LogFormat.version, 8)
            b.setU16(UInt16(Self.headerSize), 10)
            b.setU64(snapshot.sequence, 16)
            b.setI64(snapshot.timestamp, 24)
            b.setDigest(snapshot.chain, 32)
            b.setU64(UInt64(snapshot.payload.count), 64)
            b.setU32(CRC32C.checksum(snapshot.payload), 72)
            if let end = snapshot.batchEnd {
                b.setU64(end.segment, 76)
                b.setU64(end.offset, 84)
            }
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<92])), 92)
        }
        bytes.append(contentsOf: snapshot.payload)
        try io.writeAtomically(bytes, to: path(for: snapshot.sequence), directory: paths.snapshots)
    }

    /// The path of the snapshot covering `sequence`.
    package func path(for sequence: UInt64) -> String {
        paths.snapshots + "/" + LogFormat.fileName(base: sequence, suffix: Self.suffix)
    }

    /// Sequence numbers of the snapshot files present (not checked), ascending.
    package func sequences() throws(StorageError) -> [UInt64] {
        guard io.isDirectory(paths.snapshots) else { return [] }
        do {
            return try io.listDirectory(paths.snapshots)
                .compactMap { LogFormat.base(ofFileName: $0, suffix: Self.suffix) }.sorted()
        } catch {
            throw StorageError(.io, "Listing snapshots failed", path: paths.snapshots, errno: error)
        }
    }

    /// Reads and checks one snapshot file (``readMapped(sequence:)``, the payload copied out).
    /// - Throws: `.corrupted` naming the file and offset when a checksum or field is wrong.
    package func read(sequence: UInt64) throws -> Snapshot {
        let mapped = try readMapped(sequence: sequence)
        var snapshot = mapped.header
        snapshot.payload = Array(mapped.payload)
        return snapshot
    }

    /// A snapshot whose payload stays in the mapped file (`region.bytes[payloadOffset...]`), checked like ``read(sequence:)``.
    package struct Mapped {
        /// The header's fields; `payload` is empty.
        package var header: Snapshot
        /// The whole file, mapped.
        package var region: ByteRegion
        /// Where the payload starts in it.
        package var payloadOffset: Int { SnapshotStore.headerSize }
        /// The payload.
        package var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: region.bytes[SnapshotStore.headerSize...]) }
        /// The file's path (for errors).
        package var path: String

        /// Checks the payload's CRC32C against the header's.
        /// - Throws: `.corrupted` naming the file when it does not match.
        package func checkPayload() throws(StorageError) {
            guard CRC32C.checksum(payload) == region.bytes.u32(72) else {
                throw StorageError(.corrupted, "Snapshot payload checksum mismatch", path: path, offset: SnapshotStore.headerSize)
            }
        }
    }

    /// Maps and checks one snapshot file: the header, its CRC, the payload length and (unless `checkingPayload` is
    /// false, for a payload that carries checksums of its own parts) the payload's CRC32C.
    package func readMapped(sequence: UInt64, checkingPayload: Bool = true) throws -> Mapped {
        let path = path(for: sequence)
        let region: ByteRegion
        do { region = try io.map(path) } catch {
            let e: Errno? = error
            throw StorageError(e == .noSuchFile ? .notFound : .io, "Reading a snapshot failed", path: path, errno: e)
        }
        let b = region.bytes
        guard b.count >= Self.headerSize, b.u64(0) == LogFormat.snapshotMagic else {
            throw StorageError(.corrupted, "Not a Logbook snapshot (bad magic or short header)", path: path, offset: 0)
        }
        guard b.u32(92) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<92])) else {
            throw StorageError(.corrupted, "Snapshot header checksum mismatch", path: path, offset: 92)
        }
        guard b.u16(8) == LogFormat.version, b.u16(10) == UInt16(Self.headerSize) else {
            throw StorageError(.unsupportedVersion, "Snapshot format version \(b.u16(8)) is not supported", path: path, offset: 8)
        }
        guard let length = Int(exactly: b.u64(64)), b.count - Self.headerSize == length, b.u64(16) == sequence else {
            throw StorageError(.corrupted, "Snapshot length or sequence does not match its header", path: path, offset: 64)
        }
        let end = b.u64(76) == 0 ? nil : LogPosition(segment: b.u64(76), offset: b.u64(84))
        let mapped = Mapped(header: Snapshot(sequence: sequence, timestamp: b.i64(24), chain: b.digest(32), payload: [],
                                             batchEnd: end),
                            region: region, path: path)
        if checkingPayload { try mapped.checkPayload() }
        return mapped
    }

    /// The newest snapshot that checks out and covers at most `sequence`, skipping damaged ones.
    /// - Returns: the snapshot (nil when none is usable) and one warning per skipped file.
    package func newestValid(atOrBefore sequence: UInt64 = .max) throws -> (snapshot: Snapshot?, warnings: [String]) {
        var warnings: [String] = []
        for s in try sequences().reversed() where s <= sequence {
            do {
                return (try read(sequence: s), warnings)
            } catch let error as StorageError where error.code == .corrupted || error.code == .unsupportedVersion {
                warnings.append("Skipped a damaged snapshot: \(error)")
            }
        }
        return (nil, warnings)
    }

    /// Removes the snapshot covering `sequence`.
    package func remove(sequence: UInt64) throws(StorageError) { try remove([sequence]) }

    /// Removes the snapshots covering `sequences`, then syncs the directory once.
    package func remove(_ sequences: [UInt64]) throws(StorageError) {
        guard !sequences.isEmpty else { return }
        for s in sequences {
            do { try io.unlink(path(for: s)) } catch {
                throw StorageError(.io, "Removing a snapshot failed", path: path(for: s), errno: error)
            }
        }
        do { try io.syncDirectory(paths.snapshots) } catch {
            throw StorageError(.io, "Syncing the snapshot directory failed", path: paths.snapshots, errno: error)
        }
    }
}
