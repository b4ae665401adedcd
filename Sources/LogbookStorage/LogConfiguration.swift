/// When appended batches are flushed to stable storage.
package enum SyncPolicy: Sendable, Equatable {
    /// Each append is one write and one `fdatasync` before it returns (group commit of the batch). The default.
    case everyBatch
    /// Appends are buffered; a write and `fdatasync` happen when at least this many milliseconds passed since the
    /// last one (checked at append), when the buffer fills, on ``SegmentedLog/sync()`` and on close.
    case interval(milliseconds: Int)
    /// Appends are buffered; data reaches the disk when the buffer fills, at a segment roll, on
    /// ``SegmentedLog/sync()`` and on close. For bulk loads that can be redone.
    case never
}

/// How a log is opened.
package struct LogConfiguration: Sendable {
    /// Roll to a new segment when the active one would grow past this many bytes (default 64 MiB).
    package var segmentSize = 64 << 20
    /// When data is synced (default: every batch).
    package var syncPolicy = SyncPolicy.everyBatch
    /// How long to wait for another writer to release the lock (default 10 s).
    package var lockTimeoutMilliseconds = 10_000
    /// Size at which buffered appends are written out (default 1 MiB).
    package var writeBufferSize = 1 << 20
    /// Rewrite the active segment's index sidecar (at a snapshot or close) once the segment has grown this many
    /// bytes past it (default 1 MiB): readers scan at most about that much of the active segment.
    package var activeIndexGrowth = 1 << 20
    /// Create the store if it does not exist (default true).
    package var createIfMissing = true
    /// The system-call layer (tests attach a fault seam here).
    package var io = FileIO()

    /// The defaults.
    package init() {}
}

/// Where a log stands: the newest sequence number and the chain hash after it.
///
/// Taken at any time and kept elsewhere, a digest lets ``LogReader/verify(upTo:)`` prove later that no record up
/// to `sequence` was changed, removed, inserted or reordered. Text form: `N:<64 hex>`.
package struct LogDigest: Sendable, Hashable, CustomStringConvertible {
    /// The newest sequence number covered (0 for an empty log).
    package var sequence: UInt64
    /// The chain hash after that record.
    package var chain: SHA256Digest

    /// Makes a digest.
    package init(sequence: UInt64, chain: SHA256Digest) { self.sequence = sequence; self.chain = chain }

    /// Parses `N:HEX`; nil when malformed.
    package init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = UInt64(parts[0]), let d = SHA256Digest(hex: String(parts[1])) else { return nil }
        self.init(sequence: n, chain: d)
    }

    package var description: String { "\(sequence):\(chain.hex)" }
}

/// What opening a log had to do.
package struct RecoveryReport: Sendable, Equatable {
    /// Human-readable warnings (a torn tail cut, stale temporary files removed).
    package var warnings: [String] = []
    /// Bytes cut from a torn tail.
    package var truncatedBytes = 0
    /// Whether the store was created by this open.
    package var createdStore = false
}

/// Where an append landed.
package struct AppendResult: Sendable, Equatable {
    /// Sequence number of the batch's first record.
    package var firstSequence: UInt64
    /// Sequence number of the batch's last record.
    package var lastSequence: UInt64
    /// The timestamp recorded for the batch.
    package var timestamp: Int64
    /// The chain hash after the batch.
    package var chain: SHA256Digest
    /// Where the batch's first frame was written (the others follow it back to back).
    package var position: LogPosition
}
