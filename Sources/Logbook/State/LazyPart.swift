internal import LogbookStorage
import Synchronization

/// A part of the state that opening leaves in the snapshot's bytes: decoded on first read (once, then shared by
/// the state's copies), and held as its own value from the first change.
struct LazyPart<Value: Sendable>: Sendable {
    private var owned: Value?
    private let source: Source?

    /// The snapshot's bytes of the part, and how to decode them.
    final class Source: Sendable {
        private let region: ByteRegion
        private let range: Range<Int>
        private let decode: @Sendable (UnsafeRawBufferPointer) -> Value
        private let cache = Mutex<Value?>(nil)

        /// The part is `region.bytes[range]` (checked by the caller to fit).
        init(region: ByteRegion, range: Range<Int>, decode: @escaping @Sendable (UnsafeRawBufferPointer) -> Value) {
            self.region = region
            self.range = range
            self.decode = decode
        }

        /// The encoded bytes, copied as they are into the next snapshot while the part is unchanged.
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: region.bytes[range]) }

        func value() -> Value {
            if let v = cache.withLock({ $0 }) { return v }
            let v = decode(bytes)
            cache.withLock { $0 = v }
            return v
        }

        var isDecoded: Bool { cache.withLock { $0 != nil } }
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

    /// The snapshot bytes of the part while it is unchanged (nil once it is held as a value).
    var unchangedBytes: UnsafeRawBufferPointer? { owned == nil ? source?.bytes : nil }

    /// Whether the part was read (for tests of what a command decodes).
    var isDecoded: Bool { owned != nil || source?.isDecoded == true }
}
