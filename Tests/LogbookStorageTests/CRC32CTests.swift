import LogbookStorage
import LogbookTestSupport
import Testing

/// The suites' deterministic generator (SplitMix64, from the test support library).
typealias SplitMix64 = SeededGenerator

/// Bit-at-a-time reference CRC-32C, independent of both implementations.
func referenceCRC32C(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    }
    return ~c
}

enum CRCPath: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case software, hardware, dispatched
    var testDescription: String { rawValue }

    func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32? {
        switch self {
        case .software: CRC32C.softwareChecksum(bytes, continuing: crc)
        case .hardware: CRC32C.hardwareChecksum(bytes, continuing: crc)
        case .dispatched: CRC32C.checksum(bytes, continuing: crc)
        }
    }
    func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32? {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}

let knownCRCVectors: [(name: String, bytes: [UInt8], crc: UInt32)] = [
    ("empty", [], 0x0000_0000),
    ("123456789", Array("123456789".utf8), 0xE306_9283),
    ("32 x 0x00", [UInt8](repeating: 0x00, count: 32), 0x8A91_36AA),
    ("32 x 0xFF", [UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
    ("0x00...0x1F ascending", (0..<32).map { UInt8($0) }, 0x46DD_794E),
    ("0x1F...0x00 descending", (0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
]

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("software path matches published CRC-32C check values")
    func softwareKnownAnswers() {
        for v in knownCRCVectors {
            #expect(CRC32C.softwareChecksum(v.bytes) == v.crc, "\(v.name)")
            #expect(referenceCRC32C(v.bytes) == v.crc, "reference: \(v.name)")
        }
    }

    @Test("hardware path matches published CRC-32C check values", .enabled(if: CRC32C.isHardwareAccelerated))
    func hardwareKnownAnswers() {
        for v in knownCRCVectors {
            #expect(CRCPath.hardware.checksum(v.bytes) == v.crc, "\(v.name)")
            #expect(CRC32C.checksum(v.bytes) == v.crc, "dispatched: \(v.name)")
        }
    }

    @Test("hardware checksum is nil exactly when acceleration is unavailable")
    func hardwareAvailability() {
        let result = CRCPath.hardware.checksum(Array("123456789".utf8))
        #expect((result != nil) == CRC32C.isHardwareAccelerated)
    }

    @Test("hardware and software agree on random unaligned inputs", .enabled(if: CRC32C.isHardwareAccelerated))
    func hardwareMatchesSoftwareRandom() {
        var rng = SplitMix64(seed: 0xC0FF_EE00_1234_5678)
        let buffer = rng.bytes(16_384)
        buffer.withUnsafeBytes { raw in
            for caseIndex in 0..<2_500 {
                let length = Int.random(in: 0...5_000, using: &rng)
                let offset = Int.random(in: 0...(raw.count - length), using: &rng)
                let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                let seed: UInt32 = caseIndex % 3 == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next())
                let sw = CRC32C.softwareChecksum(slice, continuing: seed)
                let hw = CRC32C.hardwareChecksum(slice, continuing: seed)
                #expect(hw == sw, "case \(caseIndex): length \(length) offset \(offset)")
                if caseIndex % 50 == 0, seed == 0 {
                    #expect(sw == referenceCRC32C(slice), "reference, case \(caseIndex)")
                }
            }
        }
    }

    @Test("hardware and software agree on large buffers around interleave block boundaries",
          .enabled(if: CRC32C.isHardwareAccelerated))
    func hardwareMatchesSoftwareLarge() {
        var rng = SplitMix64(seed: 42)
        let buffer = rng.bytes((1 << 20) + 64)
        let lengths = [767, 768, 769, 3 * 768 + 5, 24_575, 24_576, 24_577, 3 * 24_576 + 771, 100_003, 1 << 20]
        buffer.withUnsafeBytes { raw in
            for length in lengths {
                for offset in [0, 1, 3, 7, 8, 13, 63] where offset + length <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    #expect(CRC32C.hardwareChecksum(slice) == CRC32C.softwareChecksum(slice),
                            "length \(length) offset \(offset)")
                }
            }
            let sample = UnsafeRawBufferPointer(rebasing: raw[5..<(5 + 3 * 24_576 + 771)])
            #expect(CRC32C.softwareChecksum(sample) == referenceCRC32C(sample))
        }
    }

    @Test("continuing a checksum equals the one-shot checksum of the concatenation", arguments: CRCPath.allCases)
    func continuingComposition(path: CRCPath) throws {
        guard path != .hardware || CRC32C.isHardwareAccelerated else { return }
        var rng = SplitMix64(seed: 7 &+ UInt64(path.rawValue.utf8.count))
        let buffer = rng.bytes(40_000)
        try buffer.withUnsafeBytes { raw in
            for _ in 0..<300 {
                let length = Int.random(in: 0...raw.count, using: &rng)
                let whole = UnsafeRawBufferPointer(rebasing: raw[0..<length])
                let oneShot = try #require(path.checksum(whole))
                // Two-way split.
                let cut = Int.random(in: 0...length, using: &rng)
                let a = try #require(path.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<cut])))
                let ab = try #require(path.checksum(UnsafeRawBufferPointer(rebasing: raw[cut..<length]), continuing: a))
                #expect(ab == oneShot, "cut \(cut) of \(length)")
                // Random chunked streaming.
                var crc: UInt32 = 0
                var position = 0
                while position < length {
                    let step = min(length - position, Int.random(in: 0...700, using: &rng))
                    crc = try #require(path.checksum(UnsafeRawBufferPointer(rebasing: raw[position..<(position + step)]), continuing: crc))
                    position += step
                }
                #expect(crc == oneShot, "chunked, length \(length)")
            }
        }
    }

    @Test("checksum detects a single flipped bit")
    func detectsBitFlip() {
        var bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        let original = CRC32C.checksum(bytes)
        #expect(original == 0x2262_0404)
        bytes[10] ^= 0x04
        #expect(CRC32C.checksum(bytes) != original)
        #expect(CRC32C.softwareChecksum(bytes) == CRC32C.checksum(bytes))
    }
}
