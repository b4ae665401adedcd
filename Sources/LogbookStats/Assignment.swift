/// Deterministic assignment hashing: FNV-1a, GrowthBook-compatible bucket values, SHA-256 buckets, variants.
package enum Assignment: Sendable {
    /// FNV-1a 32-bit offset basis.
    package static let fnvOffsetBasis: UInt32 = 2_166_136_261
    /// FNV-1a 32-bit prime.
    package static let fnvPrime: UInt32 = 16_777_619
    /// Buckets of the SHA-256 scheme (basis points).
    package static let bucketCount: UInt64 = 10_000

    /// 32-bit FNV-1a of a byte sequence.
    package static func fnv1a32(bytes: some Sequence<UInt8>) -> UInt32 {
        var hash = fnvOffsetBasis
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* fnvPrime
        }
        return hash
    }

    /// 32-bit FNV-1a of the UTF-8 bytes of `string`.
    package static func fnv1a32(_ string: String) -> UInt32 {
        fnv1a32(bytes: string.utf8)
    }

    /// GrowthBook hash version 1: (fnv(value + seed) mod 1000) / 1000 (matches the SDKs for ASCII text).
    package static func growthBookHashV1(seed: String, value: String) -> Double {
        Double(fnv1a32(value + seed) % 1000) / 1000
    }

    /// GrowthBook hash version 2: (fnv(decimal(fnv(seed + value))) mod 10000) / 10000 (ASCII text).
    package static func growthBookHashV2(seed: String, value: String) -> Double {
        let inner = fnv1a32(seed + value)
        return Double(fnv1a32(String(inner)) % 10_000) / 10_000
    }

    /// The first 8 bytes of a digest read as a big-endian integer; nil for fewer than 8 bytes.
    package static func bigEndianPrefix(ofDigest digest: some Collection<UInt8>) -> UInt64? {
        guard digest.count >= 8 else { return nil }
        return digest.prefix(8).reduce(0) { ($0 << 8) | UInt64($1) }
    }

    /// The bucket 0..<10000 of a SHA-256 prefix: u64 mod 10000.
    package static func bucket(fromSHA256Prefix u64: UInt64) -> Int {
        Int(u64 % bucketCount)
    }

    /// The index of the first variant whose cumulative weight (basis points) exceeds `bucket`;
    /// nil when the weights sum to no more than the bucket (the unit is outside the experiment)
    /// or a weight is negative.
    package static func variantIndex(bucket: Int, weightsBasisPoints: [Int]) -> Int? {
        guard weightsBasisPoints.allSatisfy({ $0 >= 0 }) else { return nil }
        var cumulative = 0
        for (index, weight) in weightsBasisPoints.enumerated() {
            cumulative += weight
            if cumulative > bucket { return index }
        }
        return nil
    }
}
