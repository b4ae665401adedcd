import CLogbookHash

extension SHA256 {
    /// Hashes many short messages that share a prefix, `prefix || suffix`, keeping the first 8 bytes of each
    /// digest, big-endian (``SHA256Digest/prefix64``): the hash of an A/B test's `SALT.UNIT` for every unit of an
    /// event. Made by ``withPrefixHasher(prefix:into:forcingSoftware:_:)``.
    ///
    /// Messages of one block (at most 55 bytes) are padded two at a time and, with the SHA extensions, compressed
    /// together (`logbook_sha256_hw_blocks_x2`: the rounds of one fill the other's latency, about twice the
    /// throughput); longer ones are hashed one by one. Every result equals
    /// `SHA256.hash(prefix || suffix).prefix64`. Allocates nothing.
    package struct PrefixHasher {
        private let prefix: UnsafeRawBufferPointer
        private let out: UnsafeMutableBufferPointer<UInt64>
        private let hardware: Bool
        /// Two padded blocks: the first waits for a partner while `pending` is not negative.
        private var blocks: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                             UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        private var pending = -1

        fileprivate init(prefix: UnsafeRawBufferPointer, out: UnsafeMutableBufferPointer<UInt64>, hardware: Bool) {
            self.prefix = prefix
            self.out = out
            self.hardware = hardware
        }

        /// Hashes `prefix || suffix` into `out[index]` (now, or with the next message, or at the end).
        package mutating func add(_ suffix: UnsafeRawBufferPointer, at index: Int) {
            let total = prefix.count + suffix.count
            guard total <= 55 else {
                out[index] = SHA256.hash(prefix, suffix, UnsafeRawBufferPointer(start: nil, count: 0)).prefix64
                return
            }
            let first = pending < 0
            let (prefix, hardware) = (self.prefix, self.hardware)
            let pair: (UInt64, UInt64)? = withUnsafeMutableBytes(of: &blocks) { b in
                let base = b.baseAddress!
                SHA256.pad(base + (first ? 0 : 64), prefix, suffix)
                guard !first else { return nil }
                var s0 = SHA256.initialState, s1 = SHA256.initialState
                if hardware {
                    withUnsafeMutablePointer(to: &s0) { p0 in
                        withUnsafeMutablePointer(to: &s1) { p1 in
                            p0.withMemoryRebound(to: UInt32.self, capacity: 8) { w0 in
                                p1.withMemoryRebound(to: UInt32.self, capacity: 8) { w1 in
                                    logbook_sha256_hw_blocks_x2(w0, base.assumingMemoryBound(to: UInt8.self),
                                                                w1, (base + 64).assumingMemoryBound(to: UInt8.self), 1)
                                }
                            }
                        }
                    }
                } else {
                    SHA256.compress(&s0, UnsafeRawPointer(base), blocks: 1, hardware: false)
                    SHA256.compress(&s1, UnsafeRawPointer(base + 64), blocks: 1, hardware: false)
                }
                return (UInt64(s0.0) << 32 | UInt64(s0.1), UInt64(s1.0) << 32 | UInt64(s1.1))
            }
            if let (a, b) = pair {
                out[pending] = a
                out[index] = b
                pending = -1
            } else {
                pending = index
            }
        }

        /// Hashes the message still waiting for a partner, if any.
        fileprivate mutating func finish() {
            guard pending >= 0 else { return }
            let hardware = self.hardware
            var s = SHA256.initialState
            withUnsafeBytes(of: &blocks) { b in SHA256.compress(&s, b.baseAddress!, blocks: 1, hardware: hardware) }
            out[pending] = UInt64(s.0) << 32 | UInt64(s.1)
            pending = -1
        }
    }

    /// Calls `body` with a ``PrefixHasher`` that writes into `out` (every index it is given must be in range), then
    /// finishes the last message. `prefix` must stay valid throughout.
    /// - Parameter forcingSoftware: the pure-Swift compression function throughout (tests prove the paths equal).
    package static func withPrefixHasher<R>(prefix: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt64>,
                                            forcingSoftware: Bool = false,
                                            _ body: (inout PrefixHasher) throws -> R) rethrows -> R {
        var hasher = PrefixHasher(prefix: prefix, out: out, hardware: !forcingSoftware && isHardwareAccelerated)
        let result = try body(&hasher)
        hasher.finish()
        return result
    }

    /// Writes `a || b`, padded, as one 64-byte block at `block` (`a.count + b.count` at most 55).
    @inline(__always)
    fileprivate static func pad(_ block: UnsafeMutableRawPointer, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) {
        let n = a.count + b.count
        if a.count > 0 { block.copyMemory(from: a.baseAddress!, byteCount: a.count) }
        if b.count > 0 { (block + a.count).copyMemory(from: b.baseAddress!, byteCount: b.count) }
        block.storeBytes(of: 0x80, toByteOffset: n, as: UInt8.self)
        (block + n + 1).initializeMemory(as: UInt8.self, repeating: 0, count: 56 - n - 1)
        block.storeBytes(of: (UInt64(n) &* 8).bigEndian, toByteOffset: 56, as: UInt64.self)
    }
}
