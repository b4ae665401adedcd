import Testing
@testable import LogbookStats

/// SplitMix64: a small seeded generator so that the data are the same on every run.
struct SplitMix64 {
    /// Generator state.
    var state: UInt64

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// Welford streaming summaries against the two-pass computation.
@Suite("RunningSummary")
struct RunningSummaryTests {
    /// Seeded samples: offset + scale * (sum of three uniforms - 1.5), and a few heavy outliers.
    static func samples(seed: UInt64, count: Int, offset: Double, scale: Double) -> [Double] {
        var rng = SplitMix64(state: seed)
        return (0..<count).map { i in
            let noise = rng.uniform() + rng.uniform() + rng.uniform() - 1.5
            return offset + scale * noise * (i % 97 == 0 ? 40 : 1)
        }
    }

    /// Two-pass mean and (n-1) variance.
    static func twoPass(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / Double(values.count - 1))
    }

    @Test("Matches two-pass mean and variance", arguments: [
        (UInt64(1), 10, 0.0, 1.0), (UInt64(2), 1_000, 5.0, 0.01), (UInt64(3), 100_000, -3.0, 250.0),
        (UInt64(4), 50_000, 1e9, 1.0),  // large offset: the naive sum-of-squares formula fails here
        (UInt64(5), 2, 0.5, 2.0),
    ])
    func matchesTwoPass(seed: UInt64, count: Int, offset: Double, scale: Double) throws {
        let values = Self.samples(seed: seed, count: count, offset: offset, scale: scale)
        let summary = RunningSummary(values)
        let reference = Self.twoPass(values)
        #expect(summary.count == count)
        let mean = try #require(summary.mean)
        let variance = try #require(summary.sampleVariance)
        // Mean error relative to the data's scale (|mean| + standard deviation).
        let scale = abs(reference.mean) + reference.variance.squareRoot()
        #expect(abs(mean - reference.mean) <= 1e-13 * scale)
        #expect(abs(variance - reference.variance) <= 1e-10 * reference.variance)
        let population = try #require(summary.populationVariance)
        #expect(abs(population - reference.variance * Double(count - 1) / Double(count)) <= 1e-10 * reference.variance)
        let asSummary = try #require(summary.summary)
        #expect(asSummary.count == count && asSummary.mean == mean && asSummary.variance == variance)
    }

    @Test("Merging partial tallies equals tallying everything", arguments: [UInt64(11), 12, 13])
    func mergeEqualsWhole(seed: UInt64) throws {
        let values = Self.samples(seed: seed, count: 20_000, offset: 42, scale: 3)
        var rng = SplitMix64(state: seed &* 7919)
        // Split into a random number of uneven chunks, some empty, and merge in order.
        var merged = RunningSummary()
        var start = 0
        while start < values.count {
            let length = min(values.count - start, Int(rng.next() % 3000))
            merged.merge(RunningSummary(values[start..<(start + length)]))
            start += length
        }
        let whole = RunningSummary(values)
        let reference = Self.twoPass(values)
        #expect(merged.count == whole.count)
        #expect(abs(try #require(merged.mean) - reference.mean) <= 1e-13 * abs(reference.mean))
        #expect(abs(try #require(merged.sampleVariance) - reference.variance) <= 1e-11 * reference.variance)
        // Merging is symmetric.
        let a = RunningSummary(values[..<777]), b = RunningSummary(values[777...])
        let ab = a.merged(with: b), ba = b.merged(with: a)
        #expect(ab.count == ba.count)
        #expect(abs(try #require(ab.mean) - (try #require(ba.mean))) <= 1e-13 * abs(reference.mean))
        #expect(abs(try #require(ab.sampleVariance) - (try #require(ba.sampleVariance))) <= 1e-12 * reference.variance)
    }

    @Test("Undefined values are nil")
    func undefined() {
        let empty = RunningSummary()
        #expect(empty.count == 0 && empty.mean == nil && empty.sampleVariance == nil && empty.populationVariance == nil)
        #expect(empty.merged(with: empty) == empty)
        let one = RunningSummary([3.5])
        #expect(one.mean == 3.5 && one.sampleVariance == nil && one.populationVariance == 0 && one.summary == nil)
        #expect(empty.merged(with: one) == one && one.merged(with: empty) == one)
        #expect(SampleSummary(samples: [1]) == nil)
        #expect(SampleSummary(samples: [1, .infinity]) == nil)
    }
}
