/// Always-valid inference for a difference of two means (or rates): the mixture sequential probability ratio
/// test (mSPRT) of Johari, Koomen, Pekelis and Walsh, "Always Valid Inference" (2017/2022), as used for
/// peeking-safe A/B tests.
///
/// With an estimated difference `Δ = mean_B − mean_A`, its variance `V = var_A/n_A + var_B/n_B`, and a normal
/// mixing distribution N(0, τ²) over the true difference under the alternative, the mixture likelihood ratio
/// against "no difference" is
///
///     Λ = sqrt(V / (V + τ²)) · exp( Δ² τ² / (2 V (V + τ²)) )
///
/// and `1/Λ` is a p-value that stays valid however often it is looked at, provided the running minimum over
/// all looks is kept: p_n = min(p_{n−1}, 1/Λ_n). Stopping the first time p_n ≤ α keeps the false-positive rate
/// at or below α (asymptotically, with plug-in variances).
///
/// τ sets which effects the test is tuned for (it is most powerful for true differences of about τ); Logbook
/// uses τ = `relativeScale` × the pooled standard deviation of the primary metric (default 0.1: tuned for effects
/// of about a tenth of a standard deviation, e.g. one point on a 10% conversion rate), fixed when the test
/// starts collecting data by the caller.
package enum SequentialTest: Sendable {
    /// The default mixing scale, as a fraction of the pooled standard deviation.
    package static let defaultRelativeScale = 0.1

    /// The mSPRT p-value at one look (not yet minimised over looks); nil when undefined (no variance yet).
    /// - Parameters:
    ///   - difference: estimated mean_B − mean_A.
    ///   - variance: its estimated variance V (var_A/n_A + var_B/n_B).
    ///   - tauSquared: the mixing variance τ² (> 0).
    package static func pValue(difference: Double, variance: Double, tauSquared: Double) -> Double? {
        guard variance > 0, tauSquared > 0, difference.isFinite, variance.isFinite else { return nil }
        let total = variance + tauSquared
        let logLambda = 0.5 * libmLog(variance / total) + difference * difference * tauSquared / (2 * variance * total)
        return min(1, libmExp(-logLambda))
    }

    /// The always-valid confidence interval for the difference at level 1 − α at one look (the set of
    /// differences whose mSPRT against them would not reject): Δ ± sqrt( V (V + τ²)/τ² · (ln((V + τ²)/V) − 2 ln α) ).
    package static func interval(difference: Double, variance: Double, tauSquared: Double,
                                 alpha: Double) -> ConfidenceInterval? {
        guard variance > 0, tauSquared > 0, alpha > 0, alpha < 1 else { return nil }
        let total = variance + tauSquared
        let halfWidth = (variance * total / tauSquared * (libmLog(total / variance) - 2 * libmLog(alpha))).squareRoot()
        return ConfidenceInterval(center: difference, halfWidth: halfWidth)
    }
}
