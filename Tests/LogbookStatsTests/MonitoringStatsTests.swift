import Foundation
import LogbookTestSupport
import Testing
@testable import LogbookStats

/// Seeded samples of the shapes latencies take, heavy tails included.
enum LatencyShape: String, CaseIterable, Sendable {
    case uniform, exponential, lognormal, pareto, bimodalWithZeros

    func sample(_ n: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        func u() -> Double { Double.random(in: Double.ulpOfOne..<1, using: &g) }
        func normal() -> Double { (-2 * log(u())).squareRoot() * cos(2 * .pi * u()) }
        return (0..<n).map { _ in
            switch self {
            case .uniform: return 1 + 99 * u()
            case .exponential: return -20 * log(u())
            case .lognormal: return exp(3 + normal())
            case .pareto: return pow(u(), -1 / 1.1) // α = 1.1: a very heavy tail
            case .bimodalWithZeros: return u() < 0.05 ? 0 : (u() < 0.7 ? 5 + normal() * 0.5 : 250 + 40 * normal()).magnitude
            }
        }
    }
}

@Suite("Latency histogram")
struct LogHistogramTests {
    static let quantiles = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]

    @Test("every quantile is within 1% of the exact sorted value at its rank", arguments: LatencyShape.allCases)
    func accuracy(_ shape: LatencyShape) throws {
        let values = shape.sample(100_000, seed: 41)
        var h = LogHistogram()
        var added = 0
        for v in values where h.add(v) { added += 1 }
        #expect(added == values.count)
        let sorted = values.sorted()
        for q in Self.quantiles {
            let exact = sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            let estimate = try #require(h.quantile(q))
            #expect(abs(estimate - exact) <= LogHistogram.relativeAccuracy * exact + 1e-12,
                    "\(shape) q=\(q): exact \(exact), histogram \(estimate)")
        }
        #expect(h.buckets.count < 3000)
    }

    @Test("histograms of the parts (minutes) merge into exactly the histogram of the whole")
    func mergeIsExact() {
        let values = LatencyShape.lognormal.sample(20_000, seed: 42)
        var whole = LogHistogram()
        for v in values { whole.add(v) }
        var merged = LogHistogram()
        for chunk in stride(from: 0, to: values.count, by: 1_000) {
            var part = LogHistogram()
            for v in values[chunk..<(chunk + 1_000)] { part.add(v) }
            merged.merge(part)
        }
        #expect(merged == whole)
    }

    @Test("stored parts round-trip; parts that do not add up are refused; bad values are not added")
    func storedParts() throws {
        var h = LogHistogram()
        for v in LatencyShape.bimodalWithZeros.sample(1_000, seed: 43) { h.add(v) }
        let copy = try #require(LogHistogram(zeroCount: h.zeroCount, buckets: h.sortedBuckets, minimum: h.minimum, maximum: h.maximum))
        #expect(copy == h)
        #expect(LogHistogram(zeroCount: 0, buckets: [(3, 1), (3, 2)], minimum: 1, maximum: 2) == nil)
        #expect(LogHistogram(zeroCount: 0, buckets: [(3, 0)], minimum: 1, maximum: 2) == nil)
        #expect(LogHistogram(zeroCount: .max, buckets: [(3, 1)], minimum: 1, maximum: 2) == nil)
        for bad in [-1, .nan, .infinity] as [Double] {
            let accepted = h.add(bad)
            #expect(!accepted)
        }
        #expect(h.count == 1_000)
        #expect(LogHistogram().quantile(0.5) == nil && h.quantile(1.5) == nil)
    }
}

@Suite("Drift check")
struct DriftCheckTests {
    private func normals(_ n: Int, mean: Double, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
            return mean + (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
    }

    @Test("a planted mean shift of 0.5 standard deviations is flagged; an identical distribution is not")
    func plantedShift() throws {
        let baseline = normals(5_000, mean: 0, seed: 51)
        let same = try #require(DriftCheck.check(baseline: baseline, current: normals(5_000, mean: 0, seed: 52)))
        #expect(!same.drifted, "\(same)")
        let shifted = try #require(DriftCheck.check(baseline: baseline, current: normals(5_000, mean: 0.5, seed: 53)))
        #expect(shifted.drifted && shifted.ksPValue < 1e-10, "\(shifted)")
        // The numbers are the library's.
        let ks = try #require(KolmogorovSmirnov.twoSample(baseline, normals(5_000, mean: 0.5, seed: 53)))
        #expect(shifted.ksStatistic == ks.statistic && shifted.ksPValue == ks.pExact)
        #expect(shifted.psi == PopulationStability.index(baseline: baseline, current: normals(5_000, mean: 0.5, seed: 53))?.psi)
    }

    @Test("beyond the exact bound a reservoir sample moves PSI and KS by little and never the verdict")
    func reservoirEffect() throws {
        let baseline = normals(400_000, mean: 0, seed: 54)
        for (shift, seed) in [(0.0, 55), (0.02, 56), (0.5, 57)] as [(Double, UInt64)] {
            let current = normals(400_000, mean: shift, seed: seed)
            let full = try #require(DriftCheck.check(baseline: baseline, current: current, limit: .max))
            let sampled = try #require(DriftCheck.check(baseline: baseline, current: current))
            #expect(sampled.sampled && !full.sampled && sampled.baselineSize == DriftCheck.exactLimit)
            #expect(abs(sampled.ksStatistic - full.ksStatistic) < 0.01, "shift \(shift): \(sampled) vs \(full)")
            #expect(abs(sampled.psi - full.psi) < 0.005, "shift \(shift): \(sampled) vs \(full)")
            #expect(sampled.drifted == full.drifted, "shift \(shift)")
            #expect(DriftCheck.check(baseline: baseline, current: current) == sampled) // deterministic
        }
        // Streaming one value at a time keeps the same sample in bounded memory.
        var streamed = DriftCheck.Reservoir(size: 10_000, seed: 1)
        for v in 0..<1_000_000 { streamed.add(Double(v)) }
        #expect(streamed.values == DriftCheck.reservoir(Array(0..<1_000_000).map(Double.init), size: 10_000, seed: 1))
        #expect(streamed.seen == 1_000_000 && streamed.values.count == 10_000)
        let r = DriftCheck.reservoir(Array(0..<1_000_000).map(Double.init), size: 10_000, seed: 1)
        #expect(abs(r.reduce(0, +) / 10_000 - 499_999.5) < 10_000) // uniform: mean within ~3.5 standard errors
    }
}
