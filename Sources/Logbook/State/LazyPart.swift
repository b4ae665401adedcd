internal import LogbookEvents
internal import LogbookStorage
import Synchronization

/// A part of the state that opening leaves in the snapshot's bytes: checked against its checksum and decoded on
/// first read (once, then shared by the state's copies), and held as its own value from the first change.
struct LazyPart<Value: Sendable>: Sendable {
    private var owned: Value?
    private let source: Source?
    /// Changes made before the part was first read, applied when it is.
    private var deferred: Deferred?

    /// A change to the part (an event of the tail after a snapshot that touches this part only).
    typealias Change = @Sendable (inout Value) -> Void

    /// Changes waiting for the first read of the snapshot's part, applied then, in order, once (shared by the
    /// state's copies: a copy that adds a change first takes its own list).
    final class Deferred: @unchecked Sendable {
        // @unchecked: `changes` is only appended to while the object is uniquely referenced and not yet applied.
        fileprivate var changes: [Change]
        /// The bytes the changes hold (event payloads kept undecoded), as their makers declared them.
        fileprivate var heldBytes: Int
        private let cache = Mutex<Value?>(nil)

        fileprivate init(_ changes: [Change], heldBytes: Int) {
            self.changes = changes
            self.heldBytes = heldBytes
        }

        fileprivate func value(from source: Source) -> Value {
            if let v = cache.withLock({ $0 }) { return v }
            var v = source.value()
            for change in changes { change(&v) }
            cache.withLock { $0 = v }
            return v
        }

        fileprivate var isApplied: Bool { cache.withLock { $0 != nil } }
    }

    /// The snapshot's bytes of the part, how to check and decode them, and what to read when they fail.
    final class Source: Sendable {
        private let region: ByteRegion
        private let range: Range<Int>
        private let checksum: UInt32?
        /// Whether the bytes are in the current state version (only then are they copied into a new snapshot).
        private let copyable: Bool
        private let decode: @Sendable (UnsafeRawBufferPointer) -> Value?
        private let rebuild: @Sendable () -> Value
        private let cache = Mutex<(value: Value?, sound: Bool?)>((nil, nil))

        /// The part is `region.bytes[range]` (checked by the caller to fit). `checksum` is its CRC32C (nil: the bytes
        /// were checked with the whole payload). `copyable`: the bytes are in the current state version. `decode`
        /// returns nil for bytes that do not decode; `rebuild` gives the part when they fail.
        init(region: ByteRegion, range: Range<Int>, checksum: UInt32?, copyable: Bool,
             decode: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?, rebuild: @escaping @Sendable () -> Value) {
            self.region = region
            self.range = range
            self.checksum = checksum
            self.copyable = copyable
            self.decode = decode
            self.rebuild = rebuild
        }

        /// The encoded bytes.
        private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: region.bytes[range]) }

        /// Whether the bytes match their checksum (computed once) and, once decoded, decoded.
        private var isSound: Bool {
            if let known = cache.withLock({ $0.sound }) { return known }
            let sound = checksum.map { CRC32C.checksum(bytes) == $0 } ?? true
            cache.withLock { $0.sound = sound }
            return sound
        }

        /// The bytes to copy into the next snapshot while the part is unchanged: nil when they are of an older state
        /// version, fail their checksum or did not decode (the part is then encoded from what was read).
        var copyableBytes: UnsafeRawBufferPointer? {
            copyable && isSound ? bytes : nil
        }

        func value() -> Value {
            if let v = cache.withLock({ $0.value }) { return v }
            let decoded = isSound ? decode(bytes) : nil
            if decoded == nil { cache.withLock { $0.sound = false } }
            let v = decoded ?? rebuild()
            cache.withLock { $0.value = v }
            return v
        }

        var isDecoded: Bool { cache.withLock { $0.value != nil } }
    }

    /// A part held as a value.
    init(_ value: Value) {
        owned = value
        source = nil
    }

    /// A part decoded from `source` when first read.
    init(source: Source) {
        owned = nil
        self.source = source
    }

    var value: Value {
        get { owned ?? deferred?.value(from: source!) ?? source!.value() }
        _modify {
            if owned == nil {
                owned = deferred?.value(from: source!) ?? source!.value()
                deferred = nil
            }
            yield &owned!
        }
    }

    /// Makes `change` now when the part is held as a value or was read; otherwise keeps it for the first read, so
    /// that replaying a tail of events that touch this part does not decode it for a command that never reads it.
    /// `change` must read nothing but the part (and what it captures); `holding` is how many bytes it captures
    /// (an event's payload kept undecoded), counted against ``DeferredChanges/byteLimit``.
    mutating func change(_ change: @escaping Change, holding bytes: Int = 0) {
        guard !isDecoded else {
            change(&value)
            return
        }
        if isKnownUniquelyReferenced(&deferred) {
            deferred!.changes.append(change)
            deferred!.heldBytes += bytes
        } else {
            deferred = Deferred((deferred?.changes ?? []) + [change], heldBytes: (deferred?.heldBytes ?? 0) + bytes)
        }
        // A long tail (replay from an old snapshot when newer ones are gone) would hold all its events: past either
        // limit the part is read and the changes made.
        if deferred!.changes.count >= DeferredChanges.limit || deferred!.heldBytes >= DeferredChanges.byteLimit {
            owned = deferred!.value(from: source!)
            deferred = nil
        }
    }

    /// Whether the part is held as a value or was read: a change is then made at once (tests also ask it of
    /// what a command decodes).
    var isDecoded: Bool {
        guard owned == nil, let source else { return true }
        return deferred.map(\.isApplied) ?? source.isDecoded
    }

    /// The bytes the waiting changes hold (0 once the part is read).
    var heldBytes: Int { isDecoded ? 0 : deferred?.heldBytes ?? 0 }

    /// The snapshot bytes of the part while it is unchanged and sound (nil once it is held as a value or changed).
    var unchangedBytes: UnsafeRawBufferPointer? { owned == nil && deferred == nil ? source?.copyableBytes : nil }
}

/// How many changes a part keeps waiting for its first read, and how many bytes of undecoded payloads they may
/// hold, before it is read anyway.
enum DeferredChanges {
    static let limit = 1_024
    static let byteLimit = 64 << 20
}

/// A part of the state that events change by themselves (reading nothing outside it).
protocol ReplayedPart: Sendable {
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition)
}

extension LazyPart where Value: ReplayedPart {
    /// Applies `event` to the part: at once when it is loaded (no closure made), else when it is first read.
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition) {
        if isDecoded {
            value.apply(event, timestamp: timestamp, actor: actor, position: position)
        } else {
            change { $0.apply(event, timestamp: timestamp, actor: actor, position: position) }
        }
    }
}
