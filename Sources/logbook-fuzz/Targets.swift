import Logbook
import LogbookCLI
import LogbookEvents
import LogbookStorage

/// The fuzz targets: each takes arbitrary bytes and must return normally (an error thrown and caught is fine);
/// a trap, a sanitizer report or a hang is a bug. Each also checks a property where one exists (a payload that
/// decodes re-encodes to the same bytes), trapping when it fails so the fuzzer saves the input.
enum FuzzTarget: String, CaseIterable {
    /// A segment file as it may lie on disk after damage: the reader opens it, walks every record, and verifies.
    case record
    /// An event payload: 2 bytes of record type (little-endian), then the payload.
    case event
    /// A snapshot's state payload (the state codec).
    case snapshot
    /// A JSON Lines file given to `logbook ingest`, applied to a scratch store.
    case ingest
    /// A `--filter` expression (first line) and an `--order-by` clause (second line), run over a few runs.
    case filter

    /// Runs one input; returns whether it was accepted (decoded, applied, parsed), so a corpus can be checked
    /// for seeds that reach past the first validation.
    @discardableResult
    func run(_ data: UnsafeRawBufferPointer, in workspace: Workspace) -> Bool {
        switch self {
        case .record: Self.record(data, workspace)
        case .event: Self.event(data)
        case .snapshot: Self.snapshot(data)
        case .ingest: workspace.ingest(data)
        case .filter: workspace.filter(data)
        }
    }

    static func record(_ data: UnsafeRawBufferPointer, _ workspace: Workspace) -> Bool {
        let root = workspace.segmentStore(with: data)
        guard let reader = try? LogReader(at: root) else { return false }
        var count = 0
        try? reader.forEachRecord { _ in count += 1; return true }
        return (try? reader.verify()) != nil && count > 0
    }

    static func event(_ data: UnsafeRawBufferPointer) -> Bool {
        guard data.count >= 2 else { return false }
        let tag = UInt16(data[0]) | UInt16(data[1]) << 8
        let payload = UnsafeRawBufferPointer(rebasing: data[2...])
        guard let decoded = try? EventCodec.decode(tag: tag, payload: payload) else { return false }
        let again = EventCodec.encode(decoded.event, actor: decoded.actor, reason: decoded.reason)
        // Canonical: a payload of the current version re-encodes to itself (floats compared by bits, NaN included);
        // an older one re-encodes to a current payload that is then stable.
        if payload.first == EventCodec.currentVersion(ofTag: tag) {
            precondition(again.elementsEqual(payload), "re-encoding changed a \(decoded.event)")
        } else {
            guard let second = try? EventCodec.decode(tag: tag, payload: again) else {
                fatalError("an upcast \(decoded.event) does not decode after re-encoding")
            }
            let third = EventCodec.encode(second.event, actor: second.actor, reason: second.reason)
            precondition(third == again, "the upcast of a \(decoded.event) is not stable")
        }
        return true
    }

    static func snapshot(_ data: UnsafeRawBufferPointer) -> Bool {
        // Every checksum is made to match first, so that mutations reach the decoders behind them (the checks
        // themselves are tested by LazyStateTests and SnapshotStoreTests).
        var payload = [UInt8](data)
        StateCodec.fixChecksums(&payload)
        guard let state = try? StateCodec.decode(payload) else { return false }
        // Runs decode when read: read each (a run that does not decode reads as a placeholder) and find it by id.
        let strict = (try? state.runs.validate()) != nil
        // A run read in place (what a search reads) reads as the run decoded.
        if let mismatch = state.runs.skimMismatch(in: state) { fatalError(mismatch) }
        for run in state.runs where strict && state.run(id: run.id) == nil { fatalError("run \(run.ordinal) is not found by its id") }
        let bytes = StateCodec.encode(state)
        // Compared as bytes: a state may hold NaN (a metric value), which == never matches.
        guard let again = try? StateCodec.decode(bytes) else { fatalError("a decoded state does not decode after re-encoding") }
        precondition(StateCodec.encode(again) == bytes, "the state's encoding is not stable")
        return true
    }
}
