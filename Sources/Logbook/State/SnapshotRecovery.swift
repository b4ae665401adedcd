import Synchronization

/// What a snapshot should have held, for a part of it that fails its checksum or does not decode when first read
/// (opening checks only the snapshot's head): the state at the snapshot's sequence number loaded without that
/// snapshot, from an older one and the log or from the log alone. Loaded once, when first needed.
final class SnapshotRecovery: Sendable {
    /// The snapshot's sequence number, and the store's directory.
    let sequence: UInt64
    let store: String
    private let load: @Sendable () throws -> LogbookState
    private let outcome = Mutex<(tried: Bool, state: LogbookState?)>((false, nil))

    /// What was rebuilt on read in this process, by store directory (printed by the command line after a command).
    private static let notes = Mutex<[(store: String, text: String)]>([])

    init(sequence: UInt64, store: String, load: @escaping @Sendable () throws -> LogbookState) {
        self.sequence = sequence
        self.store = store
        self.load = load
    }

    /// The state at the snapshot's sequence number without the snapshot (nil when that cannot be loaded);
    /// `part` names what failed, for the note.
    func state(for part: String) -> LogbookState? {
        outcome.withLock { o in
            if o.tried { return o.state }
            o.tried = true
            do {
                o.state = try load()
                note("Snapshot \(sequence): its \(part) failed its checksum or did not decode when read; rebuilt "
                          + "from the log (run 'logbook check')")
            } catch {
                note("Snapshot \(sequence): its \(part) failed its checksum or did not decode when read, and "
                          + "rebuilding it from the log failed (\(error)): what it holds reads as empty; run 'logbook check'")
            }
            return o.state
        }
    }

    private func note(_ text: String) { Self.notes.withLock { $0.append((store, text)) } }

    /// The notes so far about the store in directory `store` (as ``StorePaths`` spells it), removed.
    static func takeNotes(store: String) -> [String] {
        notes.withLock { n in
            defer { n.removeAll { $0.store == store } }
            return n.filter { $0.store == store }.map(\.text)
        }
    }
}
