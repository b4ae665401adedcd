import Foundation
import LogbookTestSupport
import Testing
@testable import LogbookStats

/// Simulated arms: `units` units each, converting with probability `rate` (seeded).
private func binaryArm(_ name: String, weight: Int, units: Int, rate: Double, _ g: inout SeededGenerator) -> ArmTally {
    var tally = MetricTally()
    for _ in 0..<units { tally.add(Double.random(in: 0..<1, using: &g) < rate ? 1 : 0) }
    return ArmTally(name: name, weightBasisPoints: weight, units: units, primary: tally, guardrails: [])
}

/// A normal sample via Box–Muller.
private func normal(_ g: inout SeededGenerator, mean: Double = 0, sd: Double = 1) -> Double {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
    return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}

@Suite("A/B analysis")
struct ExperimentAnalysisTests {
    @Test("comparison numbers are exactly the library's z-test, chance to win and SRM on seeded data")
    func matchesLibrary() throws {
        var g = SeededGenerator(seed: 21)
        let a = binaryArm("control", weight: 5000, units: 4000, rate: 0.10, &g)
        let b = binaryArm("new", weight: 5000, units: 4100, rate: 0.11, &g)
        let analysis = try #require(ExperimentAnalysis.analyse([a, b], AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 1000)))
        let z = try #require(ProportionZTest.test(conversionsA: a.primary.conversions, unitsA: 4000,
                                                  conversionsB: b.primary.conversions, unitsB: 4100, alpha: 0.05))
        let c = analysis.comparisons[0]
        #expect(c.lift == z.difference && c.relativeLift == z.relativeLift && c.rawPValue == z.pValueTwoSided)
        #expect(c.pValue == z.pValueTwoSided) // one treatment: no adjustment
        #expect(c.interval == z.differenceInterval)
        #expect(c.chanceToWin == BayesianChanceToWin.twoArm(successesA: a.primary.conversions, trialsA: 4000,
                                                           successesB: b.primary.conversions, trialsB: 4100)?.probabilityBBeatsA)
        #expect(analysis.srmPValue == SampleRatioMismatch.test(observed: [4000, 4100], weights: [5000, 5000])?.pValue)
        #expect(analysis.isPowerReached)
    }

    @Test("several treatments are Holm-adjusted")
    func holm() throws {
        var g = SeededGenerator(seed: 22)
        let arms = [binaryArm("a", weight: 3334, units: 3000, rate: 0.1, &g), binaryArm("b", weight: 3333, units: 3000, rate: 0.12, &g),
                    binaryArm("c", weight: 3333, units: 3000, rate: 0.1, &g)]
        let analysis = try #require(ExperimentAnalysis.analyse(arms, AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 100)))
        let holm = try #require(MultipleTesting.holm(analysis.comparisons.map(\.rawPValue), alpha: 0.05))
        #expect(analysis.comparisons.map(\.pValue) == holm.adjusted)
        #expect(analysis.comparisons[0].pValue >= analysis.comparisons[0].rawPValue)
    }

    @Test("a planted 2-point lift on 20,000 units per arm is found")
    func plantedLift() throws {
        var g = SeededGenerator(seed: 23)
        let a = binaryArm("control", weight: 5000, units: 20_000, rate: 0.10, &g)
        let b = binaryArm("treatment", weight: 5000, units: 20_000, rate: 0.12, &g)
        let analysis = try #require(ExperimentAnalysis.analyse([a, b], AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 10_000)))
        #expect(analysis.decision == "winner:treatment")
        #expect(analysis.comparisons[0].isSignificant)
        #expect((analysis.comparisons[0].chanceToWin ?? 0) > 0.99)
        // The always-valid p-value finds it too (it pays for peeking with some power, not with false positives).
        let tau2 = try #require(ExperimentAnalysis.mixingVariance(a, b, binary: true))
        let look = try #require(ExperimentAnalysis.sequentialPValue(a, b, binary: true, tauSquared: tau2))
        #expect(look.pValue < 0.05 && look.difference > 0)
        // The same data under the minimum sample is still "continue"; with no lift it is "no_difference".
        #expect(ExperimentAnalysis.analyse([a, b], AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 30_000))?.decision == "continue")
        let same = binaryArm("treatment", weight: 5000, units: 20_000, rate: 0.10, &g)
        let flat = try #require(ExperimentAnalysis.analyse([a, same], AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 10_000)))
        #expect(flat.decision == "no_difference" || flat.comparisons[0].isSignificant) // 5% of seeds are false positives
        #expect(flat.decision == "no_difference") // and this seed is not one of them
    }

    @Test("an SRM planted by dropping 5% of one arm's units is flagged and overrides everything")
    func plantedSRM() throws {
        var g = SeededGenerator(seed: 24)
        let a = binaryArm("control", weight: 5000, units: 20_000, rate: 0.10, &g)
        let b = binaryArm("treatment", weight: 5000, units: 19_000, rate: 0.12, &g)
        let analysis = try #require(ExperimentAnalysis.analyse([a, b], AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 1000)))
        #expect(analysis.srmPValue < 0.001)
        #expect(analysis.decision == "invalid:srm")
    }

    @Test("continuous metrics use Welch; a guardrail moving the bad way blocks the winner")
    func continuousAndGuardrails() throws {
        var g = SeededGenerator(seed: 25)
        func arm(_ name: String, mean: Double, latency: Double) -> ArmTally {
            var primary = MetricTally(), guardrail = MetricTally()
            for _ in 0..<5000 {
                primary.add(normal(&g, mean: mean))
                guardrail.add(normal(&g, mean: latency, sd: 5))
            }
            return ArmTally(name: name, weightBasisPoints: 5000, units: 5000, primary: primary, guardrails: [guardrail])
        }
        let a = arm("control", mean: 10, latency: 100), b = arm("faster", mean: 10.2, latency: 100), c = arm("slow", mean: 10.2, latency: 103)
        let good = try #require(ExperimentAnalysis.analyse([a, b], AnalysisSettings(binary: false, alpha: 0.05, minimumSample: 1000,
                                                                                       guardrailDirections: [.higher])))
        let w = try #require(WelchTTest.test(a.primary.summary.summary!, b.primary.summary.summary!, alpha: 0.05))
        #expect(good.comparisons[0].rawPValue == w.pValueTwoSided && good.comparisons[0].lift == w.difference)
        #expect(good.decision == "winner:faster")
        #expect(good.guardrails.count == 1 && !good.guardrails[0].isViolated)
        let bad = try #require(ExperimentAnalysis.analyse([a, c], AnalysisSettings(binary: false, alpha: 0.05, minimumSample: 1000,
                                                                                      guardrailDirections: [.higher])))
        #expect(bad.guardrails[0].isViolated)
        #expect(bad.decision != "winner:slow")
    }

    /// `LOGBOOK_AA_SIMULATIONS` raises the number of simulated A/A tests (default 1,000).
    static let simulations = Int(ProcessInfo.processInfo.environment["LOGBOOK_AA_SIMULATIONS"] ?? "") ?? 1000

    @Test("peeking every 100 units: the always-valid p-value keeps A/A false positives at α; the fixed test does not")
    func sequentialAA() throws {
        var g = SeededGenerator(seed: 26)
        let alpha = 0.05, rate = 0.1, perArm = 5000, peek = 100
        var fixedFalsePositives = 0, sequentialFalsePositives = 0
        for _ in 0..<Self.simulations {
            var a = ArmTally(name: "a", weightBasisPoints: 5000, units: 0, primary: MetricTally(), guardrails: [])
            var b = a
            b.name = "b"
            var minimumP = 1.0
            var tau2: Double?
            var fixedRejected = false, sequentialRejected = false
            for n in 1...perArm {
                a.units += 1; a.primary.add(Double.random(in: 0..<1, using: &g) < rate ? 1 : 0)
                b.units += 1; b.primary.add(Double.random(in: 0..<1, using: &g) < rate ? 1 : 0)
                guard n % peek == 0 else { continue }
                // τ² is fixed at the first look where it is defined, as the store does.
                if tau2 == nil { tau2 = ExperimentAnalysis.mixingVariance(a, b, binary: true) }
                if let tau2, let look = ExperimentAnalysis.sequentialPValue(a, b, binary: true, tauSquared: tau2) {
                    minimumP = min(minimumP, look.pValue)
                }
                if minimumP <= alpha { sequentialRejected = true }
                if let z = ProportionZTest.test(conversionsA: a.primary.conversions, unitsA: a.units,
                                                conversionsB: b.primary.conversions, unitsB: b.units), z.pValueTwoSided < alpha {
                    fixedRejected = true
                }
            }
            if fixedRejected { fixedFalsePositives += 1 }
            if sequentialRejected { sequentialFalsePositives += 1 }
        }
        let fixedRate = Double(fixedFalsePositives) / Double(Self.simulations)
        let sequentialRate = Double(sequentialFalsePositives) / Double(Self.simulations)
        // Margin: three binomial standard errors of a 5% rate over the simulations (0.021 at 1,000).
        let margin = 3 * (alpha * (1 - alpha) / Double(Self.simulations)).squareRoot()
        print("A/A with peeking every \(peek) units, \(Self.simulations) tests: fixed \(fixedRate), sequential \(sequentialRate)")
        #expect(sequentialRate <= alpha + margin)
        #expect(fixedRate > 2 * alpha)
    }

    @Test("sequential mode declares a winner only in the direction whose always-valid p-value crossed alpha")
    func sequentialDirection() throws {
        func arm(_ name: String, units: Int, conversions: Int) -> ArmTally {
            var tally = MetricTally()
            for i in 0..<units { tally.add(i < conversions ? 1 : 0) }
            return ArmTally(name: name, weightBasisPoints: 5000, units: units, primary: tally, guardrails: [])
        }
        // Early on the treatment was far behind (crossed in the negative direction); now it is slightly ahead.
        let settings = AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 100, sequential: true,
                                        sequentialMinimumPositive: [0.4], sequentialMinimumNegative: [1e-100])
        let now = try #require(ExperimentAnalysis.analyse([arm("c", units: 4000, conversions: 600), arm("t", units: 4000, conversions: 650)], settings))
        #expect(now.decision != "winner:t")
        #expect(now.comparisons[0].significantDirection == -1)
        // With several treatments the always-valid p-values are Holm-adjusted too.
        let three = AnalysisSettings(binary: true, alpha: 0.05, minimumSample: 100, sequential: true,
                                     sequentialMinimumPositive: [0.03, 0.5], sequentialMinimumNegative: [nil, nil])
        let arms = [arm("c", units: 1000, conversions: 100), arm("t1", units: 1000, conversions: 130), arm("t2", units: 1000, conversions: 100)]
        let adjusted = try #require(ExperimentAnalysis.analyse(arms, three))
        #expect(adjusted.comparisons[0].pValue == 0.06 && !adjusted.comparisons[0].isSignificant)
    }
}
