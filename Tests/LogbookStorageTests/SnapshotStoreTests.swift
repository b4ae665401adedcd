import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Snapshot files")
struct SnapshotStoreTests {
    private func snapshot(_ sequence: UInt64, _ text: String) -> Snapshot {
        Snapshot(sequence: sequence, timestamp: Int64(sequence) * 10, chain: SHA256.hash(Array(text.utf8)),
                 payload: Array(text.utf8))
    }

    @Test("a written snapshot reads back exactly, and the newest at or before a sequence is found")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        _ = try SegmentedLog.open(at: dir.path)
        let store = SnapshotStore(at: dir.path)
        for s in [10, 20, 30] as [UInt64] { try store.write(snapshot(s, "state at \(s)")) }
        #expect(try store.sequences() == [10, 20, 30])
        #expect(try store.read(sequence: 20) == snapshot(20, "state at 20"))
        #expect(try store.newestValid().snapshot?.sequence == 30)
        #expect(try store.newestValid(atOrBefore: 29).snapshot?.sequence == 20)
        #expect(try store.newestValid(atOrBefore: 9).snapshot == nil)
        #expect(!listFiles(dir.path + "/snapshots").contains { $0.hasSuffix(".tmp") })
    }

    @Test("a damaged newest snapshot is skipped with a warning; every damaged byte is caught")
    func damagedSkipped() throws {
        let dir = TemporaryDirectory()
        _ = try SegmentedLog.open(at: dir.path)
        let store = SnapshotStore(at: dir.path)
        try store.write(snapshot(10, "older"))
        try store.write(snapshot(20, "newer state"))
        let path = store.path(for: 20)
        let bytes = readFile(path)
        for offset in 0..<bytes.count {
            var damaged = bytes
            damaged[offset] ^= 0x04
            writeFile(path, damaged)
            let (found, warnings) = try store.newestValid()
            #expect(found?.sequence == 10, "flip at \(offset)")
            #expect(warnings.count == 1 && warnings[0].contains(path), "flip at \(offset)")
            let error = #expect(throws: StorageError.self) { _ = try store.read(sequence: 20) }
            #expect(error?.code == .corrupted || error?.code == .unsupportedVersion)
        }
        writeFile(path, Array(bytes.prefix(50)))
        #expect(try store.newestValid().snapshot?.sequence == 10)
    }

    @Test("with every snapshot damaged there is none: the caller replays the whole log")
    func allDamaged() throws {
        let dir = TemporaryDirectory()
        _ = try SegmentedLog.open(at: dir.path)
        let store = SnapshotStore(at: dir.path)
        try store.write(snapshot(5, "x"))
        writeFile(store.path(for: 5), [1, 2, 3])
        let (found, warnings) = try store.newestValid()
        #expect(found == nil && warnings.count == 1)
        try store.remove(sequence: 5)
        #expect(try store.sequences().isEmpty)
    }
}
