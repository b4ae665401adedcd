/// Strict UTF-8 validation (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF)
/// without allocating. Tests check it agrees with the standard library's `String(validating:as:)`.
enum UTF8Validation {
    /// The offset of the first byte of the first ill-formed sequence in `bytes`, or nil when all of it is valid.
    static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i &+= 1
                continue
            }
            // Expected length and the allowed range of the second byte.
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
            default: return i
            }
            guard n - i >= length else { return i }
            let b1 = bytes[i &+ 1]
            guard b1 >= low && b1 <= high else { return i }
            var k = 2
            while k < length {
                guard bytes[i &+ k] & 0xC0 == 0x80 else { return i }
                k &+= 1
            }
            i &+= length
        }
        return nil
    }
}
