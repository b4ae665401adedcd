import LogbookEvents
import LogbookTestSupport

/// Seeded random events over every case, with the values that break codecs: empty, non-ASCII and long strings,
/// absent and present optionals, extreme integers, NaN payloads, infinities and -0.0.
struct RandomEvents {
    var g: SeededGenerator

    init(seed: UInt64) { g = SeededGenerator(seed: seed) }

    /// The number of event cases (the catalog has 42).
    static let caseCount = 42

    mutating func below(_ n: Int) -> Int { Int(g.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    static let scalars: [Unicode.Scalar] = [
        "a", "b", "z", "A", "Z", "0", "9", " ", "-", "_", ".", "/", "\0", "\n", "\u{7F}", "é", "ß", "ø", "Ω", "日", "本",
        "\u{301}", "\u{200D}", "\u{FEFF}", "\u{FFFD}", "\u{E000}", "\u{FFFF}", "🧪", "🇫", "🇷", "\u{10FFFF}", "\u{10000}",
    ]

    mutating func string() -> String {
        let length: Int
        switch below(10) {
        case 0, 1: length = 0
        case 2: length = 500 + below(3000)
        default: length = 1 + below(16)
        }
        var s = String.UnicodeScalarView()
        for _ in 0..<length { s.append(Self.scalars[below(Self.scalars.count)]) }
        return String(s)
    }

    mutating func optional<T>(_ make: (inout RandomEvents) -> T) -> T? { chance(50) ? make(&self) : nil }

    /// An ordinal: usually small, sometimes at the extremes of Int.
    mutating func ordinal() -> Int {
        switch below(10) {
        case 0: [0, 1, 127, 128, 16_383, 16_384, Int.max, Int.min, -1][below(9)]
        case 1: Int(truncatingIfNeeded: g.next())
        default: 1 + below(1000)
        }
    }

    mutating func int64() -> Int64 {
        switch below(4) {
        case 0: [Int64.min, Int64.max, 0, -1, 1, Int64.min + 1, Int64.max - 1][below(7)]
        case 1: Int64(truncatingIfNeeded: g.next())
        case 2: 1_767_225_600_000 + Int64(below(1_000_000))
        default: Int64(below(1000)) - 500
        }
    }

    mutating func uint64() -> UInt64 {
        switch below(3) {
        case 0: [UInt64.min, UInt64.max, 1, UInt64(Int64.max), UInt64(Int64.max) + 1][below(5)]
        case 1: g.next()
        default: UInt64(below(100_000))
        }
    }

    mutating func double() -> Double {
        switch below(6) {
        case 0:
            return [Double.nan, -Double.nan, Double.signalingNaN, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF),
                    Double(bitPattern: 0xFFF0_0000_0000_0001), .infinity, -.infinity, 0.0, -0.0,
                    .leastNonzeroMagnitude, -.greatestFiniteMagnitude, .ulpOfOne][below(12)]
        case 1: return Double(bitPattern: g.next())
        default: return Double(g.next() % 1_000_000) / 1_000_000
        }
    }

    mutating func keyValues() -> [KeyValue] {
        (0..<below(5)).map { _ in KeyValue(string(), string()) }
    }

    mutating func points() -> [MetricPoint] {
        let n = below(4) == 0 ? below(200) : below(8)
        let sequential = chance(60)
        var step = sequential ? Int64(below(10)) : 0
        var time = sequential ? 1_767_225_600_000 + Int64(below(100_000)) : 0
        return (0..<n).map { _ in
            if sequential {
                step += 1
                time += Int64(below(2000))
                return MetricPoint(step: step, value: double(), time: time)
            }
            return MetricPoint(step: int64(), value: double(), time: int64())
        }
    }

    mutating func metricsLogged() -> Event {
        .metricsLogged(run: ordinal(), series: (0..<below(5)).map { _ in MetricSeries(key: string(), points: points()) })
    }

    mutating func entry() -> Entry { entry(case: below(Self.caseCount)) }

    mutating func entry(case index: Int) -> Entry {
        let actor = string()
        let reason = optional { $0.string() }
        return Entry(actor, reason, event(case: index))
    }

    /// A random event of the `index`-th case (catalog order).
    mutating func event(case index: Int) -> Event {
        switch index {
        case 0: return .experimentCreated(id: ordinal(), name: string(), tags: keyValues())
        case 1: return .experimentRenamed(id: ordinal(), name: string())
        case 2: return .experimentDeleted(id: ordinal())
        case 3: return .experimentRestored(id: ordinal())
        case 4:
            return .runStarted(run: ordinal(), id: string(), experiment: ordinal(), name: string(),
                               parent: optional { $0.ordinal() }, tags: keyValues(), source: optional { $0.string() },
                               gitCommit: optional { $0.string() })
        case 5: return .paramsLogged(run: ordinal(), params: keyValues())
        case 6: return metricsLogged()
        case 7: return .tagsSet(run: ordinal(), tags: keyValues())
        case 8: return .tagsDeleted(run: ordinal(), keys: (0..<below(5)).map { _ in string() })
        case 9: return .artifactRecorded(run: ordinal(), path: string(), size: int64(), sha256: string())
        case 10: return .datasetLinked(run: ordinal(), name: string(), digest: string())
        case 11: return .runEnded(run: ordinal(), status: RunStatus.allCases[below(RunStatus.allCases.count)])
        case 12: return .runDeleted(run: ordinal())
        case 13: return .runRestored(run: ordinal())
        case 14:
            return .modelCreated(model: ordinal(), name: string(), description: optional { $0.string() },
                                 owner: optional { $0.string() }, purpose: optional { $0.string() },
                                 riskTier: RiskTier.allCases[below(RiskTier.allCases.count)])
        case 15:
            return .modelUpdated(model: ordinal(), description: optional { $0.string() }, owner: optional { $0.string() },
                                 purpose: optional { $0.string() },
                                 riskTier: optional { $0.pick(RiskTier.allCases) },
                                 validation: optional { $0.pick(ValidationStatus.allCases) })
        case 16: return .modelDeleted(model: ordinal())
        case 17: return .modelRestored(model: ordinal())
        case 18:
            return .versionRegistered(model: ordinal(), version: ordinal(), run: ordinal(),
                                      artifactPath: optional { $0.string() }, artifactSHA256: optional { $0.string() },
                                      parent: optional { $0.ordinal() }, description: optional { $0.string() },
                                      datasets: keyValues(), metrics: keyValues())
        case 19:
            return .stageChanged(model: ordinal(), version: ordinal(), from: pick(Stage.allCases), to: pick(Stage.allCases),
                                 archived: (0..<below(5)).map { _ in ordinal() })
        case 20: return .aliasSet(model: ordinal(), alias: string(), version: ordinal())
        case 21: return .aliasRemoved(model: ordinal(), alias: string())
        case 22:
            return .policySet(model: ordinal(), policy: PromotionPolicy(
                metric: string(), lowerIsBetter: chance(50), minimum: optional { $0.double() },
                improvementPercent: optional { $0.double() }, maxLatencyMs: optional { $0.double() },
                requiresApproval: chance(50), separateApprover: chance(50)))
        case 23:
            return .promotionEvaluated(model: ordinal(), version: ordinal(), evaluation: PromotionEvaluation(
                challengerValue: optional { $0.double() }, champion: optional { $0.ordinal() },
                championValue: optional { $0.double() }, improvementPercent: optional { $0.double() },
                latencyMs: optional { $0.double() }, decision: pick(PromotionDecision.allCases), explanation: string()))
        case 24: return .promotionApproved(model: ordinal(), version: ordinal())
        case 25: return .promotionRejected(model: ordinal(), version: ordinal())
        case 26: return .rollbackPerformed(model: ordinal(), toTime: optional { $0.int64() }, toSequence: optional { $0.uint64() })
        case 27:
            return .abTestCreated(test: ordinal(), name: string(), model: ordinal(),
                                  variants: (0..<below(5)).map { _ in ABVariant(name: string(), version: ordinal(), weightBasisPoints: ordinal()) },
                                  metric: string(), continuous: chance(50),
                                  guardrails: (0..<below(4)).map { _ in ABGuardrail(metric: string(), higherIsWorse: chance(50)) },
                                  minimumSample: ordinal(), alpha: double(), salt: string(), sequential: chance(50))
        case 28: return .abTestStarted(test: ordinal())
        case 29:
            let n = below(6)
            return .abUnitsAssigned(test: ordinal(), units: (0..<n).map { _ in string() }, variants: (0..<n).map { _ in ordinal() })
        case 30:
            return .abOutcomesRecorded(test: ordinal(), outcomes: (0..<below(6)).map { _ in
                ABOutcome(unit: string(), metric: ordinal(), value: double())
            })
        case 31: return .abTestStopped(test: ordinal())
        case 32: return .abTestConcluded(test: ordinal(), decision: string(), promotedVariant: optional { $0.ordinal() })
        case 33: return .storeRepaired(truncatedAfter: uint64(), removedBytes: int64(), savedTo: string())
        case 34:
            let n = below(6)
            return .predictionsLogged(model: ordinal(), version: ordinal(), latencies: (0..<n).map { _ in double() },
                                      predictions: (0..<n).map { _ in optional { $0.double() } },
                                      actuals: (0..<n).map { _ in optional { $0.double() } })
        case 35: return .baselineSet(model: ordinal(), version: ordinal(), values: (0..<below(6)).map { _ in double() }, source: string())
        case 36:
            return .driftChecked(model: ordinal(), version: ordinal(), since: optional { $0.int64() }, psi: double(),
                                 ksStatistic: double(), ksPValue: double(), drifted: chance(50), baselineSize: ordinal(),
                                 currentSize: ordinal())
        case 37:
            return .alertRaised(model: ordinal(), version: ordinal(), kind: string(), metric: string(), threshold: double(),
                                observed: double(), message: string())
        case 38: return .monitorThresholdsSet(model: ordinal(), psi: double(), ksPValue: double(), relativeDrop: double())
        case 39: return .storePruned(throughSequence: uint64(), throughTime: int64(), chain: string(), segments: ordinal(),
                                     bytes: int64())
        case 40: return .retentionSet(minDays: ordinal())
        case 41: return .identityErased(pseudonym: string())
        default: fatalError("no case \(index)")
        }
    }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}
