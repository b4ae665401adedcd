import CLogbookHash

/// A 32-byte SHA-256 digest stored inline (no heap allocation).
///
/// `w0...w3` hold the digest bytes as big-endian 64-bit words, so byte `i`
/// is `(word[i / 8] >> (56 - 8 * (i % 8))) & 0xFF`.
package struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    private var w0: UInt64
    private var w1: UInt64
    private var w2: UInt64
    private var w3: UInt64

    package static let zero = SHA256Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    private init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    fileprivate init(state s: SHA256.State) {
        self.init(
            w0: UInt64(s.0) << 32 | UInt64(s.1),
            w1: UInt64(s.2) << 32 | UInt64(s.3),
            w2: UInt64(s.4) << 32 | UInt64(s.5),
            w3: UInt64(s.6) << 32 | UInt64(s.7))
    }

    /// The first 8 bytes of the digest read as a big-endian integer (what A/B assignment buckets).
    package var prefix64: UInt64 { w0 }

    /// Loads a digest from 32 bytes at `offset` of a raw buffer (the caller checked the bounds).
    @inline(__always)
    package init(loading buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(w0: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                  w1: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
    }

    /// Creates a digest from exactly 32 bytes.
    package init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "SHA256Digest requires exactly 32 bytes")
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for byte in bytes {
            let v = UInt64(byte)
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | v
            case 1: words.1 = words.1 << 8 | v
            case 2: words.2 = words.2 << 8 | v
            default: words.3 = words.3 << 8 | v
            }
            i &+= 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Parses exactly 64 hexadecimal characters (either case).
    package init?(hex: String) {
        let utf8 = hex.utf8
        guard utf8.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var i = 0
        for c in utf8 {
            let v: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(c &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(c &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = UInt64(c &- UInt8(ascii: "A") &+ 10)
            default: return nil
            }
            switch i >> 4 {
            case 0: words.0 = words.0 << 4 | v
            case 1: words.1 = words.1 << 4 | v
            case 2: words.2 = words.2 << 4 | v
            default: words.3 = words.3 << 4 | v
            }
            i &+= 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// The 32 digest bytes.
    package var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with the 32 digest bytes (stack memory, valid only inside `body`).
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var raw = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &raw) { try body($0) }
    }

    /// Lowercase hexadecimal of any bytes.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase hexadecimal, 64 characters.
    package var hex: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                digits.withUTF8Buffer { d in
                    for i in 0..<32 {
                        let b = raw[i]
                        out[2 &* i] = d[Int(b >> 4)]
                        out[2 &* i &+ 1] = d[Int(b & 0x0F)]
                    }
                }
                return 64
            }
        }
    }

    package var description: String { hex }
}

/// Streaming SHA-256 (FIPS 180-4). All state, including the partial-block
/// buffer, is stored inline: updating and finalizing never allocate.
package struct SHA256: Sendable {
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// True when the CPU has the SHA extensions (plus SSE4.1/SSSE3).
    package static let isHardwareAccelerated: Bool = logbook_cpu_has_sha_ni() != 0

    static let initialState: State = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
        0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)

    private var state: State = SHA256.initialState
    private var buffer: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var bufferCount: Int = 0
    private var totalLength: UInt64 = 0
    private let useHardware: Bool

    package init() {
        self.useHardware = SHA256.isHardwareAccelerated
    }

    /// `forcingSoftware: true` always uses the pure-Swift compression function.
    package init(forcingSoftware: Bool) {
        self.useHardware = !forcingSoftware && SHA256.isHardwareAccelerated
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        totalLength &+= UInt64(remaining)

        if bufferCount > 0 {
            let take = min(64 &- bufferCount, remaining)
            let offset = bufferCount
            Swift.withUnsafeMutableBytes(of: &buffer) { b in
                (b.baseAddress! + offset).copyMemory(from: p, byteCount: take)
            }
            bufferCount &+= take
            p += take
            remaining &-= take
            if bufferCount < 64 { return }
            var block = buffer
            Swift.withUnsafeBytes(of: &block) { b in
                SHA256.compress(&state, b.baseAddress!, blocks: 1, hardware: useHardware)
            }
            bufferCount = 0
        }

        let blocks = remaining >> 6
        if blocks > 0 {
            SHA256.compress(&state, p, blocks: blocks, hardware: useHardware)
            p += blocks << 6
            remaining &-= blocks << 6
        }

        if remaining > 0 {
            Swift.withUnsafeMutableBytes(of: &buffer) { b in
                b.baseAddress!.copyMemory(from: p, byteCount: remaining)
            }
            bufferCount = remaining
        }
    }

    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    package mutating func update(_ digest: SHA256Digest) {
        digest.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything fed so far. Does not modify the hasher
    /// (more data may be appended afterwards) and does not allocate.
    package func finalize() -> SHA256Digest {
        var st = state
        var block = buffer
        let bitLength = totalLength &* 8
        let hardware = useHardware
        var n = bufferCount
        Swift.withUnsafeMutableBytes(of: &block) { b in
            let base = b.baseAddress!
            b[n] = 0x80
            n &+= 1
            if n > 56 {
                (base + n).initializeMemory(as: UInt8.self, repeating: 0, count: 64 &- n)
                SHA256.compress(&st, base, blocks: 1, hardware: hardware)
                n = 0
            }
            (base + n).initializeMemory(as: UInt8.self, repeating: 0, count: 56 &- n)
            b.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
            SHA256.compress(&st, base, blocks: 1, hardware: hardware)
        }
        return SHA256Digest(state: st)
    }

    package static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    package static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        bytes.withUnsafeBytes { hash($0) }
    }

    // MARK: - Compression

    @inline(__always)
    static func compress(_ state: inout State, _ data: UnsafeRawPointer, blocks: Int, hardware: Bool) {
        if hardware {
            Swift.withUnsafeMutablePointer(to: &state) { sp in
                sp.withMemoryRebound(to: UInt32.self, capacity: 8) { words in
                    logbook_sha256_hw_blocks(words, data.assumingMemoryBound(to: UInt8.self), blocks)
                }
            }
        } else {
            compressSoftware(&state, data, blocks: blocks)
        }
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    private static func compressSoftware(_ state: inout State, _ data: UnsafeRawPointer, blocks: Int) {
        var h0 = state.0, h1 = state.1, h2 = state.2, h3 = state.3
        var h4 = state.4, h5 = state.5, h6 = state.6, h7 = state.7
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                var p = data
                for _ in 0..<blocks {
                    for i in 0..<16 {
                        w[i] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
                    }
                    for i in 16..<64 {
                        let x = w[i &- 15], y = w[i &- 2]
                        let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                        let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                        w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3
                    var e = h4, f = h5, g = h6, h = h7
                    for i in 0..<64 {
                        let bigS1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = h &+ bigS1 &+ ch &+ k[i] &+ w[i]
                        let bigS0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        let t2 = bigS0 &+ maj
                        h = g
                        g = f
                        f = e
                        e = d &+ t1
                        d = c
                        c = b
                        b = a
                        a = t1 &+ t2
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                    p += 64
                }
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}

extension SHA256 {
    /// The most bytes ``hash(_:_:_:)`` takes in one padded buffer (four blocks less the padding).
    static let gatherLimit = 4 * 64 - 9

    /// SHA-256 of the concatenation `a || b || c`, for short messages: one copy into a padded stack buffer and a
    /// single call of the compression function for all its blocks (the hash chain of a one-record batch is a
    /// ~160-byte message; three separate one-block calls cost more than the hashing). Longer messages stream.
    package static func hash(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer,
                             _ c: UnsafeRawBufferPointer) -> SHA256Digest {
        let total = a.count + b.count + c.count
        guard total <= gatherLimit else {
            var h = SHA256()
            h.update(a)
            h.update(b)
            h.update(c)
            return h.finalize()
        }
        return withUnsafeTemporaryAllocation(byteCount: 256, alignment: 16) { buffer in
            let base = buffer.baseAddress!
            var n = 0
            @inline(__always) func put(_ part: UnsafeRawBufferPointer) {
                if part.count > 0 { (base + n).copyMemory(from: part.baseAddress!, byteCount: part.count) }
                n += part.count
            }
            put(a)
            put(b)
            put(c)
            buffer[n] = 0x80
            let blocks = (n + 9 + 63) / 64
            let end = blocks * 64
            (base + n + 1).initializeMemory(as: UInt8.self, repeating: 0, count: end - 8 - n - 1)
            buffer.storeBytes(of: (UInt64(total) &* 8).bigEndian, toByteOffset: end - 8, as: UInt64.self)
            var state = SHA256.initialState
            SHA256.compress(&state, UnsafeRawPointer(base), blocks: blocks, hardware: isHardwareAccelerated)
            return SHA256Digest(state: state)
        }
    }
}
