@testable import Logbook
import LogbookStorage
import Testing

@Suite("Old snapshots are thinned")
struct SnapshotThinningTests {
    @Test("half-octave buckets: √2^k ≤ d < √2^(k+1)")
    func buckets() {
        #expect(SnapshotThinning.halfOctave(1) == 0)
        #expect(SnapshotThinning.halfOctave(2) == 2 && SnapshotThinning.halfOctave(3) == 3)
        #expect(SnapshotThinning.halfOctave(4) == 4 && SnapshotThinning.halfOctave(5) == 4 && SnapshotThinning.halfOctave(6) == 5)
        #expect(SnapshotThinning.halfOctave(1 << 40) == 80 && SnapshotThinning.halfOctave(.max) == 127)
    }

    @Test("thinned as they are written: the newest and the oldest stay, few files, and any moment D back has one at most about D before it")
    func thinnedAsWritten() {
        let spacing: UInt64 = 10
        var kept: [UInt64] = []
        for n in 1...3000 {
            let s = UInt64(n) * spacing
            kept.append(s)
            let remove = Set(SnapshotThinning.removable(kept, keepRecent: 4, protected: [777 * spacing]))
            kept.removeAll { remove.contains($0) }
            #expect(kept.suffix(4) == Array((max(1, n - 3)...n).map { UInt64($0) * spacing }))
        }
        #expect(kept.first == spacing && kept.contains(777 * spacing))
        // 3,000 snapshots become about 2·log2(3,000) + 4 + 1 protected.
        #expect(kept.count <= 30, "\(kept.count) kept")
        let newest = kept.last!
        for t in stride(from: spacing, through: newest, by: 7) {
            let before = kept.last { $0 <= t }!
            #expect(t - before <= max(newest - t, 3 * spacing), "moment \(t): nearest snapshot \(before)")
        }
        #expect(SnapshotThinning.removable(kept, keepRecent: 0, protected: []).isEmpty)
    }

    @Test("a writer thins its snapshots; reads as of any moment still equal the replay")
    func storeThins() throws {
        var options = StoreOptions()
        options.snapshotInterval = 5
        let t = try TestStore(options: options)
        randomHistory(t, seed: 21, steps: 300)
        let count = try t.store.snapshots.sequences().count
        #expect(count >= 5 && count <= 20, "\(count) snapshots for \(t.store.state.lastSequence) events every 5")
        for n in stride(from: UInt64(1), through: t.store.state.lastSequence, by: 13) {
            #expect(StateCodec.encode(try t.store.state(at: .sequence(n))) == StateCodec.encode(try fullReplay(t, through: n)), "at #\(n)")
        }
        options.snapshotsKeptRecent = 0
        try t.reopen(options: options)
        let before = try t.store.snapshots.sequences().count
        randomHistory(t, seed: 22, steps: 100)
        #expect(try t.store.snapshots.sequences().count > before + 5)
    }

    @Test("a snapshot written but not thinned (an unlink fails) is a warning: the command succeeds, the files stay, the next snapshot thins them")
    func thinningFailureWarns() throws {
        let faults = FaultInjector()
        var options = StoreOptions()
        options.snapshotsKeptRecent = 1
        options.io = FileIO(faults: faults)
        let t = try TestStore(options: options)
        // A snapshot after each of 12 events, with thinning failing throughout the last one.
        for i in 0..<12 {
            try t.store.createExperiment(name: "e\(i)", t.ctx())
            if i == 11 { faults.inject(.fail(.ioError), everyCallOf: .unlink) }
            try t.store.writeSnapshot()
        }
        faults.clear()
        #expect(t.store.warnings.contains { $0.contains("Removing old snapshots failed") }, "\(t.store.warnings)")
        let left = try t.store.snapshots.sequences()
        let removable = SnapshotThinning.removable(left, keepRecent: 1, protected: [])
        #expect(left.last == t.store.state.lastSequence && !removable.isEmpty)
        // The next snapshot thins what the failed one left.
        try t.store.createExperiment(name: "later", t.ctx())
        try t.store.writeSnapshot()
        let after = try t.store.snapshots.sequences()
        let all = left + [t.store.state.lastSequence]
        let dropped = Set(SnapshotThinning.removable(all, keepRecent: 1, protected: []))
        #expect(after == all.filter { !dropped.contains($0) } && after.count < all.count)
        #expect(t.store.state == (try fullReplay(t)))
    }
}
