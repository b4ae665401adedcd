internal import LogbookEvents
internal import LogbookStorage

/// Limits of the retention policy.
public enum RetentionRules {
    /// The longest retention that can be set: 100 years.
    public static let maximumDays = 36_525
    /// Milliseconds per day.
    static let day: Int64 = 86_400_000
}

/// What `logbook prune` removed.
public struct PruneResult: Equatable, Sendable {
    /// Records 1...`throughSequence` are gone.
    public var throughSequence: UInt64
    /// The time of the last removed record.
    public var throughTime: Int64
    /// Segment files removed.
    public var segments: Int
    /// Their bytes.
    public var bytes: Int64
}

extension LogbookStore {
    /// Records the minimum retention: no prune may remove records younger than `days` days. The reason is required.
    public func setRetention(minDays days: Int, _ context: WriteContext) throws(LogbookError) {
        guard days >= 1 && days <= RetentionRules.maximumDays else {
            throw LogbookError.usage("--min-days must be a whole number of days from 1 to \(RetentionRules.maximumDays), not \(days)")
        }
        _ = try context.requireReason("a retention change")
        try append([.retentionSet(minDays: days)], context)
    }

    /// Removes the archived segments whose records are all older than `before`, when that is outside the retention.
    ///
    /// Only whole archived segments go (run `compact` first), and only when a snapshot records the state and chain
    /// hash at the cut: it is written here if missing, before anything is removed. The prune is recorded as a
    /// `store.pruned` event (by `context`'s actor, with its reason) before the files are removed, so the chain
    /// itself attests the checkpoint the rest of the log is then verified from.
    /// - Returns: nil when no archived segment ends before `before` (nothing is recorded).
    /// - Throws: `.refused` when `before` is inside the retention.
    public func prune(before: Int64, _ context: WriteContext) throws(LogbookError) -> PruneResult? {
        guard let log else { throw LogbookError(.failure, "The store was opened read-only") }
        _ = try context.requireReason("a prune")
        let now = context.time ?? max(FileIO.wallClockMilliseconds(), state.lastTimestamp)
        let days = state.retentionDays
        let limit = now - Int64(days) * RetentionRules.day
        guard before <= limit else {
            throw LogbookError.refused("Pruning before \(Timestamp.iso(before)) would remove records younger than the retention "
                                       + "of \(days) days: only records before \(Timestamp.iso(limit)) may go. Prune before "
                                       + "that, or change the retention with 'logbook retention set' (recorded)")
        }
        guard let cut = log.prunableSegments().last(where: { $0.newest < before }) else { return nil }
        guard let checkpoint = log.pruneCheckpoint(through: cut.through) else { return nil }
        // The snapshot at the cut, bound to the chain there: the state the remaining log is replayed from.
        do {
            if !(try snapshots.sequences()).contains(cut.through) {
                let (loaded, _) = try Self.loadState(reader: reader, snapshots: snapshots, upTo: cut.through)
                try snapshots.write(Snapshot(sequence: cut.through, timestamp: checkpoint.timestamp, chain: checkpoint.chain,
                                             payload: StateCodec.encode(loaded.state)))
            }
        } catch { throw Self.wrap(error) }
        var segments = 0
        var bytes: Int64 = 0
        for s in reader.segmentFiles where s.base <= cut.through {
            segments += 1
            bytes += Int64(options.io.sizeOfFile(s.path) ?? 0)
        }
        try append([.storePruned(throughSequence: cut.through, throughTime: checkpoint.timestamp, chain: checkpoint.chain.hex,
                                 segments: segments, bytes: bytes)], context)
        // The prune is recorded and acknowledged: removing its files is finished by the next writer if it fails now.
        do { try finishPrune() } catch {
            warnings.append("The prune is recorded but removing its files failed (the next write finishes it): \(error)")
        }
        return PruneResult(throughSequence: cut.through, throughTime: checkpoint.timestamp, segments: segments, bytes: bytes)
    }

    /// Removes what the newest recorded prune cut and is still on disk: the segments before its checkpoint and the
    /// snapshots older than it. Runs after each prune, and at every writable open (finishing a prune a crash
    /// interrupted). - Returns: whether anything was left to remove.
    @discardableResult
    func finishPrune() throws(LogbookError) -> Bool {
        guard let log, let pruned = state.pruned, let chain = SHA256Digest(hex: pruned.chain) else { return false }
        let checkpoint = Checkpoint(throughSequence: pruned.throughSequence, timestamp: pruned.throughTime, chain: chain)
        let stale: [UInt64]
        do { stale = try snapshots.sequences().filter { $0 < pruned.throughSequence } } catch { throw Self.wrap(error) }
        guard reader.firstSequence <= pruned.throughSequence || !stale.isEmpty || reader.checkpoint != checkpoint else { return false }
        do {
            _ = try log.prune(to: checkpoint)
            for s in stale { try snapshots.remove(sequence: s) }
            try reader.refresh()
        } catch { throw Self.wrap(error) }
        return true
    }
}
