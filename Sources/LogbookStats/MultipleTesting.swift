/// Adjusted p-values in input order, and which hypotheses are rejected.
package struct AdjustedPValues: Sendable, Equatable {
    /// Adjusted p-values, capped at 1, in the order of the input.
    package let adjusted: [Double]
    /// adjusted <= alpha.
    package let rejected: [Bool]
}

/// Multiple-testing corrections: Bonferroni, Holm (step-down) and Benjamini-Hochberg (step-up).
package enum MultipleTesting: Sendable {
    /// Bonferroni: min(1, m p); nil when a p-value is outside [0, 1].
    package static func bonferroni(_ pValues: [Double], alpha: Double = 0.05) -> AdjustedPValues? {
        guard valid(pValues) else { return nil }
        let m = Double(pValues.count)
        return result(pValues.map { min(1, m * $0) }, alpha: alpha)
    }

    /// Holm: running maximum of (m - i) p_(i) over ascending p-values, capped at 1; nil as for Bonferroni.
    package static func holm(_ pValues: [Double], alpha: Double = 0.05) -> AdjustedPValues? {
        guard valid(pValues) else { return nil }
        let m = pValues.count
        let order = ascendingOrder(pValues)
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return result(adjusted, alpha: alpha)
    }

    /// Benjamini-Hochberg: running minimum of p_(i) m / i from the largest down, capped at 1; nil as above.
    package static func benjaminiHochberg(_ pValues: [Double], alpha: Double = 0.05) -> AdjustedPValues? {
        guard valid(pValues) else { return nil }
        let m = pValues.count
        let order = ascendingOrder(pValues)
        var adjusted = [Double](repeating: 0, count: m)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            running = min(running, pValues[index] * (Double(m) / Double(rank + 1)))
            adjusted[index] = running
        }
        return result(adjusted, alpha: alpha)
    }

    /// Whether every p-value is in [0, 1].
    static func valid(_ pValues: [Double]) -> Bool {
        pValues.allSatisfy { $0 >= 0 && $0 <= 1 }
    }

    /// Indices sorted by p-value, ties in input order.
    static func ascendingOrder(_ pValues: [Double]) -> [Int] {
        pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
    }

    /// Packs adjusted values with their reject flags.
    static func result(_ adjusted: [Double], alpha: Double) -> AdjustedPValues {
        AdjustedPValues(adjusted: adjusted, rejected: adjusted.map { $0 <= alpha })
    }
}
