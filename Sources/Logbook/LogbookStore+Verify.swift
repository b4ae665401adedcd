internal import LogbookEvents
package import LogbookStorage

extension LogbookStore {
    /// Verifies a log (a store's or a bundle's): every record's CRC, the hash chain from the first kept segment, a
    /// digest when given, and, for a pruned log, that the checkpoint it starts from is the one its own
    /// `store.pruned` event recorded inside the chain (so no one removed more than the recorded prune did).
    /// - Throws: `.integrity` naming the file, offset and sequence number of the first bad record or batch.
    package static func verifyLog(_ reader: LogReader, upTo digest: LogDigest?) throws(LogbookError) -> VerifyReport {
        var attested: [(through: UInt64, chain: String)] = []
        let report: VerifyReport
        do {
            report = try reader.verify(upTo: digest) { record in
                guard record.type == EventCodec.storePrunedTag else { return }
                if case let .storePruned(through, _, chain, _, _) = try envelope(of: record).event {
                    attested.append((through, chain))
                }
            }
        } catch { throw wrap(error) }
        if let checkpoint = report.checkpoint,
           !attested.contains(where: { $0.through == checkpoint.throughSequence && $0.chain == checkpoint.chain.hex }) {
            throw LogbookError(.integrity, "The log was cut at sequence \(checkpoint.throughSequence) "
                               + "(\(reader.paths.checkpoint)) but no store.pruned event in it records that checkpoint: "
                               + "records were removed without a recorded prune")
        }
        if let digest, !report.matchedDigest {
            throw LogbookError(.integrity, "The log ends at sequence \(report.digest.sequence), before sequence "
                               + "\(digest.sequence) of the digest: records were removed")
        }
        return report
    }

    /// ``verifyLog(_:upTo:)`` for the log at `path`.
    package static func verifyLog(at path: String, upTo digest: LogDigest?, io: FileIO = FileIO()) throws(LogbookError) -> VerifyReport {
        let reader: LogReader
        do { reader = try LogReader(at: path, io: io) } catch { throw wrap(error) }
        return try verifyLog(reader, upTo: digest)
    }
}
