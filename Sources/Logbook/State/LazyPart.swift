internal import LogbookStorage
import Synchronization

/// A part of the state that opening leaves in the snapshot's bytes: checked against its checksum and decoded on
/// first read (once, then shared by the state's copies), and held as its own value from the first change.
struct LazyPart<Value: Sendable>: Sendable {
    private var owned: Value?
    private let source: Source?

    /// The snapshot's bytes of the part, how to check and decode them, and what to read when they fail.
    final class Source: Sendable {
        private let region: ByteRegion
        private let range: Range<Int>
        private let checksum: UInt32?
        private let decode: @Sendable (UnsafeRawBufferPointer) -> Value?
        private let rebuild: @Sendable () -> Value
        private let cache = Mutex<(value: Value?, sound: Bool?)>((nil, nil))

        /// The part is `region.bytes[range]` (checked by the caller to fit). `checksum` is its CRC32C (nil: the bytes
        /// were checked with the whole payload). `decode` returns nil for bytes that do not decode; `rebuild` gives
        /// the part when they fail.
        init(region: ByteRegion, range: Range<Int>, checksum: UInt32?,
             decode: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?, rebuild: @escaping @Sendable () -> Value) {
            self.region = region
            self.range = range
            self.checksum = checksum
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

        /// The bytes to copy into the next snapshot while the part is unchanged: nil when they fail their checksum
        /// or did not decode (the part is then encoded from what was rebuilt).
        var copyableBytes: UnsafeRawBufferPointer? {
            isSound ? bytes : nil
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
        get { owned ?? source!.value() }
        _modify {
            if owned == nil { owned = source!.value() }
            yield &owned!
        }
    }

    /// The snapshot bytes of the part while it is unchanged and sound (nil once it is held as a value).
    var unchangedBytes: UnsafeRawBufferPointer? { owned == nil ? source?.copyableBytes : nil }

    /// Whether the part was read (for tests of what a command decodes).
    var isDecoded: Bool { owned != nil || source?.isDecoded == true }
}
