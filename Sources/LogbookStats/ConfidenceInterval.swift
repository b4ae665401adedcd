/// A two-sided confidence interval [lower, upper].
package struct ConfidenceInterval: Sendable, Equatable, Hashable {
    /// Lower endpoint.
    package let lower: Double
    /// Upper endpoint.
    package let upper: Double

    /// An interval from its endpoints.
    package init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// center -/+ halfWidth.
    package init(center: Double, halfWidth: Double) {
        self.init(lower: center - halfWidth, upper: center + halfWidth)
    }

    /// The endpoints as [lower, upper].
    package var endpoints: [Double] { [lower, upper] }
}
