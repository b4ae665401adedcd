extension LogbookState {
    /// The run with the highest (or, with `lowest`, the lowest) latest value of `metric`, among the runs of
    /// `experiment` (all runs when nil). Deleted runs, and runs without the metric or with NaN, are skipped; ties go
    /// to the earliest start. - Complexity: O(runs × metrics per run), no allocation.
    public func bestRun(experiment: Experiment?, metric: String, lowest: Bool = false) -> (run: Run, value: Double)? {
        guard let key = metricKeys.id(of: metric) else { return nil }
        var best: (index: Int, value: Double)?
        func consider(_ i: Int) {
            let r = runs[i]
            guard !r.isDeleted, let v = r.latest.first(where: { $0.key == key })?.value, !v.isNaN else { return }
            if let b = best {
                let better = lowest ? v < b.value : v > b.value
                let other = runs[b.index]
                if better || (v == b.value && (r.startTime, r.ordinal) < (other.startTime, other.ordinal)) { best = (i, v) }
            } else {
                best = (i, v)
            }
        }
        if let experiment {
            for ordinal in experiment.runs { consider(ordinal - 1) }
        } else {
            for i in runs.indices { consider(i) }
        }
        return best.map { (runs[$0.index], $0.value) }
    }
}
