extension LogbookState {
    /// The run with the highest (or, with `lowest`, the lowest) latest value of `metric`, among the runs of
    /// `experiment` (all runs when nil). Deleted runs, and runs without the metric or with NaN, are skipped; ties go
    /// to the earliest start. - Complexity: O(runs × metrics per run), no allocation.
    public func bestRun(experiment: Experiment?, metric: String, lowest: Bool = false) -> (run: Run, value: Double)? {
        guard let key = metricKeys.id(of: metric) else { return nil }
        var best: (index: Int, value: Double, start: Int64, ordinal: Int)?
        func consider(_ i: Int, _ r: borrowing Run) {
            guard !r.isDeleted, let v = r.latest.first(where: { $0.key == key })?.value, !v.isNaN else { return }
            if let b = best {
                let better = lowest ? v < b.value : v > b.value
                if better || (v == b.value && (r.startTime, r.ordinal) < (b.start, b.ordinal)) { best = (i, v, r.startTime, r.ordinal) }
            } else {
                best = (i, v, r.startTime, r.ordinal)
            }
        }
        if let experiment {
            for ordinal in experiment.runs { consider(ordinal - 1, runs[ordinal - 1]) }
        } else {
            runs.forEachRun { consider($0, $1.pointee) }
        }
        return best.map { (runs[$0.index], $0.value) }
    }
}
