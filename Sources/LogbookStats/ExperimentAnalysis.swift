/// The tallies of one metric in one arm of an A/B test, kept streaming (O(1) per outcome).
package struct MetricTally: Sendable, Equatable {
    /// Outcomes recorded.
    package var summary = RunningSummary()
    /// Outcomes equal to 1 (for a conversion metric).
    package var conversions = 0

    /// An empty tally.
    package init() {}

    /// Adds one outcome.
    package mutating func add(_ value: Double) {
        summary.add(value)
        if value == 1 { conversions += 1 }
    }
}

/// One arm of an A/B test as the analysis sees it. The first arm is the control.
package struct ArmTally: Sendable, Equatable {
    /// Variant name.
    package var name: String
    /// Planned share in basis points (of 10,000).
    package var weightBasisPoints: Int
    /// Units assigned.
    package var units: Int
    /// The primary metric.
    package var primary: MetricTally
    /// The guardrail metrics, in the test's guardrail order.
    package var guardrails: [MetricTally]

    /// Makes a tally.
    package init(name: String, weightBasisPoints: Int, units: Int, primary: MetricTally, guardrails: [MetricTally]) {
        self.name = name
        self.weightBasisPoints = weightBasisPoints
        self.units = units
        self.primary = primary
        self.guardrails = guardrails
    }
}

/// Which way a guardrail metric must not move.
package enum BadDirection: UInt8, Sendable {
    /// Harm is a decrease (e.g. revenue).
    case lower = 0
    /// Harm is an increase (e.g. latency, errors).
    case higher = 1
}

/// How to analyse a test.
package struct AnalysisSettings: Sendable, Equatable {
    /// Conversion (0/1 per unit, denominator = units assigned) or continuous (Welch over the outcomes).
    package var binary: Bool
    /// Two-sided significance level.
    package var alpha: Double
    /// Units per arm before a fixed-horizon decision is made.
    package var minimumSample: Int
    /// For each guardrail, the direction that counts as harm.
    package var guardrailDirections: [BadDirection]
    /// Sequential mode: decide on always-valid p-values (see ``SequentialTest``), allowed at any look.
    package var sequential: Bool
    /// In sequential mode, per treatment, the running minimum of the always-valid p-value over the looks where the
    /// treatment was ahead (`positive`) and where it was behind (`negative`), kept by the caller; nil: not yet
    /// defined. A direction is significant when its own minimum is below α (after Holm with several treatments).
    package var sequentialMinimumPositive: [Double?]
    package var sequentialMinimumNegative: [Double?]
    /// Per treatment, the fixed mixing variance τ² of its sequential test (nil: not fixed yet).
    package var sequentialTauSquared: [Double?] = []

    /// Makes settings.
    package init(binary: Bool, alpha: Double, minimumSample: Int, guardrailDirections: [BadDirection] = [],
                 sequential: Bool = false, sequentialMinimumPositive: [Double?] = [], sequentialMinimumNegative: [Double?] = []) {
        self.binary = binary
        self.alpha = alpha
        self.minimumSample = minimumSample
        self.guardrailDirections = guardrailDirections
        self.sequential = sequential
        self.sequentialMinimumPositive = sequentialMinimumPositive
        self.sequentialMinimumNegative = sequentialMinimumNegative
    }
}

/// One treatment compared with the control.
package struct ArmComparison: Sendable, Equatable {
    /// The treatment.
    package var variant: String
    /// The control.
    package var against: String
    /// Absolute lift (difference of rates or means); nil without data.
    package var lift: Double?
    /// Relative lift; nil when the control is 0.
    package var relativeLift: Double?
    /// Interval of the absolute lift at 1 − α (Wald for rates, Welch for means; always-valid in sequential mode).
    package var interval: ConfidenceInterval?
    /// The p-value used for the decision: Holm-adjusted with several treatments; always-valid in sequential mode.
    package var pValue: Double
    /// The unadjusted fixed-horizon p-value.
    package var rawPValue: Double
    /// Whether `pValue` < α.
    package var isSignificant: Bool
    /// +1 when significantly better than the control, −1 when significantly worse, 0 otherwise (in sequential mode,
    /// the direction whose always-valid p-value crossed α, whatever the lift is now).
    package var significantDirection = 0
    /// Probability that the treatment beats the control (Beta posteriors for rates; normal approximation for means).
    package var chanceToWin: Double?
}

/// A guardrail metric of one treatment against the control.
package struct GuardrailResult: Sendable, Equatable {
    /// The guardrail's index in the test.
    package var guardrail: Int
    /// The treatment.
    package var variant: String
    /// Difference of means (treatment − control).
    package var lift: Double?
    /// Welch p-value of the difference (two-sided).
    package var pValue: Double
    /// Significant harm: moved the bad way with p < α.
    package var isViolated: Bool
}

/// The analysis of an A/B test: comparisons, sample-ratio check, guardrails, power and a decision.
package struct ExperimentAnalysis: Sendable, Equatable {
    /// Each treatment against the control.
    package var comparisons: [ArmComparison]
    /// p-value of the chi-square sample-ratio-mismatch test over units per arm (1 without units).
    package var srmPValue: Double
    /// Guardrail results per treatment.
    package var guardrails: [GuardrailResult]
    /// Whether every arm has at least the minimum sample.
    package var isPowerReached: Bool
    /// `continue`, `winner:<variant>`, `no_difference` or `invalid:srm`.
    package var decision: String

    /// The SRM alert threshold (the usual 0.001).
    package static let srmThreshold = 0.001

    /// Analyses `arms` (the first is the control); nil for fewer than two arms.
    package static func analyse(_ arms: [ArmTally], _ settings: AnalysisSettings) -> ExperimentAnalysis? {
        guard arms.count >= 2, settings.alpha > 0, settings.alpha < 1 else { return nil }
        let control = arms[0]
        var comparisons: [ArmComparison] = []
        for (i, arm) in arms.enumerated().dropFirst() {
            var c = ArmComparison(variant: arm.name, against: control.name, pValue: 1, rawPValue: 1, isSignificant: false)
            if settings.binary {
                if let z = ProportionZTest.test(conversionsA: control.primary.conversions, unitsA: control.units,
                                                conversionsB: arm.primary.conversions, unitsB: arm.units,
                                                alpha: settings.alpha) {
                    c.lift = z.difference
                    c.relativeLift = z.relativeLift
                    c.interval = z.differenceInterval
                    c.rawPValue = z.pValueTwoSided
                }
                c.chanceToWin = BayesianChanceToWin.twoArm(
                    successesA: control.primary.conversions, trialsA: control.units,
                    successesB: arm.primary.conversions, trialsB: arm.units)?.probabilityBBeatsA
            } else if let a = control.primary.summary.summary, let b = arm.primary.summary.summary,
                      let w = WelchTTest.test(a, b, alpha: settings.alpha) {
                c.lift = w.difference
                c.relativeLift = w.relativeLift
                c.interval = w.differenceInterval
                c.rawPValue = w.pValueTwoSided
                if w.standardError > 0 { c.chanceToWin = Normal.cdf(w.difference / w.standardError) }
            }
            if settings.sequential {
                let positive = i - 1 < settings.sequentialMinimumPositive.count ? settings.sequentialMinimumPositive[i - 1] : nil
                let negative = i - 1 < settings.sequentialMinimumNegative.count ? settings.sequentialMinimumNegative[i - 1] : nil
                c.pValue = min(positive ?? 1, negative ?? 1)
                c.significantDirection = (positive ?? 1) <= (negative ?? 1) ? 1 : -1 // provisional: the stronger side
                let fixed = i - 1 < settings.sequentialTauSquared.count ? settings.sequentialTauSquared[i - 1] : nil
                if let (difference, variance) = differenceAndVariance(control, arm, binary: settings.binary),
                   let tau2 = fixed ?? mixingVariance(control, arm, binary: settings.binary) {
                    c.interval = SequentialTest.interval(difference: difference, variance: variance, tauSquared: tau2,
                                                         alpha: settings.alpha)
                }
            } else {
                c.pValue = c.rawPValue
            }
            comparisons.append(c)
        }
        // Holm across several treatments, on the p-values the decision uses (fixed or always-valid).
        if comparisons.count > 1, let holm = MultipleTesting.holm(comparisons.map(\.pValue), alpha: settings.alpha) {
            for i in comparisons.indices { comparisons[i].pValue = holm.adjusted[i] }
        }
        for i in comparisons.indices {
            let significant = comparisons[i].pValue < settings.alpha
            comparisons[i].isSignificant = significant
            if !settings.sequential {
                let lift = comparisons[i].lift ?? 0
                comparisons[i].significantDirection = lift > 0 ? 1 : lift < 0 ? -1 : 0
            }
            if !significant { comparisons[i].significantDirection = 0 }
        }

        let srm = SampleRatioMismatch.test(observed: arms.map(\.units), weights: arms.map { Double($0.weightBasisPoints) })
        var guardrails: [GuardrailResult] = []
        for (g, direction) in settings.guardrailDirections.enumerated() {
            for arm in arms.dropFirst() {
                guard g < control.guardrails.count, g < arm.guardrails.count else { continue }
                var r = GuardrailResult(guardrail: g, variant: arm.name, pValue: 1, isViolated: false)
                if let a = control.guardrails[g].summary.summary, let b = arm.guardrails[g].summary.summary,
                   let w = WelchTTest.test(a, b, alpha: settings.alpha) {
                    r.lift = w.difference
                    r.pValue = w.pValueTwoSided
                    let harmful = direction == .lower ? w.difference < 0 : w.difference > 0
                    r.isViolated = harmful && w.pValueTwoSided < settings.alpha
                }
                guardrails.append(r)
            }
        }
        let powerReached = arms.allSatisfy { $0.units >= settings.minimumSample }
        let decision: String
        if let srm, srm.pValue < srmThreshold {
            decision = "invalid:srm"
        } else if !settings.sequential && !powerReached {
            decision = "continue"
        } else {
            let harmed = Set(guardrails.filter(\.isViolated).map(\.variant))
            let winners = comparisons.filter { $0.significantDirection > 0 && !harmed.contains($0.variant) }
            if let best = winners.max(by: { ($0.lift ?? 0) < ($1.lift ?? 0) }) {
                decision = "winner:\(best.variant)"
            } else if comparisons.allSatisfy({ $0.significantDirection < 0 }) {
                decision = "winner:\(control.name)"
            } else if powerReached && !comparisons.contains(where: \.isSignificant) {
                decision = "no_difference"
            } else {
                decision = "continue"
            }
        }
        return ExperimentAnalysis(comparisons: comparisons, srmPValue: srm?.pValue ?? 1, guardrails: guardrails,
                                  isPowerReached: powerReached, decision: decision)
    }

    /// The estimated difference of the primary metric (treatment − control) and its variance.
    package static func differenceAndVariance(_ a: ArmTally, _ b: ArmTally, binary: Bool) -> (Double, Double)? {
        if binary {
            guard a.units > 0, b.units > 0 else { return nil }
            let pa = Double(a.primary.conversions) / Double(a.units), pb = Double(b.primary.conversions) / Double(b.units)
            return (pb - pa, pa * (1 - pa) / Double(a.units) + pb * (1 - pb) / Double(b.units))
        }
        guard let sa = a.primary.summary.summary, let sb = b.primary.summary.summary else { return nil }
        return (sb.mean - sa.mean, sa.variance / Double(sa.count) + sb.variance / Double(sb.count))
    }

    /// The mixing variance τ² of the sequential test: (0.1 × pooled standard deviation)², taken once, at the first
    /// look where it is defined, and kept for every later look (the mixture must not move with the data).
    package static func mixingVariance(_ a: ArmTally, _ b: ArmTally, binary: Bool,
                                       relativeScale: Double = SequentialTest.defaultRelativeScale) -> Double? {
        let variance: Double
        if binary {
            let n = a.units + b.units
            guard n > 0 else { return nil }
            let p = Double(a.primary.conversions + b.primary.conversions) / Double(n)
            variance = p * (1 - p)
        } else {
            guard let pooled = a.primary.summary.merged(with: b.primary.summary).sampleVariance else { return nil }
            variance = pooled
        }
        let tau2 = relativeScale * relativeScale * variance
        return tau2 > 0 ? tau2 : nil
    }

    /// The always-valid p-value of one treatment at this look with the test's fixed τ², and the sign of the
    /// difference it was computed on (to be minimised over looks per direction by the caller).
    package static func sequentialPValue(_ control: ArmTally, _ arm: ArmTally, binary: Bool,
                                         tauSquared: Double) -> (pValue: Double, difference: Double)? {
        guard let (difference, variance) = differenceAndVariance(control, arm, binary: binary),
              let p = SequentialTest.pValue(difference: difference, variance: variance, tauSquared: tauSquared) else { return nil }
        return (p, difference)
    }

}
