/// A Beta(alpha, beta) posterior of a conversion rate.
package struct BetaPosterior: Sendable, Equatable {
    /// First shape parameter (prior alpha + successes).
    package let alpha: Double
    /// Second shape parameter (prior beta + failures).
    package let beta: Double

    /// A posterior from its shape parameters; nil unless both are positive and finite.
    package init?(alpha: Double, beta: Double) {
        guard alpha > 0, beta > 0, alpha.isFinite, beta.isFinite else { return nil }
        self.alpha = alpha
        self.beta = beta
    }

    /// Beta(priorAlpha + successes, priorBeta + trials - successes); nil unless 0 <= successes <= trials
    /// and the prior parameters are positive.
    package init?(successes: Int, trials: Int, priorAlpha: Double = 1, priorBeta: Double = 1) {
        guard successes >= 0, successes <= trials else { return nil }
        self.init(alpha: priorAlpha + Double(successes), beta: priorBeta + Double(trials - successes))
    }

    /// Posterior mean alpha / (alpha + beta).
    package var mean: Double { alpha / (alpha + beta) }

    /// Posterior standard deviation.
    package var standardDeviation: Double {
        let s = alpha + beta
        return (alpha * beta / (s * s * (s + 1))).squareRoot()
    }

    /// P(rate <= t).
    package func cdf(_ t: Double) -> Double {
        cdf(t, oneMinusT: 1 - t)
    }

    /// Density at t in (0, 1).
    package func pdf(_ t: Double) -> Double {
        pdf(t, oneMinusT: 1 - t)
    }

    /// P(rate <= t) given t and 1 - t (the latter passed exactly when t is near 1).
    func cdf(_ t: Double, oneMinusT: Double) -> Double {
        if t <= 0 { return 0 }
        if oneMinusT <= 0 { return 1 }
        return SpecialFunctions.incompleteBeta(a: alpha, b: beta, x: t, y: oneMinusT).lower
    }

    /// Density given t and 1 - t.
    func pdf(_ t: Double, oneMinusT: Double) -> Double {
        guard t > 0, oneMinusT > 0 else { return 0 }
        let logT = t < 0.5 ? libmLog(t) : libmLog1p(-oneMinusT)
        let logS = oneMinusT < 0.5 ? libmLog(oneMinusT) : libmLog1p(-t)
        return libmExp((alpha - 1) * logT + (beta - 1) * logS - SpecialFunctions.logBeta(alpha, beta))
    }
}

/// Two-arm chance to win: both directions, each computed directly (so the smaller keeps its precision).
package struct TwoArmChanceToWin: Sendable, Equatable {
    /// Posterior of the control arm a.
    package let posteriorA: BetaPosterior
    /// Posterior of the treatment arm b.
    package let posteriorB: BetaPosterior
    /// P(p_b > p_a).
    package let probabilityBBeatsA: Double
    /// P(p_a > p_b).
    package let probabilityABeatsB: Double
}

/// Bayesian chance to win with Beta posteriors.
package enum BayesianChanceToWin: Sendable {
    /// Most terms the exact finite sum may take before numerical integration is used instead.
    static let maximumExactTerms = 50_000_000.0

    /// Chance to win for a (control) and b (treatment) from counts; nil for invalid counts or priors.
    package static func twoArm(
        successesA: Int, trialsA: Int, successesB: Int, trialsB: Int,
        priorAlpha: Double = 1, priorBeta: Double = 1
    ) -> TwoArmChanceToWin? {
        guard let a = BetaPosterior(successes: successesA, trials: trialsA, priorAlpha: priorAlpha, priorBeta: priorBeta),
              let b = BetaPosterior(successes: successesB, trials: trialsB, priorAlpha: priorAlpha, priorBeta: priorBeta)
        else { return nil }
        return twoArm(a, b)
    }

    /// Chance to win for two posteriors.
    package static func twoArm(_ a: BetaPosterior, _ b: BetaPosterior) -> TwoArmChanceToWin {
        TwoArmChanceToWin(
            posteriorA: a, posteriorB: b,
            probabilityBBeatsA: probabilityGreater(b, than: a),
            probabilityABeatsB: probabilityGreater(a, than: b))
    }

    /// P(Y > X) for Y ~ y, X ~ x: the exact finite sum when a parameter is a whole number (in log space),
    /// otherwise numerical integration.
    package static func probabilityGreater(_ y: BetaPosterior, than x: BetaPosterior) -> Double {
        // Direct form sums y.alpha terms; the mirrored form (failure rates) sums x.beta terms.
        let directTerms = isWholeNumber(y.alpha) ? y.alpha : .infinity
        let mirroredTerms = isWholeNumber(x.beta) ? x.beta : .infinity
        if min(directTerms, mirroredTerms) <= maximumExactTerms {
            if directTerms <= mirroredTerms {
                return exactSum(xAlpha: x.alpha, xBeta: x.beta, yAlpha: y.alpha, yBeta: y.beta)
            }
            // P(p_y > p_x) = P(1 - p_x > 1 - p_y), with 1 - p ~ Beta(beta, alpha).
            return exactSum(xAlpha: y.beta, xBeta: y.alpha, yAlpha: x.beta, yBeta: x.alpha)
        }
        return probabilityOfBeingBest([x, y])[1]
    }

    /// Probability that each arm has the highest rate, ∫ f_i Π_{j≠i} F_j, by adaptive quadrature
    /// (relative accuracy about 1e-11, limited for very large parameters by the incomplete beta function);
    /// a single posterior gives [1], empty input an empty result.
    package static func probabilityOfBeingBest(_ posteriors: [BetaPosterior]) -> [Double] {
        guard posteriors.count > 1 else { return posteriors.map { _ in 1 } }
        // Break the integration range at several standard deviations around every posterior, so that
        // narrow peaks are never stepped over.
        var points: Set<Double> = [0, 1]
        for p in posteriors {
            let m = p.mean, s = p.standardDeviation
            for c in [-60.0, -30, -15, -8, -5, -3, -2, -1, 0, 1, 2, 3, 5, 8, 15, 30, 60] {
                let t = m + c * s
                if t > 0 && t < 1 { points.insert(t) }
            }
        }
        let breakpoints = points.sorted()
        // Pieces narrower than a small fraction of the narrowest posterior are smooth at that scale.
        let narrowest = posteriors.map(\.standardDeviation).min() ?? 1
        let minimumWidth = narrowest / 64
        return posteriors.indices.map { i in
            // Near 0 the integrand behaves like t^(sum of alphas - 1), near 1 like (1 - t)^(beta_i - 1).
            let alphaSum = posteriors.reduce(0) { $0 + $1.alpha }
            let startPower = singularityPower(exponent: alphaSum - 1)
            let endPower = singularityPower(exponent: posteriors[i].beta - 1)
            return Integration.piecewiseOnUnitInterval({ t, s in
                var value = posteriors[i].pdf(t, oneMinusT: s)
                if value == 0 { return 0 }
                for j in posteriors.indices where j != i {
                    value *= posteriors[j].cdf(t, oneMinusT: s)
                    if value == 0 { break }
                }
                return value
            }, breakpoints: breakpoints, relativeTolerance: 1e-11, minimumWidth: minimumWidth,
               startPower: startPower, endPower: endPower)
        }
    }

    /// The substitution power m that turns an endpoint factor s^exponent into a smooth u^(m(e+1)-1):
    /// 1 when the factor is already smooth enough (exponent >= 1 or a whole number >= 0).
    static func singularityPower(exponent: Double) -> Int {
        if exponent >= 1 || (exponent >= 0 && isWholeNumber(exponent)) { return 1 }
        // m (e + 1) >= 2 keeps the transformed integrand and its first derivative bounded.
        return min(64, Int((2 / (exponent + 1)).rounded(.up)))
    }

    /// Whether v is a whole number.
    static func isWholeNumber(_ v: Double) -> Bool {
        v.rounded(.towardZero) == v
    }

    /// P(Y > X), X ~ Beta(xAlpha, xBeta), Y ~ Beta(yAlpha, yBeta), yAlpha a whole number:
    /// sum_{i < yAlpha} B(xAlpha + i, xBeta + yBeta) / ((yBeta + i) B(1 + i, yBeta) B(xAlpha, xBeta)).
    /// The terms are built by their ratio with a separately tracked scale, so none underflows.
    static func exactSum(xAlpha: Double, xBeta: Double, yAlpha: Double, yBeta: Double) -> Double {
        let count = Int(yAlpha)
        // First term: B(xAlpha, xBeta + yBeta) / B(xAlpha, xBeta) (since yBeta B(1, yBeta) = 1).
        var logScale = SpecialFunctions.logBeta(xAlpha, xBeta + yBeta) - SpecialFunctions.logBeta(xAlpha, xBeta)
        let rescale = 1e200
        let logRescale = 460.517_018_598_809_136_8  // ln(1e200)
        let total = xAlpha + xBeta + yBeta
        var term = 1.0
        var sum = 0.0
        for i in 0..<count {
            sum += term
            let di = Double(i)
            // Ratio of consecutive terms; below 1 from its first drop on (the sequence is unimodal).
            let ratio = (xAlpha + di) * (yBeta + di) / ((total + di) * (1 + di))
            term *= ratio
            if term > rescale {
                term /= rescale
                sum /= rescale
                logScale += logRescale
            }
            if ratio < 1 && term * Double(count - i - 1) < sum * 1e-18 { break }
        }
        let logResult = logScale + libmLog(sum)
        return min(1, libmExp(logResult))
    }
}
