/// `<store>/CHECKPOINT`: where a prune cut the log. Records 1...`throughSequence` were removed; the oldest kept
/// segment continues from `chain`, and the log's own `store.pruned` event attests the same chain.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic "LGBKCKP1" |
/// | 8 | 2 | format version (1) |
/// | 10 | 2 | reserved, zero |
/// | 12 | 4 | reserved, zero |
/// | 16 | 8 | through: the last removed sequence number |
/// | 24 | 8 | its timestamp |
/// | 32 | 32 | the chain hash after it |
/// | 64 | 12 | reserved, zero |
/// | 76 | 4 | CRC32C of bytes 0..<76 |
package struct Checkpoint: Equatable, Sendable {
    /// The last removed sequence number.
    package var throughSequence: UInt64
    /// Its timestamp.
    package var timestamp: Int64
    /// The chain hash after it.
    package var chain: SHA256Digest

    static let size = 80
    static let magic = LogFormat.magic("LGBKCKP1")

    /// Makes a checkpoint.
    package init(throughSequence: UInt64, timestamp: Int64, chain: SHA256Digest) {
        self.throughSequence = throughSequence
        self.timestamp = timestamp
        self.chain = chain
    }

    /// The file's bytes.
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { b in
            b.setU64(Self.magic, 0)
            b.setU16(LogFormat.version, 8)
            b.setU64(throughSequence, 16)
            b.setI64(timestamp, 24)
            b.setDigest(chain, 32)
            b.setU32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<76])), 76)
        }
        return bytes
    }

    /// Decodes and checks the file's bytes.
    static func decode(_ bytes: [UInt8], path: String) throws(StorageError) -> Checkpoint {
        guard bytes.count == size else {
            throw StorageError(.corrupted, "The checkpoint file is \(bytes.count) bytes, not \(size)", path: path, offset: 0)
        }
        let (magicOK, crcOK, version, through, time, chain) = bytes.withUnsafeBytes { b in
            (b.u64(0) == magic, b.u32(76) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<76])), b.u16(8),
             b.u64(16), b.i64(24), b.digest(32))
        }
        guard magicOK else { throw StorageError(.corrupted, "Not a Logbook checkpoint (bad magic)", path: path, offset: 0) }
        guard crcOK else { throw StorageError(.corrupted, "Checkpoint checksum mismatch", path: path, offset: 76) }
        guard version == LogFormat.version else {
            throw StorageError(.unsupportedVersion, "Checkpoint format version \(version) is not supported", path: path, offset: 8)
        }
        return Checkpoint(throughSequence: through, timestamp: time, chain: chain)
    }
}

extension FileIO {
    /// The store's checkpoint, or nil when the log was never pruned.
    package func readCheckpoint(_ paths: StorePaths) throws(StorageError) -> Checkpoint? {
        guard let bytes = try readWholeFile(paths.checkpoint) else { return nil }
        return try Checkpoint.decode(bytes, path: paths.checkpoint)
    }

    /// Installs the checkpoint atomically.
    func writeCheckpoint(_ checkpoint: Checkpoint, _ paths: StorePaths) throws(StorageError) {
        try writeAtomically(checkpoint.encoded(), to: paths.checkpoint, directory: paths.root)
    }

    /// A whole small file, or nil when it does not exist.
    package func readWholeFile(_ path: String) throws(StorageError) -> [UInt8]? {
        guard exists(path) else { return nil }
        do {
            let file = try open(path, writable: false)
            defer { file.close() }
            return try file.read(count: try file.size(), at: 0)
        } catch {
            throw StorageError(.io, "Reading '\(path)' failed", path: path, errno: error)
        }
    }
}

extension Checkpoint {
    /// Checks that the oldest kept segment is where this checkpoint says the log continues: exactly after it
    /// (with its chain and time), or before it when a prune was interrupted before removing every segment.
    package func check(oldest first: SegmentFile) throws(StorageError) {
        if first.base - 1 == throughSequence {
            guard first.header.startChain == chain, first.header.previousTimestamp == timestamp else {
                throw StorageError(.tampered, "The oldest segment does not continue from the prune checkpoint "
                                   + "(sequence \(throughSequence)): a segment was changed, removed or inserted",
                                   path: first.path, offset: 24, sequence: first.base)
            }
        } else if first.base - 1 > throughSequence {
            throw StorageError(.tampered, "The oldest segment starts at sequence \(first.base) but the prune checkpoint "
                               + "removed only records up to \(throughSequence): the segments between are missing",
                               path: first.path, offset: 16, sequence: throughSequence + 1)
        }
    }
}
