import CLogbookHash

/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init 0xFFFFFFFF,
/// xorout 0xFFFFFFFF ("123456789" -> 0xE3069283).
///
/// All entry points take and return *finished* checksums, so
/// `checksum(b, continuing: checksum(a)) == checksum(a + b)`.
package enum CRC32C {
    /// True when the SSE4.2 `crc32` instruction is available.
    package static let isHardwareAccelerated: Bool = logbook_cpu_has_crc32c() != 0

    /// Checksum of `bytes`, continuing from a previous finished checksum
    /// (0 for a fresh checksum). Uses hardware when available.
    package static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        if isHardwareAccelerated {
            return hardwareUpdate(bytes, continuing: crc)
        }
        return softwareChecksum(bytes, continuing: crc)
    }

    package static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }

    /// Hardware (SSE4.2) checksum, or nil when the CPU lacks the instruction.
    package static func hardwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32? {
        guard isHardwareAccelerated else { return nil }
        return hardwareUpdate(bytes, continuing: crc)
    }

    private static func hardwareUpdate(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        // The C function is a raw register update (no inversion).
        return ~logbook_crc32c_hw(~crc, base, bytes.count)
    }

    /// Portable slicing-by-8 implementation.
    package static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return tables.withUnsafeBufferPointer { t in
            var c = ~crc
            var p = base
            var remaining = bytes.count
            while remaining >= 8 {
                let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                c = t[7 &* 256 &+ Int(lo & 0xFF)]
                    ^ t[6 &* 256 &+ Int((lo >> 8) & 0xFF)]
                    ^ t[5 &* 256 &+ Int((lo >> 16) & 0xFF)]
                    ^ t[4 &* 256 &+ Int(lo >> 24)]
                    ^ t[3 &* 256 &+ Int(hi & 0xFF)]
                    ^ t[2 &* 256 &+ Int((hi >> 8) & 0xFF)]
                    ^ t[1 &* 256 &+ Int((hi >> 16) & 0xFF)]
                    ^ t[Int(hi >> 24)]
                p += 8
                remaining &-= 8
            }
            while remaining > 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                p += 1
                remaining &-= 1
            }
            return ~c
        }
    }

    package static func softwareChecksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { softwareChecksum($0, continuing: crc) }
    }

    /// Slicing-by-8 tables: table k (at offset k*256) advances a byte through
    /// k additional zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 {
                c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1
            }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = t[Int(prev & 0xFF)] ^ (prev >> 8)
            }
        }
        return t
    }()
}
