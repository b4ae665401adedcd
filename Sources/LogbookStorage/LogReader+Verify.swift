/// What a full verification of the log saw.
package struct VerifyReport: Sendable, Equatable {
    /// Segments read.
    package var segments = 0
    /// Records read.
    package var records: UInt64 = 0
    /// Batches read (each one chain link).
    package var batches: UInt64 = 0
    /// Bytes of frames read.
    package var bytes = 0
    /// The digest at the end of the log.
    package var digest = LogDigest(sequence: 0, chain: .zero)
    /// The sequence number the chain was proven from (1 unless older segments were pruned).
    package var firstSequence: UInt64 = 1
    /// Whether a digest was given and matched.
    package var matchedDigest = false
    /// The prune checkpoint the log was proven against, when it was pruned (or a prune was interrupted).
    package var checkpoint: Checkpoint?
}

extension LogReader {
    /// Reads every record of every segment, checks every CRC, recomputes the hash chain from the first segment's
    /// start, and, with a digest, proves that the log up to its sequence number is the one it was taken from.
    ///
    /// - Throws: `.corrupted` naming the file, offset and sequence number of the first bad record or batch;
    ///   `.tampered` when the chain does not match a stored link or the digest.
    ///   `visit` sees every record once its batch is proven (the domain checks its own attestations there).
    package func verify(upTo digest: LogDigest? = nil, visit: ((Record) throws -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport()
        tailDamage = nil
        let first = segments[0]
        let checkpoint = self.checkpoint // read with the segment list it belongs to
        report.checkpoint = checkpoint
        if let checkpoint {
            try checkpoint.check(oldest: first)
        }
        report.firstSequence = first.base
        if first.base == 1 && first.header.startChain != .zero {
            throw StorageError(.tampered, "The first segment does not start from the empty chain", path: first.path, offset: 32)
        }
        if let digest, digest.sequence + 1 < first.base {
            throw StorageError(.invalidArgument, "The digest is at sequence \(digest.sequence), before the oldest kept "
                               + "segment (\(first.base)); verify from a checkpoint after it", path: first.path)
        }
        var chain = first.header.startChain
        var nextSequence = first.base
        var lastTimestamp = first.header.previousTimestamp
        if let digest, digest.sequence + 1 == first.base {
            guard digest.chain == chain else {
                throw StorageError(.tampered, "The log does not match the digest at sequence \(digest.sequence)",
                                   path: first.path, sequence: digest.sequence)
            }
            report.matchedDigest = true
        }
        for (i, segment) in segments.enumerated() {
            let h = segment.header
            guard h.baseSequence == nextSequence, h.startChain == chain, h.previousTimestamp == lastTimestamp else {
                throw StorageError(.tampered, "Segment header does not continue the previous segment "
                                   + "(sequence, time or chain differ): a segment was changed, removed or inserted",
                                   path: segment.path, offset: 16, sequence: nextSequence)
            }
            report.segments += 1
            var failure: StorageError?
            nextSequence = try scanSegment(i, from: nil) { batch in
                let recomputed = batch.recomputeChain(from: chain)
                if recomputed != batch.storedChain {
                    failure = StorageError(.tampered, "Hash chain broken at the batch of sequence \(batch.firstSequence)"
                                           + "...\(batch.lastSequence): a record was changed, removed, inserted or reordered",
                                           path: segment.path, offset: batch.offset, sequence: batch.firstSequence)
                    return false
                }
                if let digest, (batch.firstSequence...batch.lastSequence).contains(digest.sequence) {
                    if digest.sequence != batch.lastSequence || digest.chain != recomputed {
                        failure = StorageError(.tampered, "The log does not match the digest at sequence \(digest.sequence): "
                                               + "a record up to it was changed, removed, inserted or reordered",
                                               path: segment.path, offset: batch.offset, sequence: digest.sequence)
                        return false
                    }
                    report.matchedDigest = true
                }
                if let checkpoint, (batch.firstSequence...batch.lastSequence).contains(checkpoint.throughSequence) {
                    if checkpoint.throughSequence != batch.lastSequence || checkpoint.chain != recomputed {
                        failure = StorageError(.tampered, "The log does not match the prune checkpoint at sequence "
                                               + "\(checkpoint.throughSequence)", path: segment.path, offset: batch.offset,
                                               sequence: checkpoint.throughSequence)
                        return false
                    }
                }
                if let visit { try batch.forEachRecord(visit) }
                chain = recomputed
                lastTimestamp = batch.timestamp
                report.records += batch.lastSequence - batch.firstSequence + 1
                report.batches += 1
                report.bytes += batch.bytes.count
                return true
            }
            if let failure { throw failure }
        }
        report.digest = LogDigest(sequence: nextSequence - 1, chain: chain)
        if let checkpoint, checkpoint.throughSequence >= nextSequence {
            throw StorageError(.tampered, "The prune checkpoint is at sequence \(checkpoint.throughSequence), past the "
                               + "log's end (\(nextSequence - 1)): records were removed", path: paths.checkpoint,
                               sequence: nextSequence)
        }
        // An incomplete or damaged end is a write in flight while a writer runs; with none, it is damage that
        // recovery will cut, and verification must say so rather than stop quietly before it.
        if let damage = tailDamage, !StoreLock.isHeld(paths, io: io) { throw damage }
        if let digest, !report.matchedDigest {
            throw StorageError(.tampered, "The log ends at sequence \(nextSequence - 1), before the digest's "
                               + "\(digest.sequence): records were removed", sequence: nextSequence)
        }
        return report
    }
}
