public import LogbookEvents
package import LogbookStats

/// `ab status`: the tallies per variant, each treatment against the control, the SRM check, guardrails,
/// power and the decision.
public struct ABStatusReport: Sendable {
    /// Per variant: name, version, weight, units, outcomes, conversions, mean, variance.
    public struct Variant: Sendable, Equatable {
        public var name: String
        public var version: Int
        public var weightBasisPoints: Int
        public var units: Int
        public var outcomes: Int
        public var conversions: Int
        public var mean: Double?
        public var variance: Double?
    }

    /// The test.
    public var test: ABTest
    /// The variants' tallies.
    public var variants: [Variant]
    /// The analysis (nil when it is undefined, e.g. an invalid alpha).
    package var analysis: ExperimentAnalysis?
    /// The decision: continue, winner:<variant>, no_difference, invalid:srm.
    public var decision: String { analysis?.decision ?? "continue" }
}

extension LogbookStore {
    /// An A/B test by name, or not found.
    public func requireABTest(_ name: String, in past: LogbookState? = nil) throws(LogbookError) -> ABTest {
        guard let t = (past ?? state).abTest(named: name) else { throw LogbookError.notFound("No A/B test named '\(name)'") }
        return t
    }

    /// Creates an A/B test between versions of a model. The first variant is the control; weights are basis
    /// points summing to 10,000; the salt defaults to the test's name.
    @discardableResult
    public func createABTest(name: String, model: String, variants: [ABVariant], metric: String, continuous: Bool = false,
                             guardrails: [ABGuardrail] = [], minimumSample: Int = 1000, alpha: Double = 0.05,
                             salt: String? = nil, sequential: Bool = false,
                             _ context: WriteContext) throws(LogbookError) -> ABTest {
        try Validate.name(name, "A/B test name")
        if state.abTest(named: name) != nil { throw LogbookError.refused("An A/B test named '\(name)' already exists") }
        let m = try requireModel(model)
        try Self.validateVariants(variants)
        for v in variants { _ = try requireVersion(m, v.version) }
        try Validate.name(metric, "metric", limit: 250)
        for g in guardrails {
            try Validate.name(g.metric, "guardrail metric", limit: 250)
            guard g.metric != metric else { throw LogbookError.usage("'\(metric)' is the primary metric, not a guardrail") }
        }
        guard Set(guardrails.map(\.metric)).count == guardrails.count else { throw LogbookError.usage("A guardrail is named twice") }
        guard alpha > 0 && alpha < 1 else { throw LogbookError.usage("--alpha must be between 0 and 1 (e.g. 0.05)") }
        guard minimumSample >= 0 else { throw LogbookError.usage("--min-sample must be 0 or more") }
        let s = salt ?? name
        try Validate.name(s, "salt")
        let ordinal = state.abTests.count + 1
        try append([.abTestCreated(test: ordinal, name: name, model: m.ordinal, variants: variants, metric: metric,
                                   continuous: continuous, guardrails: guardrails, minimumSample: minimumSample,
                                   alpha: alpha, salt: s, sequential: sequential)], context)
        return state.abTests[ordinal - 1]
    }

    /// The rules every test's variants obey (for created and imported tests alike): 2 to 26 variants with distinct
    /// valid names and positive basis-point weights summing to 10,000.
    static func validateVariants(_ variants: [ABVariant]) throws(LogbookError) {
        guard variants.count >= 2 else { throw LogbookError.usage("An A/B test needs at least two variants (a control and a treatment)") }
        guard variants.count <= 26 else { throw LogbookError.usage("An A/B test has at most 26 variants") }
        var names = Set<String>()
        for v in variants {
            try Validate.name(v.name, "variant name", limit: 64)
            guard names.insert(v.name).inserted else { throw LogbookError.usage("Variant '\(v.name)' is named twice") }
            guard v.weightBasisPoints > 0 else { throw LogbookError.usage("Variant '\(v.name)' has no traffic: weights must be positive") }
        }
        let total = variants.reduce(0) { $0 &+ $1.weightBasisPoints }
        guard total == 10_000 else {
            throw LogbookError.usage("The weights sum to \(total) basis points (\(Double(total) / 100)%); they must sum to 100%")
        }
    }

    /// Starts a created test.
    public func startABTest(_ name: String, _ context: WriteContext) throws(LogbookError) {
        let t = try requireABTest(name)
        guard t.status == .created else { throw LogbookError.refused("A/B test '\(name)' is \(t.status.rawValue); only a created test starts") }
        try append([.abTestStarted(test: t.ordinal)], context)
    }

    private func requireRunning(_ name: String) throws(LogbookError) -> ABTest {
        let t = try requireABTest(name)
        switch t.status {
        case .running: return t
        case .created: throw LogbookError.refused("A/B test '\(name)' has not started; start it with 'logbook ab start \(name)'")
        case .stopped, .concluded: throw LogbookError.refused("A/B test '\(name)' is \(t.status.rawValue); it takes no more units or outcomes")
        }
    }

    /// Assigns units to variants: deterministic (SHA-256 of `SALT.UNIT`, bucket mod 10,000, cumulative weights)
    /// and sticky (a unit assigned before keeps its recorded variant). New assignments are one batch.
    /// - Returns: the variant name of each unit, in order.
    @discardableResult
    public func assign(test name: String, units: [String], _ context: WriteContext) throws(LogbookError) -> [String] {
        let test = try requireABTest(name)
        // Units assigned before keep their variant whatever the test's status; new ones need it running.
        // The units' hashes, and their recorded variants found in one walk of the sorted assignments.
        let hashes = ABTest.unitHashes(salt: test.salt, units)
        let recorded = test.assignments.values(of: hashes, order: KeyOrder.ascending(hashes))
        let t = recorded.allSatisfy({ $0 != nil }) ? test : try requireRunning(name)
        var newUnits: [String] = [], newVariants: [Int] = []
        var seen: [UInt64: Int] = [:]
        var result: [String] = []
        result.reserveCapacity(units.count)
        for (i, unit) in units.enumerated() {
            try Validate.name(unit, "unit")
            let h = hashes[i]
            if let v = recorded[i] ?? seen[h].map(UInt8.init) {
                result.append(t.variants[Int(v)].name)
                continue
            }
            guard let v = t.variantIndex(forHash: h) else {
                throw LogbookError(.integrity, "A/B test '\(name)' has weights that do not cover every bucket")
            }
            seen[h] = v
            newUnits.append(unit)
            newVariants.append(v)
            result.append(t.variants[v].name)
        }
        if !newUnits.isEmpty { try append([.abUnitsAssigned(test: t.ordinal, units: newUnits, variants: newVariants)], context) }
        return result
    }

    /// Records outcomes of assigned units (one per unit and metric; 0 or 1 for a conversion metric).
    /// - Parameter outcomes: (unit, value, metric key — nil for the primary metric).
    public func recordOutcomes(test name: String, _ outcomes: [(unit: String, value: Double, metric: String?)],
                               _ context: WriteContext) throws(LogbookError) {
        let t = try requireRunning(name)
        var recorded: [ABOutcome] = []
        var seen = Set<SIMD2<UInt64>>()
        // The units' hashes; whether each is assigned, and has an outcome per metric, in one walk of each sorted set.
        let hashes = ABTest.unitHashes(salt: t.salt, outcomes.lazy.map(\.unit))
        let order = KeyOrder.ascending(hashes)
        let assigned = t.assignments.values(of: hashes, order: order)
        let measured = t.outcomeUnits.map { $0.values(of: hashes, order: order) }
        for (i, o) in outcomes.enumerated() {
            let h = hashes[i]
            let metric: Int
            if let key = o.metric, key != t.metric {
                guard let g = t.guardrails.firstIndex(where: { $0.metric == key }) else {
                    throw LogbookError.notFound("A/B test '\(name)' has no metric '\(key)' (primary: \(t.metric))")
                }
                metric = g + 1
            } else {
                metric = 0
            }
            guard o.value.isFinite else { throw LogbookError.usage("The outcome of '\(o.unit)' is \(o.value); outcomes are finite numbers") }
            if metric == 0 && !t.continuous && o.value != 0 && o.value != 1 {
                throw LogbookError.usage("'\(t.metric)' is a conversion metric: an outcome is 0 or 1, not \(o.value)")
            }
            guard assigned[i] != nil else {
                throw LogbookError.notFound("Unit '\(o.unit)' is not assigned in A/B test '\(name)'; assign it first")
            }
            guard measured[metric][i] == nil, seen.insert(SIMD2(h, UInt64(metric))).inserted else {
                throw LogbookError.refused("Unit '\(o.unit)' already has an outcome for '\(metric == 0 ? t.metric : t.guardrails[metric - 1].metric)'")
            }
            recorded.append(ABOutcome(unit: o.unit, metric: metric, value: o.value))
        }
        guard !recorded.isEmpty else { throw LogbookError.usage("No outcome to record") }
        try append([.abOutcomesRecorded(test: t.ordinal, outcomes: recorded)], context)
    }

    /// The status of a test, as of `past` (default now). O(variants): the tallies are kept streaming.
    public func abStatus(_ name: String, in past: LogbookState? = nil) throws(LogbookError) -> ABStatusReport {
        let t = try requireABTest(name, in: past)
        let variants = t.variants.indices.map { v in
            let tally = t.tallies[v][0]
            let mean: Double?, variance: Double?
            if t.continuous {
                mean = tally.summary.mean
                variance = tally.summary.sampleVariance
            } else {
                mean = t.units[v] > 0 ? Double(tally.conversions) / Double(t.units[v]) : nil
                variance = mean.map { $0 * (1 - $0) }
            }
            return ABStatusReport.Variant(name: t.variants[v].name, version: t.variants[v].version,
                                          weightBasisPoints: t.variants[v].weightBasisPoints, units: t.units[v],
                                          outcomes: tally.summary.count, conversions: tally.conversions, mean: mean,
                                          variance: variance)
        }
        return ABStatusReport(test: t, variants: variants, analysis: ExperimentAnalysis.analyse(t.arms, t.settings))
    }

    /// Stops a running test and records its conclusion. With `promoteWinner`, the winning variant's version is
    /// promoted through the registry's promotion path (its evaluation recording the test's statistics); without a
    /// clear winner among the treatments that is refused and nothing is appended.
    @discardableResult
    public func stopABTest(_ name: String, promoteWinner: Bool = false,
                           _ context: WriteContext) throws(LogbookError) -> ABStatusReport {
        if let existing = state.abTest(named: name), existing.status == .stopped || existing.status == .concluded {
            throw LogbookError.refused("A/B test '\(name)' is already \(existing.status.rawValue) (\(existing.decision ?? "no decision"))")
        }
        let t = try requireRunning(name)
        let report = try abStatus(name)
        var events: [Event] = [.abTestStopped(test: t.ordinal)]
        var promoted: Int?
        if promoteWinner {
            guard report.decision.hasPrefix("winner:"),
                  let w = t.variants.firstIndex(where: { "winner:" + $0.name == report.decision }), w != 0 else {
                throw LogbookError.refused("A/B test '\(name)' has no winning treatment to promote (decision: \(report.decision)); "
                                           + "stop it without --promote-winner, or let it run")
            }
            promoted = w
            let m = state.model(ordinal: t.model)
            let comparison = report.analysis?.comparisons.first { $0.variant == t.variants[w].name }
            let version = t.variants[w].version
            guard m.versions[version - 1].pendingPromotionBy == nil else {
                throw LogbookError.refused("Version \(version) of '\(m.name)' is already awaiting approval")
            }
            // The model's promotion policy still applies: the A/B result is evidence, not a bypass.
            var policyNote = ""
            if m.policy != nil {
                let evaluation = try evaluatePromotion(model: m, version: version)
                guard evaluation.decision != .rejected else {
                    throw LogbookError.refused("A/B test '\(name)' found winner '\(t.variants[w].name)', but the promotion policy of "
                                               + "'\(m.name)' rejects version \(version): \(evaluation.explanation)")
                }
                policyNote = "; policy: \(evaluation.explanation)"
            }
            let pending = m.policy?.requiresApproval == true
            let evaluation = PromotionEvaluation(
                challengerValue: report.variants[w].mean, champion: t.variants[0].version,
                championValue: report.variants[0].mean, improvementPercent: comparison?.relativeLift.map { $0 * 100 },
                latencyMs: nil, decision: pending ? .pendingApproval : .promoted,
                explanation: "A/B test \(name): \(report.decision); lift \(comparison?.lift.map(Self.format) ?? "-"), "
                    + "p \(comparison.map { Self.format($0.pValue) } ?? "-"), "
                    + "chance to win \(comparison?.chanceToWin.map(Self.format) ?? "-"), SRM p \(Self.format(report.analysis?.srmPValue ?? 1))"
                    + policyNote)
            events.append(.promotionEvaluated(model: m.ordinal, version: t.variants[w].version, evaluation: evaluation))
            if !pending && m.versions[t.variants[w].version - 1].stage != .production {
                events.append(stageChange(m, to: t.variants[w].version, stage: .production))
            }
        }
        events.append(.abTestConcluded(test: t.ordinal, decision: report.decision, promotedVariant: promoted))
        var ctx = context
        if ctx.reason == nil { ctx.reason = "A/B test \(name) concluded: \(report.decision)" }
        try append(events, ctx)
        return report
    }

    /// Sample size per arm for a two-proportion test (`ab plan`): the pooled-variance formula.
    public static func planSampleSize(baseline: Double, effect: Double, relative: Bool, alpha: Double = 0.05,
                                      power: Double = 0.8) throws(LogbookError) -> (perArm: Int, treatmentRate: Double) {
        guard baseline > 0 && baseline < 1 else { throw LogbookError.usage("--baseline must be a rate between 0 and 1") }
        guard alpha > 0 && alpha < 1, power > 0 && power < 1 else { throw LogbookError.usage("--alpha and --power must be between 0 and 1") }
        guard let r = SampleSize.twoProportions(baseline: baseline, effect: relative ? .relative(effect) : .absolute(effect),
                                                alpha: alpha, power: power, ratio: 1) else {
            throw LogbookError.usage("No sample size for baseline \(baseline) and effect \(effect): the treatment rate must stay between 0 and 1 and differ from the baseline")
        }
        return (r.pooledA, relative ? baseline * (1 + effect) : baseline + effect)
    }
}
