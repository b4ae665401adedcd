import Synchronization

/// A part of the state that opening leaves in the snapshot's bytes: decoded on first read (once, then shared by
/// the state's copies), and held as its own value from the first change.
struct LazyPart<Value: Sendable>: Sendable {
    private var owned: Value?
    private let source: Source?

    /// The snapshot's bytes of the part, and how to decode them.
    final class Source: Sendable {
        private let decode: @Sendable () -> Value
        /// The encoded bytes, copied as they are into the next snapshot while the part is unchanged.
        let bytes: @Sendable () -> UnsafeRawBufferPointer
        private let cache = Mutex<Value?>(nil)

        init(bytes: @escaping @Sendable () -> UnsafeRawBufferPointer, decode: @escaping @Sendable () -> Value) {
            self.bytes = bytes
            self.decode = decode
        }

        func value() -> Value {
            if let v = cache.withLock({ $0 }) { return v }
            let v = decode()
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
    var unchangedBytes: UnsafeRawBufferPointer? { owned == nil ? source?.bytes() : nil }

    /// Whether the part was read (for tests of what a command decodes).
    var isDecoded: Bool { owned != nil || source?.isDecoded == true }
}
