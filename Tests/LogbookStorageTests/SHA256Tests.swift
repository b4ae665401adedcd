import LogbookStorage
import LogbookTestSupport
import Testing

enum SHAPath: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case software, hardware
    var testDescription: String { rawValue }
    var isAvailable: Bool { self == .software || SHA256.isHardwareAccelerated }
    func hasher() -> SHA256 { SHA256(forcingSoftware: self == .software) }
    func hash(_ bytes: [UInt8]) -> SHA256Digest {
        var h = hasher()
        h.update(bytes)
        return h.finalize()
    }
}

let nistSHAVectors: [(message: String, hex: String)] = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
]

/// Digests of bytes (i % 251 for i in 0..<n), computed independently; these
/// lengths straddle the 55/56/64-byte padding boundaries.
let paddingBoundaryVectors: [(length: Int, hex: String)] = [
    (1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
    (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
    (57, "2fe741af801cc238602ac0ec6a7b0c3a8a87c7fc7d7f02a3fe03d1c12eac4d8f"),
    (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
    (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
    (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
    (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
    (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
    (127, "92ca0fa6651ee2f97b884b7246a562fa71250fedefe5ebf270d31c546bfea976"),
    (128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5"),
    (129, "5099c6a56203f9687f7d33f4bfdf576d31dc91f6b695ecea38b2770c87631135"),
    (1000, "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"),
]

@Suite("SHA-256")
struct SHA256Tests {
    @Test("NIST FIPS 180 example messages hash to their published digests", arguments: SHAPath.allCases)
    func nistVectors(path: SHAPath) {
        guard path.isAvailable else { return }
        for v in nistSHAVectors {
            #expect(path.hash(Array(v.message.utf8)).hex == v.hex, "\(path): \(v.message.utf8.count) bytes")
        }
    }

    @Test("messages around the padding boundaries hash correctly", arguments: SHAPath.allCases)
    func paddingBoundaries(path: SHAPath) {
        guard path.isAvailable else { return }
        for v in paddingBoundaryVectors {
            let message = (0..<v.length).map { UInt8($0 % 251) }
            #expect(path.hash(message).hex == v.hex, "\(path): length \(v.length)")
        }
    }

    @Test("one million 'a' fed in uneven chunks hashes to the NIST digest", arguments: SHAPath.allCases)
    func millionA(path: SHAPath) {
        guard path.isAvailable else { return }
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 4_096)
        let chunkSizes = [1, 63, 64, 65, 3, 127, 1_000, 4_096, 55, 0, 129, 2_047]
        var h = path.hasher()
        var fed = 0
        var i = 0
        chunk.withUnsafeBytes { raw in
            while fed < 1_000_000 {
                let n = min(chunkSizes[i % chunkSizes.count], 1_000_000 - fed)
                h.update(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                fed += n
                i += 1
            }
        }
        #expect(h.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("static hash and default hasher use the dispatched path and agree with the vectors")
    func staticHash() {
        #expect(SHA256.hash(Array("abc".utf8)).hex == nistSHAVectors[1].hex)
        [UInt8]().withUnsafeBytes { #expect(SHA256.hash($0).hex == nistSHAVectors[0].hex) }
    }

    @Test("hardware and software agree on random unaligned inputs and chunked streaming equals one-shot",
          .enabled(if: SHA256.isHardwareAccelerated))
    func hardwareMatchesSoftwareRandom() {
        var rng = SplitMix64(seed: 0x5EED_5A25_6000_0001)
        let buffer = rng.bytes(16_384)
        buffer.withUnsafeBytes { raw in
            for caseIndex in 0..<2_500 {
                let length = Int.random(in: 0...5_000, using: &rng)
                let offset = Int.random(in: 0...(raw.count - length), using: &rng)
                let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])

                var sw = SHA256(forcingSoftware: true)
                sw.update(slice)
                var hw = SHA256(forcingSoftware: false)
                hw.update(slice)
                let expected = sw.finalize()
                #expect(hw.finalize() == expected, "case \(caseIndex): length \(length) offset \(offset)")

                // Random-sized chunks must give the same digest on both paths.
                var swChunked = SHA256(forcingSoftware: true)
                var hwChunked = SHA256(forcingSoftware: false)
                var position = 0
                while position < length {
                    let step = min(length - position, Int.random(in: 0...200, using: &rng))
                    let part = UnsafeRawBufferPointer(rebasing: slice[position..<(position + step)])
                    swChunked.update(part)
                    hwChunked.update(part)
                    position += step
                }
                #expect(swChunked.finalize() == expected, "sw chunked, case \(caseIndex)")
                #expect(hwChunked.finalize() == expected, "hw chunked, case \(caseIndex)")
            }
        }
    }

    @Test("finalize does not consume the hasher; further updates continue the stream", arguments: SHAPath.allCases)
    func finalizeIsNonDestructive(path: SHAPath) {
        guard path.isAvailable else { return }
        var h = path.hasher()
        h.update(Array("ab".utf8))
        let partial = h.finalize()
        #expect(partial == path.hash(Array("ab".utf8)))
        h.update(Array("c".utf8))
        #expect(h.finalize().hex == nistSHAVectors[1].hex)
        #expect(partial != h.finalize())
    }

    @Test("updating with a digest hashes its 32 raw bytes")
    func updateWithDigest() throws {
        let abc = SHA256.hash(Array("abc".utf8))
        var h = SHA256()
        h.update(abc)
        h.update(abc)
        #expect(h.finalize().hex == "3b771ca97e3c17698aff21227fa046b5622a30d8ee5d2de4ee1111a1cdf258ee")
        #expect(h.finalize() == SHA256.hash(abc.bytes + abc.bytes))
    }
}

@Suite("SHA256Digest")
struct SHA256DigestTests {
    @Test("hex round trips and accepts either case")
    func hexRoundTrip() throws {
        let hex = nistSHAVectors[1].hex
        let digest = try #require(SHA256Digest(hex: hex))
        #expect(digest.hex == hex)
        #expect(digest.description == hex)
        #expect(SHA256Digest(hex: hex.uppercased()) == digest)
        #expect(digest.bytes.count == 32)
        #expect(digest.bytes.prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
        #expect(digest.bytes.last == 0xAD)
        #expect(SHA256Digest(bytes: digest.bytes) == digest)
        digest.withUnsafeBytes { #expect(Array($0) == digest.bytes) }
    }

    @Test("random digests survive bytes and hex round trips")
    func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let bytes = rng.bytes(32)
            let digest = SHA256Digest(bytes: bytes)
            #expect(digest.bytes == bytes)
            #expect(try #require(SHA256Digest(hex: digest.hex)) == digest)
            #expect(digest.hex.utf8.count == 64)
        }
    }

    @Test("malformed hex is rejected")
    func rejectsBadHex() {
        let good = nistSHAVectors[1].hex
        #expect(SHA256Digest(hex: String(good.dropLast())) == nil)           // 63 chars
        #expect(SHA256Digest(hex: good + "0") == nil)                         // 65 chars
        #expect(SHA256Digest(hex: "") == nil)
        #expect(SHA256Digest(hex: "g" + good.dropFirst()) == nil)             // non-hex char
        #expect(SHA256Digest(hex: String(good.dropLast()) + " ") == nil)
        #expect(SHA256Digest(hex: String(good.dropLast(2)) + "é") == nil)     // 64 bytes of UTF-8, non-hex
    }

    @Test("zero digest is all zero bytes and distinct from real digests")
    func zeroDigest() {
        #expect(SHA256Digest.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(SHA256Digest.zero.hex == String(repeating: "0", count: 64))
        #expect(SHA256Digest.zero != SHA256.hash([UInt8]()))
        #expect(Set([SHA256Digest.zero, SHA256.hash([UInt8]()), SHA256Digest.zero]).count == 2)
    }
}

@Suite("SHA-256 gathered short messages")
struct SHA256GatherTests {
    @Test("hashing three parts in one padded buffer equals streaming them, at every length up to and past the limit")
    func gatherEqualsStreaming() {
        var g = SeededGenerator(seed: 0x5EED)
        func next() -> UInt64 { g.next() }
        for total in 0...300 {
            let bytes = (0..<total).map { _ in UInt8(truncatingIfNeeded: next()) }
            let i = total == 0 ? 0 : Int(next() % UInt64(total + 1))
            let j = i + (total == i ? 0 : Int(next() % UInt64(total - i + 1)))
            bytes.withUnsafeBytes { b in
                let gathered = SHA256.hash(UnsafeRawBufferPointer(rebasing: b[0..<i]),
                                           UnsafeRawBufferPointer(rebasing: b[i..<j]),
                                           UnsafeRawBufferPointer(rebasing: b[j...]))
                #expect(gathered == SHA256.hash(b), "length \(total) split \(i)/\(j)")
                var soft = SHA256(forcingSoftware: true)
                soft.update(b)
                #expect(gathered == soft.finalize(), "length \(total) against software")
            }
        }
    }
}

@Suite("SHA-256 of many messages with a shared prefix")
struct SHA256PrefixHasherTests {
    /// Batches of messages of every length class (empty, one block, just over one block, several blocks) in
    /// random order, so pairs form across long messages and an odd message is left for the end.
    @Test("every hash equals the one-message digest's first 8 bytes, on both compression paths", arguments: SHAPath.allCases)
    func prefixesEqualDigests(path: SHAPath) {
        guard path.isAvailable else { return }
        var g = SeededGenerator(seed: 0xA11CE)
        for round in 0..<200 {
            let prefix = (0..<Int(g.next() % 60)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            let count = Int(g.next() % 12)
            let suffixes = (0..<count).map { _ in
                (0..<Int(g.next() % 140)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            }
            var out = [UInt64](repeating: 0, count: count)
            prefix.withUnsafeBytes { p in
                out.withUnsafeMutableBufferPointer { o in
                    SHA256.withPrefixHasher(prefix: p, into: o, forcingSoftware: path == .software) { h in
                        for (i, s) in suffixes.enumerated() { s.withUnsafeBytes { h.add($0, at: i) } }
                    }
                }
            }
            for (i, s) in suffixes.enumerated() {
                var reference = SHA256(forcingSoftware: true)
                reference.update(prefix + s)
                #expect(out[i] == reference.finalize().prefix64,
                        "round \(round), message \(i) of \(count): \(prefix.count) + \(s.count) bytes")
            }
        }
    }
}
