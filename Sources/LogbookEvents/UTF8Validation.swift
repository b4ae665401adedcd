/// Strict UTF-8 validation (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF)
/// without allocating. Tests check it agrees with the standard library's `String(validating:as:)`.
package enum UTF8Validation {
    /// What starts at a byte of UTF-8 text.
    package enum Sequence: Equatable {
        /// A well-formed character of this many bytes.
        case valid(length: Int)
        /// A byte that cannot start a character (a continuation byte, 0xC0, 0xC1, 0xF5...).
        case badStart
        /// The text ends, or a continuation byte is missing, before the character does.
        case truncated
        /// The second byte makes an overlong form, a surrogate or a value above U+10FFFF.
        case illFormed
    }

    /// The character starting at `i` of `count` bytes at `base` (table 3-7 of the Unicode standard).
    @inline(__always)
    package static func sequence(_ base: UnsafePointer<UInt8>, count: Int, at i: Int) -> Sequence {
        let b0 = base[i]
        if b0 < 0x80 { return .valid(length: 1) }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .badStart
        }
        guard count - i >= length else { return .truncated }
        let b1 = base[i &+ 1]
        guard b1 >= low && b1 <= high else { return .illFormed }
        var k = 2
        while k < length {
            guard base[i &+ k] & 0xC0 == 0x80 else { return .truncated }
            k &+= 1
        }
        return .valid(length: length)
    }

    /// The offset of the first byte of the first ill-formed sequence in `bytes`, or nil when all of it is valid.
    static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let n = bytes.count
        var i = 0
        while i < n {
            guard case .valid(let length) = sequence(base, count: n, at: i) else { return i }
            i &+= length
        }
        return nil
    }
}
