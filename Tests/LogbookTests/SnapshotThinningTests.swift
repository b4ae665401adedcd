@testable import Logbook
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Old snapshots are thinned")
struct SnapshotThinningTests {
    typealias Entry = SnapshotThinning.Entry

    /// Writes `count` snapshots `spacing` bytes and 10 events apart, of `size(n)` bytes, thinning after each as a
    /// writer does; returns what is kept.
    static func written(_ count: Int, spacing: UInt64, bounds: SnapshotThinning.Bounds, keepRecent: Int,
                        protected: Set<UInt64> = [], size: (Int) -> UInt64) -> [Entry] {
        var kept: [Entry] = []
        for n in 1...count {
            kept.append(Entry(sequence: UInt64(n) * 10, logOffset: UInt64(n) * spacing, bytes: size(n)))
            let remove = Set(SnapshotThinning.removable(kept, keepRecent: keepRecent, bounds: bounds, protected: protected))
            kept.removeAll { remove.contains($0.sequence) }
            #expect(kept.suffix(keepRecent).map(\.sequence) == (max(1, n - keepRecent + 1)...n).map { UInt64($0) * 10 })
        }
        return kept
    }

    @Test("thinned as written: the newest, the oldest and protected ones stay; after each kept one the next comes within the bound; the kept files take about one per bound of log")
    func thinnedAsWritten() {
        let spacing: UInt64 = 4 << 20
        let bounds = SnapshotThinning.Bounds(gapBytes: 16 << 20, gapEvents: .max)
        // 3,000 snapshots 4 MiB apart (12 GiB of log) of 1 MiB each: one kept per 16 MiB of log.
        let kept = Self.written(3000, spacing: spacing, bounds: bounds, keepRecent: 2, protected: [7770]) { _ in 1 << 20 }
        #expect(kept.first?.sequence == 10 && kept.contains { $0.sequence == 7770 })
        for (a, b) in zip(kept, kept.dropFirst()) {
            #expect(b.logOffset! - a.logOffset! <= 16 << 20, "\(a.sequence) -> \(b.sequence)")
        }
        let logBytes = 3000 * spacing
        #expect(kept.count <= Int(logBytes / (12 << 20)), "\(kept.count) kept")
        #expect(kept.count >= Int(logBytes / (16 << 20)), "\(kept.count) kept")
    }

    @Test("a snapshot larger than half the bound is followed by twice its size of log: the kept bytes stay below the log's")
    func largeStates() {
        let spacing: UInt64 = 4 << 20
        let bounds = SnapshotThinning.Bounds(gapBytes: 16 << 20, gapEvents: .max)
        // States that grow to 40 MiB, written a quarter of their size apart (at least 4 MiB), as a writer does.
        var offset: UInt64 = 0
        var kept: [Entry] = []
        for n in 1...400 {
            let size = UInt64(n) * (100 << 10)
            offset += max(spacing, size / 4)
            kept.append(Entry(sequence: UInt64(n), logOffset: offset, bytes: size))
            let remove = Set(SnapshotThinning.removable(kept, keepRecent: 2, bounds: bounds, protected: []))
            kept.removeAll { remove.contains($0.sequence) }
        }
        for (a, b) in zip(kept, kept.dropFirst()) {
            #expect(b.logOffset! - a.logOffset! <= max(16 << 20, 2 * a.bytes), "\(a.sequence) -> \(b.sequence)")
        }
        let keptBytes = kept.dropLast(2).reduce(0) { $0 + $1.bytes }
        #expect(keptBytes <= offset, "\(keptBytes) bytes of snapshots for \(offset) of log")
        #expect(kept.count < 100, "\(kept.count) kept of 400")
    }

    @Test("the event bound holds where offsets are unknown; snapshots written further apart than the bound all stay")
    func eventsAndWideSpacing() {
        let byEvents = SnapshotThinning.Bounds(gapBytes: .max, gapEvents: 100)
        let entries = (1...50).map { Entry(sequence: UInt64($0) * 30, logOffset: nil, bytes: 1) }
        let remove = Set(SnapshotThinning.removable(entries, keepRecent: 1, bounds: byEvents, protected: []))
        let kept = entries.map(\.sequence).filter { !remove.contains($0) }
        #expect(kept.first == 30 && kept.last == 1500 && kept.count < 25)
        for (a, b) in zip(kept, kept.dropFirst()) { #expect(b - a <= 100, "\(a) -> \(b)") }
        // 20 MiB apart with a 16 MiB bound: none can go.
        let wide = (1...20).map { Entry(sequence: UInt64($0), logOffset: UInt64($0) * (20 << 20), bytes: 1) }
        let bounds = SnapshotThinning.Bounds(gapBytes: 16 << 20, gapEvents: .max)
        #expect(SnapshotThinning.removable(wide, keepRecent: 1, bounds: bounds, protected: []).isEmpty)
        // An offset that goes back (a segment whose size could not be read) keeps the snapshot before it.
        var odd = (1...5).map { Entry(sequence: UInt64($0), logOffset: UInt64($0) << 20, bytes: 1) }
        #expect(SnapshotThinning.removable(odd, keepRecent: 1, bounds: bounds, protected: []) == [2, 3, 4])
        odd[2].logOffset = 0
        #expect(SnapshotThinning.removable(odd, keepRecent: 1, bounds: bounds, protected: []) == [3, 4])
        #expect(SnapshotThinning.removable(odd, keepRecent: 0, bounds: bounds, protected: []).isEmpty)
    }

    @Test("each event weighs its share against the byte bound: many small events keep a snapshot that their bytes alone would not; a weight that overflows keeps it too")
    func eventWeight() {
        // 1,000 events and 1 MiB of log between snapshots, a 16 MiB bound.
        let entries = (0..<6).map { Entry(sequence: UInt64($0) * 1000 + 1, logOffset: UInt64($0) << 20, bytes: 1 << 10) }
        func removable(_ weight: UInt64) -> [UInt64] {
            SnapshotThinning.removable(entries, keepRecent: 1, bounds: .init(gapBytes: 16 << 20, gapEvents: .max, eventWeight: weight),
                                       protected: [])
        }
        #expect(removable(0) == [1001, 2001, 3001, 4001])
        // 1,000 × 4 KiB + 1 MiB per gap: three gaps (15 MiB) fit, four (20 MiB) do not.
        #expect(removable(4 << 10) == [1001, 2001, 4001])
        #expect(removable(16 << 10).isEmpty) // 17 MiB per gap
        #expect(removable(.max).isEmpty)
    }

    @Test("with tiny events weighed, snapshots written as a writer writes them still take under four times the log, and those kept under the log")
    func weighedTinyEvents() {
        let weight: UInt64 = 512, event: UInt64 = 50
        let bounds = SnapshotThinning.Bounds(gapBytes: 16 << 20, gapEvents: .max, eventWeight: weight)
        var offset: UInt64 = 0, sequence: UInt64 = 0, written: UInt64 = 0, last: UInt64 = 0
        var kept: [Entry] = []
        for n in 1...300 {
            // The writer's rule: 4 MiB of weighed cost, and a quarter of the last snapshot's size in bytes of log.
            let events = max(((4 << 20) + event + weight - 1) / (event + weight), (last / 4 + event - 1) / event)
            offset += events * event
            sequence += events
            let size = UInt64(n) * (100 << 10)
            written += size
            last = size
            kept.append(Entry(sequence: sequence, logOffset: offset, bytes: size))
            let remove = Set(SnapshotThinning.removable(kept, keepRecent: 2, bounds: bounds, protected: []))
            kept.removeAll { remove.contains($0.sequence) }
        }
        #expect(written <= 4 * offset + last, "\(written) bytes of snapshots written for \(offset) of log")
        let keptBytes = kept.dropLast(2).reduce(0) { $0 + $1.bytes }
        #expect(keptBytes <= offset, "\(keptBytes) bytes of snapshots kept for \(offset) of log")
        for (a, b) in zip(kept, kept.dropFirst()) {
            let cost = b.logOffset! - a.logOffset! + weight * (b.sequence - a.sequence)
            #expect(cost <= 16 << 20 || b.logOffset! - a.logOffset! <= 2 * a.bytes || b.sequence == kept.last!.sequence
                        || kept.firstIndex(of: b)! >= kept.count - 2, "\(a.sequence) -> \(b.sequence)")
        }
    }

    @Test("a writer writes a snapshot after a stretch of small events whose weight reaches the byte interval, which their bytes alone do not")
    func writerWeighsEvents() throws {
        for weight in [0, 1024] {
            var options = StoreOptions()
            options.snapshotInterval = .max
            options.snapshotIntervalBytes = 64 << 10
            options.snapshotEventWeight = weight
            let t = try TestStore(options: options)
            let before = try t.store.snapshots.sequences().count
            for i in 0..<100 { try t.store.createExperiment(name: "e\(i)", t.ctx()) } // about 40 bytes each
            let written = try t.store.snapshots.sequences().count - before
            #expect(weight == 0 ? written == 0 : written == 1, "weight \(weight): \(written) written")
        }
    }

    @Test("a writer thins its snapshots to the bound; reads as of any moment still equal the replay")
    func storeThins() throws {
        var options = StoreOptions()
        options.snapshotInterval = 5
        options.snapshotMaxGapBytes = 4 << 10
        options.snapshotMaxGapEvents = 40
        options.snapshotEventWeight = 0 // bytes and events here; the weight is tested apart
        let t = try TestStore(options: options)
        randomHistory(t, seed: 21, steps: 300)
        let entries = try t.store.thinningEntries()
        let last = t.store.state.lastSequence
        #expect(entries.count >= 4 && entries.count <= Int(last / 10), "\(entries.count) snapshots for \(last) events every 5")
        #expect(entries.allSatisfy { $0.logOffset != nil && $0.bytes > 0 })
        for (a, b) in zip(entries, entries.dropFirst()) {
            #expect(b.sequence - a.sequence <= 40 && b.logOffset! - a.logOffset! <= max(4 << 10, 2 * a.bytes),
                    "\(a) -> \(b)")
        }
        for n in stride(from: UInt64(1), through: last, by: 13) {
            #expect(StateCodec.encode(try t.store.state(at: .sequence(n))) == StateCodec.encode(try fullReplay(t, through: n)), "at #\(n)")
        }
        options.snapshotsKeptRecent = 0
        try t.reopen(options: options)
        let before = try t.store.snapshots.sequences().count
        randomHistory(t, seed: 22, steps: 100)
        #expect(try t.store.snapshots.sequences().count > before + 5)
    }

    @Test("a snapshot whose header does not check out has no known place in the log: it is bounded by events only, and thinning goes on")
    func damagedHeader() throws {
        var options = StoreOptions()
        options.snapshotsKeptRecent = 0
        let t = try TestStore(options: options)
        for i in 0..<6 {
            try t.store.createExperiment(name: "e\(i)", t.ctx())
            try t.store.writeSnapshot()
        }
        let sequences = try t.store.snapshots.sequences()
        let path = t.store.snapshots.path(for: sequences[2])
        var bytes = readFile(path)
        bytes[80] ^= 0x5A // the batch end's segment, under the header's CRC
        writeFile(path, bytes)
        let entries = try t.store.thinningEntries()
        #expect(entries.map(\.sequence) == sequences)
        #expect(entries[2].logOffset == nil && entries[2].bytes == 0)
        #expect(entries.enumerated().allSatisfy { $0.offset == 2 || ($0.element.logOffset != nil && $0.element.bytes > 0) })
        // A writer thinning with the defaults removes it like the others it does not need, without a warning.
        try t.reopen()
        try t.store.createExperiment(name: "later", t.ctx())
        try t.store.writeSnapshot()
        #expect(try t.store.snapshots.sequences() == [sequences[0], sequences[5], t.store.state.lastSequence])
        #expect(!t.store.warnings.contains { $0.contains("snapshot") }, "\(t.store.warnings)")
    }

    @Test("a snapshot written but not thinned (an unlink fails) is a warning: the command succeeds, the files stay, the next snapshot thins them")
    func thinningFailureWarns() throws {
        let faults = FaultInjector()
        var options = StoreOptions()
        options.snapshotsKeptRecent = 1
        options.snapshotMaxGapBytes = 1 << 20
        options.io = FileIO(faults: faults)
        let bounds = SnapshotThinning.Bounds(gapBytes: 1 << 20, gapEvents: options.snapshotMaxGapEvents,
                                             eventWeight: UInt64(options.snapshotEventWeight))
        let t = try TestStore(options: options)
        // A snapshot after each of 12 events, with thinning failing throughout the last one.
        for i in 0..<12 {
            try t.store.createExperiment(name: "e\(i)", t.ctx())
            if i == 11 { faults.inject(.fail(.ioError), everyCallOf: .unlink) }
            try t.store.writeSnapshot()
        }
        faults.clear()
        #expect(t.store.warnings.contains { $0.contains("Removing old snapshots failed") }, "\(t.store.warnings)")
        let left = try t.store.thinningEntries()
        let removable = SnapshotThinning.removable(left, keepRecent: 1, bounds: bounds, protected: [])
        #expect(left.last?.sequence == t.store.state.lastSequence && !removable.isEmpty)
        // The next snapshot thins what the failed one left.
        try t.store.createExperiment(name: "later", t.ctx())
        try t.store.writeSnapshot()
        let after = try t.store.snapshots.sequences()
        let all = try t.store.thinningEntries().filter { $0.sequence == t.store.state.lastSequence } + left
        let dropped = Set(SnapshotThinning.removable(all, keepRecent: 1, bounds: bounds, protected: []))
        #expect(after == all.map(\.sequence).sorted().filter { !dropped.contains($0) } && after.count < all.count)
        #expect(t.store.state == (try fullReplay(t)))
    }
}
