extension LogbookState {
    /// How many of an experiment's runs are not deleted, and how many of those are running, without decoding runs
    /// read from a snapshot (a list of experiments would otherwise decode every run).
    public func runCounts(of experiment: Experiment) -> (live: Int, running: Int) {
        var live = 0, running = 0
        for ordinal in experiment.runs {
            let l = runs.liveness(ordinal - 1)
            if !l.isDeleted {
                live += 1
                if l.status == .running { running += 1 }
            }
        }
        return (live, running)
    }
}
