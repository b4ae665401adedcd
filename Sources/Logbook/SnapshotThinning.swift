/// Which old snapshots a writer removes, so that snapshots do not outgrow the log while a read "as of" any moment,
/// however old, still replays a bounded stretch of log.
///
/// The newest `keepRecent` stay, and the oldest. Between them, walking from the oldest, a snapshot is removed when
/// the next one still lies within the bound of the last snapshot kept: at most `gapEvents` events after it, and
/// either at most `gapBytes` of replay cost (its bytes of log, each event weighed `eventWeight` bytes more) or at
/// most 2 × its size of log. So an "as of" read replays at most about that much (more only where snapshots were
/// written further apart), and the snapshots kept take about one file per bound of log: their bytes stay below
/// about the log's own, because a kept snapshot of S bytes is followed by more than 2·S of log (the weight never
/// counts against that part of the bound). Protected snapshots (the checkpoint of a pruned log) are never removed.
enum SnapshotThinning {
    /// A snapshot as thinning sees it.
    struct Entry: Equatable {
        /// The sequence number it covers.
        var sequence: UInt64
        /// Where its batch ends, in bytes of log from the start of the oldest segment present; nil when unknown (an
        /// older snapshot that does not record it, a damaged header, a segment gone), which bounds by events only.
        var logOffset: UInt64?
        /// Its file's size.
        var bytes: UInt64
    }

    /// How far apart kept snapshots may be.
    struct Bounds: Equatable {
        var gapBytes: UInt64
        var gapEvents: UInt64
        /// Bytes of log each event counts as, on top of its own, against `gapBytes`.
        var eventWeight: UInt64 = 0
    }

    static func removable(_ entries: [Entry], keepRecent: Int, bounds: Bounds, protected: Set<UInt64>) -> [UInt64] {
        let sorted = entries.sorted { $0.sequence < $1.sequence }
        guard keepRecent >= 1, sorted.count > keepRecent + 1 else { return [] }
        var kept = sorted[0]
        var remove: [UInt64] = []
        for i in 1..<(sorted.count - keepRecent) {
            let s = sorted[i]
            if protected.contains(s.sequence) || !within(sorted[i + 1], of: kept, bounds) {
                kept = s
            } else {
                remove.append(s.sequence)
            }
        }
        return remove
    }

    /// Whether `next` lies within the bound of `kept`, so that what lies between can go.
    static func within(_ next: Entry, of kept: Entry, _ bounds: Bounds) -> Bool {
        guard next.sequence - kept.sequence <= bounds.gapEvents else { return false }
        guard let a = kept.logOffset, let b = next.logOffset else { return true }
        guard b >= a else { return false }
        // Within twice its size of log the next one always lets it go: that keeps the kept snapshots' bytes below
        // the log's, however small the events.
        if b - a <= 2 * kept.bytes { return true }
        let (weighted, overflow) = (next.sequence - kept.sequence).multipliedReportingOverflow(by: bounds.eventWeight)
        let (cost, overflow2) = (b - a).addingReportingOverflow(weighted)
        return !overflow && !overflow2 && cost <= bounds.gapBytes
    }
}
