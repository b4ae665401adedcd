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

    /// The `limit` newest runs that are not deleted, newest first: MLflow's default order of a run list, by start
    /// time then ordinal, both descending. A run starts at its event's time and event times never decrease, so these
    /// are the last started: only they are read (with the deleted flags of the runs skipped), not every run.
    public func newestLiveRuns(limit: Int) -> [Run] {
        var found: [Run] = []
        var i = runs.count - 1
        while i >= 0 && found.count < limit {
            if !runs.liveness(i).isDeleted { found.append(runs[i]) }
            i -= 1
        }
        return found
    }
}
