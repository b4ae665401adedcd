/// Which old snapshots a writer removes, so that snapshots do not outgrow the log: every snapshot of a growing state
/// is kept for a while, then fewer as they age.
///
/// The newest `keepRecent` are kept. Of the older ones, one is kept per half-octave of distance (in events) from the
/// newest: distances in [√2^k, √2^(k+1)) share bucket k, and the oldest of each bucket stays. So a store keeps about
/// 2·log2(events / spacing) snapshots, the oldest always among them, and an "as of" read of a moment D events back
/// replays at most about D events. Protected snapshots (the checkpoint of a pruned log) are never removed.
enum SnapshotThinning {
    static func removable(_ sequences: [UInt64], keepRecent: Int, protected: Set<UInt64>) -> [UInt64] {
        let sorted = sequences.sorted()
        guard keepRecent >= 1, sorted.count > keepRecent, let newest = sorted.last else { return [] }
        var buckets = Set<Int>()
        var remove: [UInt64] = []
        for s in sorted.dropLast(keepRecent) where !protected.contains(s) {
            // Oldest first: the first snapshot seen in a bucket is the one kept.
            if !buckets.insert(halfOctave(newest - s)).inserted { remove.append(s) }
        }
        return remove
    }

    /// k such that √2^k ≤ d < √2^(k+1), for d ≥ 1.
    static func halfOctave(_ d: UInt64) -> Int {
        let octave = 63 - max(d, 1).leadingZeroBitCount
        return 2 * octave + (Double(d) >= Double(UInt64(1) << octave) * 2.0.squareRoot() ? 1 : 0)
    }
}
