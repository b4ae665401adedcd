import Foundation
import LogbookStorage
import LogbookTestSupport
import Testing

/// A small scenario that touches every kind of I/O: create the store, append batches across segment rolls,
/// write a snapshot, close. Returns what was acknowledged and the error that stopped it, if any.
private func scenario(_ root: String, io: FileIO, policy: SyncPolicy) -> (acknowledged: [AppendResult], error: StorageError?) {
    var acknowledged: [AppendResult] = []
    do {
        var configuration = LogConfiguration()
        configuration.segmentSize = 400
        configuration.syncPolicy = policy
        configuration.io = io
        let log = try SegmentedLog.open(at: root, configuration: configuration)
        for b in 0..<8 {
            acknowledged += try LogFixtures.appendBatches(log, sizes: [1 + b % 3], firstBatch: b)
        }
        try SnapshotStore(at: root, io: io).write(Snapshot(sequence: log.lastSequence, timestamp: log.lastTimestamp,
                                                           chain: log.digest.chain, payload: [1, 2, 3]))
        try log.close()
        return (acknowledged, nil)
    } catch let error as StorageError {
        return (acknowledged, error)
    } catch {
        Issue.record("an error of another type escaped: \(error)")
        return (acknowledged, nil)
    }
}

@Suite("Fault injection at every I/O call")
struct FaultInjectionTests {
    static let faults: [InjectedFault] = [.fail(.ioError), .fail(.noSpace), .shortWriteThenNoSpace]

    @Test("a fault at any call gives a clear error, no corruption, and a store that opens with every acknowledged batch",
          arguments: [SyncPolicy.everyBatch, .never])
    func everyCallIndex(policy: SyncPolicy) throws {
        let counter = FaultInjector()
        let clean = TemporaryDirectory()
        #expect(scenario(clean.path + "/s", io: FileIO(faults: counter), policy: policy).error == nil)
        let calls = counter.callCount
        #expect(calls > 30)
        var failures = 0
        for k in 1...calls {
            for fault in Self.faults {
                let dir = TemporaryDirectory()
                let root = dir.path + "/s"
                let injector = FaultInjector()
                injector.inject(fault, atCall: k)
                let (acknowledged, error) = scenario(root, io: FileIO(faults: injector), policy: policy)
                if let error {
                    failures += 1
                    #expect(!error.message.isEmpty && error.path != nil, "call \(k) \(fault): \(error)")
                }
                guard FileManager.default.fileExists(atPath: root + "/log") else { continue }
                // The store opens, and holds whole batches only: all acknowledged ones when acknowledgement means
                // durable, a batch-aligned prefix of them otherwise.
                let log = try SegmentedLog.open(at: root)
                try log.close()
                let records = try LogFixtures.readAll(root)
                let ackedRecords = Int(acknowledged.last?.lastSequence ?? 0)
                if policy == .everyBatch {
                    #expect(records.count == ackedRecords, "call \(k) \(fault)")
                } else {
                    #expect(records.count <= ackedRecords, "call \(k) \(fault)")
                    #expect(records.isEmpty || records.last!.endsBatch, "call \(k) \(fault)")
                }
                for (i, r) in records.enumerated() {
                    #expect(r.sequence == UInt64(i + 1) && LogFixtures.decode(r.payload) != nil, "call \(k) \(fault)")
                }
                #expect(try LogReader(at: root).verify().records == UInt64(records.count), "call \(k) \(fault)")
            }
        }
        #expect(failures > calls) // most injected faults surface as errors
    }

    @Test("a failed fsync is never retried: the writer refuses appends until the store is reopened")
    func failedSyncPoisons() throws {
        let dir = TemporaryDirectory()
        let injector = FaultInjector()
        var configuration = LogConfiguration()
        configuration.io = FileIO(faults: injector)
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: [2])
        let syncsBefore = injector.trace.filter { $0 == .sync }.count
        injector.inject(.fail(.ioError), everyCallOf: .sync)
        let first = #expect(throws: StorageError.self) { try LogFixtures.appendBatches(log, sizes: [1], firstBatch: 1) }
        #expect(first?.code == .io)
        #expect(first?.message.contains("Syncing the batch failed") == true)
        injector.clear()
        let second = #expect(throws: StorageError.self) { try LogFixtures.appendBatches(log, sizes: [1], firstBatch: 2) }
        #expect(second?.code == .poisoned)
        #expect(log.isPoisoned)
        #expect(injector.trace.filter { $0 == .sync }.count == syncsBefore + 1) // the failed sync was not tried again
        try log.close()
        let reopened = try SegmentedLog.open(at: dir.path)
        #expect(reopened.lastSequence == 2) // the unacknowledged batch was cut
        try LogFixtures.appendBatches(reopened, sizes: [1], firstBatch: 3)
        #expect(reopened.lastSequence == 3)
    }

    @Test("a full disk mid-batch keeps nothing of the batch, and the writer goes on once space returns")
    func diskFullMidBatch() throws {
        let dir = TemporaryDirectory()
        let injector = FaultInjector()
        var configuration = LogConfiguration()
        configuration.io = FileIO(faults: injector)
        let log = try SegmentedLog.open(at: dir.path, configuration: configuration)
        try LogFixtures.appendBatches(log, sizes: [1, 2])
        let sizeBefore = readFile(LogFixtures.segmentPaths(dir.path)[0]).count
        injector.inject(.shortWriteThenNoSpace, everyCallOf: .write)
        let error = #expect(throws: StorageError.self) { try LogFixtures.appendBatches(log, sizes: [3], firstBatch: 2) }
        #expect(error?.isNoSpace == true)
        #expect(error?.description.contains("disk is full") == true)
        #expect(error?.description.contains("No space left on device") == true)
        #expect(readFile(LogFixtures.segmentPaths(dir.path)[0]).count == sizeBefore)
        #expect(try LogFixtures.readAll(dir.path).count == 3)
        injector.clear()
        try LogFixtures.appendBatches(log, sizes: [3], firstBatch: 2)
        try log.close()
        #expect(try LogFixtures.readAll(dir.path).count == 6)
        #expect(try LogReader(at: dir.path).verify().records == 6)
    }

    @Test("an I/O error while reading is reported with the file, not as damage")
    func readError() throws {
        let dir = TemporaryDirectory()
        let log = try SegmentedLog.open(at: dir.path)
        try LogFixtures.appendBatches(log, sizes: [1, 1])
        try log.close()
        let injector = FaultInjector()
        injector.inject(.fail(.ioError), everyCallOf: .read)
        let error = #expect(throws: StorageError.self) { _ = try LogReader(at: dir.path, io: FileIO(faults: injector)) }
        #expect(error?.code == .io)
        #expect(error?.errno == .ioError)
    }
}
