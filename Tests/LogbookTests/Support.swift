import Foundation
@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

/// A store in a fresh directory, with a clock that advances one second per write.
final class TestStore {
    let dir = TemporaryDirectory("domain")
    var store: LogbookStore
    var now: Int64 = 1_772_373_600_000 // 2026-03-01T14:00:00Z
    var actor = "alice"

    init(options: StoreOptions = StoreOptions()) throws {
        store = try LogbookStore(at: dir.path + "/store", writable: true, options: options)
    }

    /// The next write's context (time advances by a second).
    func ctx(_ reason: String? = nil, actor: String? = nil) -> WriteContext {
        now += 1000
        return WriteContext(actor: actor ?? self.actor, reason: reason, time: now)
    }

    /// Reopens the store (closing it first).
    func reopen(options: StoreOptions = StoreOptions(), writable: Bool = true) throws {
        try store.close()
        store = try LogbookStore(at: dir.path + "/store", writable: writable, options: options)
    }
}

extension TestStore {
    /// A fresh store holding experiment "e" with its run "r", and `versions` versions of model "m" registered from "r".
    static func withRun(modelVersions versions: Int = 0) throws -> TestStore {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.startRun(experiment: "e", id: "r", t.ctx())
        for _ in 0..<versions { try t.store.registerVersion(model: "m", run: "r", t.ctx()) }
        return t
    }
}

/// Expects `body` to fail with `code` and to append nothing.
func expectRefusal(_ t: TestStore, _ code: LogbookError.Code, _ contains: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () throws -> Void) {
    let before = t.store.state.lastSequence
    let encoded = StateCodec.encode(t.store.state)
    do {
        try body()
        Issue.record("expected an error \(code)", sourceLocation: sourceLocation)
    } catch let e as LogbookError {
        #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
        if let contains { #expect(e.message.contains(contains), "\(e.message)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    #expect(t.store.state.lastSequence == before, "a refused command appended", sourceLocation: sourceLocation)
    #expect(StateCodec.encode(t.store.state) == encoded, "a refused command changed the state", sourceLocation: sourceLocation)
}

/// A full replay of the store's log from the first event, ignoring snapshots.
func fullReplay(_ t: TestStore, through: UInt64 = .max) throws -> LogbookState {
    try LogbookStore.loadStateIgnoringSnapshots(at: t.dir.path + "/store", through: through)
}

/// One metric series with points at steps 0..<n.
func series(_ key: String, _ values: [Double], time: Int64 = 1_772_373_600_000) -> MetricSeries {
    MetricSeries(key: key, points: values.enumerated().map { MetricPoint(step: Int64($0.offset), value: $0.element, time: time + Int64($0.offset)) })
}

import LogbookStorage

enum LogbookStorageSHA {
    static func hex(_ bytes: [UInt8]) -> String { SHA256.hash(bytes).hex }
}
