/// Appends the codec's primitive encodings to a byte buffer (little-endian; see EventCodec.swift for the rules).
///
/// The writer owns the buffer while it writes: ``EventCodec`` swaps the caller's buffer in and back out, so
/// nothing is copied and the caller's capacity is reused.
package struct BinaryWriter {
    package var bytes: [UInt8]

    package init(bytes: [UInt8] = []) { self.bytes = bytes }

    @inline(__always)
    package mutating func u8(_ value: UInt8) { bytes.append(value) }

    /// LEB128: 7 bits per byte, low group first, high bit set on every byte but the last; shortest form.
    @inline(__always)
    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// A signed value as a zigzag varint: 0, -1, 1, -2, 2... become 0, 1, 2, 3, 4...
    @inline(__always)
    package mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// An ordinal, count or length (an `Int`): the unsigned varint of its 64-bit two's-complement pattern.
    /// Ordinals are never negative in practice; a negative one still round-trips (in 10 bytes).
    @inline(__always)
    package mutating func int(_ value: Int) { varint(UInt64(bitPattern: Int64(value))) }

    /// 8 raw bytes of the bit pattern, little-endian (NaN payloads, infinities and -0.0 are kept).
    @inline(__always)
    /// A little-endian UInt64 (8 bytes).
    package mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func double(_ value: Double) {
        let bits = value.bitPattern
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 &* UInt64(i)))) }
    }

    /// Length (varint) + UTF-8 bytes.
    package mutating func string(_ value: String) {
        var s = value
        s.withUTF8 { utf8 in
            int(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// A presence byte (0 or 1), then the value when present.
    @inline(__always)
    package mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        if let value {
            u8(1)
            write(&self, value)
        } else {
            u8(0)
        }
    }

    package mutating func optionalString(_ value: String?) { optional(value) { $0.string($1) } }
    package mutating func optionalInt(_ value: Int?) { optional(value) { $0.int($1) } }
    package mutating func optionalDouble(_ value: Double?) { optional(value) { $0.double($1) } }

    /// An enum as its u8 raw value.
    @inline(__always)
    package mutating func enumValue<T: RawRepresentable>(_ value: T) where T.RawValue == UInt8 { u8(value.rawValue) }

    /// Count (varint), then each pair as two strings.
    package mutating func keyValues(_ pairs: [KeyValue]) {
        int(pairs.count)
        for pair in pairs {
            string(pair.key)
            string(pair.value)
        }
    }

    /// Count (varint), then each string.
    package mutating func strings(_ values: [String]) {
        int(values.count)
        for value in values { string(value) }
    }

    /// Count (varint), then each ordinal.
    package mutating func ints(_ values: [Int]) {
        int(values.count)
        for value in values { int(value) }
    }
}
