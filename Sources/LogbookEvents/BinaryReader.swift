/// Reads the codec's primitive encodings from a borrowed payload, checking every bound: any byte string either
/// decodes or throws a ``CodecError``, never traps, and never allocates more than the payload can justify
/// (a count is checked against the bytes left before anything is reserved).
package struct BinaryReader {
    /// The payload.
    package let base: UnsafeRawBufferPointer
    /// The next byte to read.
    package private(set) var offset = 0

    package init(_ base: UnsafeRawBufferPointer) { self.base = base }

    /// Moves to `offset` (one this reader or another over the same payload reached before).
    package mutating func skip(to offset: Int) {
        precondition(offset >= 0 && offset <= base.count)
        self.offset = offset
    }

    /// Bytes not read yet.
    package var remaining: Int { base.count &- offset }

    @inline(__always)
    package mutating func u8() throws(CodecError) -> UInt8 {
        guard offset < base.count else { throw .truncated(at: offset, needed: 1) }
        let value = base[offset]
        offset &+= 1
        return value
    }

    /// An unsigned LEB128 varint in its shortest form, at most 64 bits.
    @inline(__always)
    package mutating func varint() throws(CodecError) -> UInt64 {
        // Fast path: one byte.
        if offset < base.count, base[offset] < 0x80 {
            let value = UInt64(base[offset])
            offset &+= 1
            return value
        }
        return try varintSlow()
    }

    private mutating func varintSlow() throws(CodecError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < base.count else { throw .truncated(at: start, needed: offset &- start &+ 1) }
            let byte = base[offset]
            offset &+= 1
            if shift == 63 && byte > 1 { throw .invalidValue(at: start, "varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 { throw .invalidValue(at: start, "varint is not in its shortest form") }
                return result
            }
            shift &+= 7
        }
    }

    /// A zigzag varint.
    @inline(__always)
    package mutating func zigzag() throws(CodecError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// An ordinal: see ``BinaryWriter/int(_:)``.
    @inline(__always)
    package mutating func int() throws(CodecError) -> Int { Int(Int64(bitPattern: try varint())) }

    /// An element count, checked against the bytes left: each element takes at least `minimumElementSize` bytes.
    package mutating func count(minimumElementSize: Int) throws(CodecError) -> Int {
        let value = try varint()
        let fits = UInt64(remaining / minimumElementSize)
        guard value <= fits else {
            let needed = value > UInt64(Int.max / minimumElementSize) ? Int.max : Int(value) &* minimumElementSize
            throw .truncated(at: offset, needed: needed)
        }
        return Int(value)
    }

    /// 8 bytes, little-endian, as a bit pattern.
    @inline(__always)
    package mutating func double() throws(CodecError) -> Double {
        guard remaining >= 8 else { throw .truncated(at: offset, needed: 8) }
        let bits = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        offset &+= 8
        return Double(bitPattern: bits)
    }

    /// Steps over `count` bytes.
    @inline(__always)
    package mutating func skip(_ count: UInt64) throws(CodecError) {
        guard count <= UInt64(remaining) else {
            throw .truncated(at: offset, needed: count > UInt64(Int.max) ? Int.max : Int(count))
        }
        offset &+= Int(count)
    }

    /// Steps over a length-prefixed string without checking its bytes (a skim; the reader that decodes checks).
    @inline(__always)
    package mutating func skipString() throws(CodecError) { try skip(try varint()) }

    /// Steps over an optional string.
    @inline(__always)
    package mutating func skipOptionalString() throws(CodecError) { if try presence() { try skipString() } }

    /// Steps over key-value pairs.
    @inline(__always)
    package mutating func skipKeyValues() throws(CodecError) {
        let n = try count(minimumElementSize: 2)
        for _ in 0..<n {
            try skipString()
            try skipString()
        }
    }

    /// A string's UTF-8 bytes (length-prefixed), validated, borrowed from the payload.
    @inline(__always)
    package mutating func stringBytes() throws(CodecError) -> UnsafeRawBufferPointer {
        let length = try varint()
        guard length <= UInt64(remaining) else {
            throw .truncated(at: offset, needed: length > UInt64(Int.max) ? Int.max : Int(length))
        }
        let start = offset
        let bytes = UnsafeRawBufferPointer(rebasing: base[start..<(start &+ Int(length))])
        if let bad = UTF8Validation.firstInvalidOffset(bytes) { throw .invalidUTF8(at: start &+ bad) }
        offset &+= Int(length)
        return bytes
    }

    /// A string (length-prefixed, validated UTF-8).
    package mutating func string() throws(CodecError) -> String {
        String(decoding: try stringBytes(), as: UTF8.self)
    }

    /// A presence byte: 0 absent, 1 present, anything else invalid.
    @inline(__always)
    package mutating func presence() throws(CodecError) -> Bool {
        let at = offset
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(at: at, "presence byte must be 0 or 1, found \(other)")
        }
    }

    package mutating func optionalString() throws(CodecError) -> String? { try presence() ? try string() : nil }
    package mutating func optionalInt() throws(CodecError) -> Int? { try presence() ? try int() : nil }
    package mutating func optionalDouble() throws(CodecError) -> Double? { try presence() ? try double() : nil }
    package mutating func optionalZigzag() throws(CodecError) -> Int64? { try presence() ? try zigzag() : nil }
    package mutating func optionalVarint() throws(CodecError) -> UInt64? { try presence() ? try varint() : nil }

    /// An enum from its u8 raw value; an unknown raw value is invalid.
    package mutating func enumValue<T: RawRepresentable>(_ type: T.Type, _ what: String) throws(CodecError) -> T
    where T.RawValue == UInt8 {
        let at = offset
        let raw = try u8()
        guard let value = T(rawValue: raw) else { throw .invalidValue(at: at, "\(what) \(raw) is out of range") }
        return value
    }

    package mutating func optionalEnum<T: RawRepresentable>(_ type: T.Type, _ what: String) throws(CodecError) -> T?
    where T.RawValue == UInt8 {
        try presence() ? try enumValue(type, what) : nil
    }

    /// A flags byte whose bits outside `allowed` must be zero.
    package mutating func flags(allowed: UInt8) throws(CodecError) -> UInt8 {
        let at = offset
        let value = try u8()
        guard value & ~allowed == 0 else {
            throw .invalidValue(at: at, "unknown flag bits 0x\(String(value & ~allowed, radix: 16))")
        }
        return value
    }

    /// Count, then pairs of strings.
    package mutating func keyValues() throws(CodecError) -> [KeyValue] {
        let n = try count(minimumElementSize: 2)
        var pairs: [KeyValue] = []
        pairs.reserveCapacity(n)
        for _ in 0..<n {
            let key = try string()
            pairs.append(KeyValue(key, try string()))
        }
        return pairs
    }

    /// Count, then strings.
    package mutating func strings() throws(CodecError) -> [String] {
        let n = try count(minimumElementSize: 1)
        var values: [String] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try string()) }
        return values
    }

    /// Count, then ordinals.
    package mutating func ints() throws(CodecError) -> [Int] {
        let n = try count(minimumElementSize: 1)
        var values: [Int] = []
        values.reserveCapacity(n)
        for _ in 0..<n { values.append(try int()) }
        return values
    }

    /// Checks every byte was read.
    package mutating func finish() throws(CodecError) {
        guard offset == base.count else {
            let n = remaining
            throw .invalidValue(at: offset, "\(n) trailing byte\(n == 1 ? "" : "s") after the last field")
        }
    }
}
