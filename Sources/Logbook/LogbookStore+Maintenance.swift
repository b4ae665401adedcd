internal import LogbookEvents
package import LogbookStorage

/// What `logbook stats` reports.
public struct StoreStats: Equatable, Sendable {
    /// Events in the log.
    public var events: UInt64
    /// Segment files (active and archived).
    public var segments: Int
    /// Of which archived.
    public var archivedSegments: Int
    /// Bytes of segment files.
    public var logBytes: Int
    /// Snapshot files.
    public var snapshots: Int
    /// Bytes of snapshot files.
    public var snapshotBytes: Int
    /// Newest sequence number.
    public var lastSequence: UInt64
    /// Its time.
    public var lastTime: Int64
    /// Experiments, runs, models.
    public var experiments: Int, runs: Int, models: Int
}

/// What `logbook check` proved.
public struct CheckReport: Equatable, Sendable {
    /// The log's verification (every CRC, the chain).
    package var verify: VerifyReport
    /// Snapshots compared with a replay to their sequence number.
    public var snapshotsChecked: Int
    /// Records checked.
    public var records: UInt64 { verify.records }
}

/// What `logbook compact` did.
public struct CompactReport: Equatable, Sendable {
    /// The snapshot written (sequence number covered).
    public var snapshotSequence: UInt64
    /// Segment files moved to the archive.
    public var archived: [String]
}

extension LogbookStore {
    /// Counts of the store's contents (as of `past`, default now) and of its files (always as they are now).
    public func stats(in past: LogbookState? = nil) throws(LogbookError) -> StoreStats {
        let state = past ?? self.state
        let io = options.io
        var logBytes = 0
        var archived = 0
        for s in reader.segmentFiles {
            logBytes += io.sizeOfFile(s.path) ?? 0
            if s.path.hasPrefix(StorePaths(root: path).archive + "/") { archived += 1 }
        }
        var snapshotBytes = 0
        let sequences = (try? snapshots.sequences()) ?? []
        for s in sequences {
            snapshotBytes += io.sizeOfFile(snapshots.path(for: s)) ?? 0
        }
        return StoreStats(events: state.lastSequence, segments: reader.segmentFiles.count, archivedSegments: archived,
                          logBytes: logBytes, snapshots: sequences.count, snapshotBytes: snapshotBytes,
                          lastSequence: state.lastSequence, lastTime: state.lastTimestamp,
                          experiments: state.experiments.count, runs: state.runs.count, models: state.modelCount)
    }

    /// The full integrity check: every record's CRC and the hash chain; every snapshot decoded and compared, byte
    /// for byte, with a replay of the log up to it; and the current state compared with a full replay.
    /// - Throws: `.integrity` naming the file, offset and sequence number (or the snapshot) that fails.
    public func check() throws(LogbookError) -> CheckReport {
        let verify = try Self.verifyLog(reader, upTo: nil)
        // A pruned log replays from its checkpoint snapshot (bound to the log by the chain hash): what came before
        // it is gone, by a recorded prune.
        var replayed = try Self.checkpointState(reader: reader, snapshots: snapshots)
        var checked = 0
        let sequences: [UInt64]
        do { sequences = try snapshots.sequences() } catch { throw Self.wrap(error) }
        for s in sequences where s <= state.lastSequence && s > replayed.lastSequence {
            do { try Self.replay(reader: reader, into: &replayed, through: s) } catch { throw Self.wrap(error) }
            let snapshot: Snapshot
            do { snapshot = try snapshots.read(sequence: s) } catch { throw Self.wrap(error) }
            guard try chainAfter(s) == snapshot.chain else {
                throw LogbookError(.integrity, "Snapshot \(snapshots.path(for: s)) records another chain hash than the "
                                   + "log at sequence \(s): it belongs to another history; remove it")
            }
            // A snapshot written by an older version of the state codec is compared by value; a current one byte for byte.
            let equal = snapshot.payload.first == StateCodec.version
                ? snapshot.payload == StateCodec.encode(replayed)
                : (try? StateCodec.decode(snapshot.payload)) == replayed
            guard equal else {
                throw LogbookError(.integrity, "Snapshot \(snapshots.path(for: s)) does not equal a replay of the log "
                                   + "up to sequence \(s); remove it (the store falls back to an older one or a replay)")
            }
            checked += 1
        }
        do { try Self.replay(reader: reader, into: &replayed, through: state.lastSequence) } catch { throw Self.wrap(error) }
        guard StateCodec.encode(replayed) == StateCodec.encode(state) else {
            throw LogbookError(.integrity, "The state loaded at open does not equal a full replay of the log")
        }
        return CheckReport(verify: verify, snapshotsChecked: checked)
    }

    private func chainAfter(_ sequence: UInt64) throws(LogbookError) -> SHA256Digest? {
        do { return try reader.storedChain(after: sequence) } catch { throw Self.wrap(error) }
    }

    /// Writes a snapshot, then moves the segments it covers to the archive (kept, verified, used by `--at`).
    public func compact() throws(LogbookError) -> CompactReport {
        guard let log else { throw LogbookError(.failure, "The store was opened read-only") }
        try writeSnapshot()
        let moved: [String]
        do {
            moved = try log.archiveSegments(through: state.lastSequence)
            try reader.refresh()
        } catch { throw Self.wrap(error) }
        return CompactReport(snapshotSequence: state.lastSequence, archived: moved)
    }

    /// Cuts a damaged log after `sequence` (see ``SegmentedLog/repair(at:truncateAfter:configuration:)``).
    ///
    /// A cut that removed anything is then recorded in the log as a `store.repaired` event by `context`'s actor:
    /// the history says that it was cut, where, and where the removed bytes are.
    package static func repair(at path: String, truncateAfter sequence: UInt64, options: StoreOptions = StoreOptions(),
                               _ context: WriteContext) throws(LogbookError) -> RepairReport {
        try refuseBundle(path, options)
        let report: RepairReport
        do {
            report = try SegmentedLog.repair(at: path, truncateAfter: sequence, configuration: options.logConfiguration)
            // Snapshots past the cut describe records that are gone.
            let snapshots = SnapshotStore(at: path, io: options.io)
            for s in try snapshots.sequences() where s > sequence { try snapshots.remove(sequence: s) }
        } catch { throw wrap(error) }
        guard report.removedBytes > 0, let savedTo = report.savedTo else { return report }
        let store = try LogbookStore(at: path, writable: true, options: options)
        var ctx = context
        // The cut happens now: at LOGBOOK_NOW when it is set (as every write), else the clock; never before the
        // newest kept record, as the cut is made already and its record must not be refused.
        ctx.time = context.time.map { max($0, store.state.lastTimestamp) }
        try store.append([.storeRepaired(truncatedAfter: sequence, removedBytes: Int64(report.removedBytes), savedTo: savedTo)],
                         ctx)
        try store.close()
        return report
    }
}

extension LogbookStore {
    /// The state from a replay of the whole log up to `through`, ignoring snapshots (what `check` compares with).
    package static func loadStateIgnoringSnapshots(at path: String, through: UInt64 = .max) throws(LogbookError) -> LogbookState {
        do {
            let reader = try LogReader(at: path)
            var state = try checkpointState(reader: reader, snapshots: SnapshotStore(at: path))
            try replay(reader: reader, into: &state, through: through)
            return state
        } catch { throw wrap(error) }
    }
}
