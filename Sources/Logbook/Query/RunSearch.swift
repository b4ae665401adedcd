extension LogbookState {
    /// The runs `run list` shows, as MLflow's `search_runs` finds them: the runs of `experiment` (of every experiment
    /// when nil) that meet `filter`, without the deleted ones unless `includeDeleted`, newest first (start time, then
    /// ordinal, both descending) or in `order`, at most `limit` of them.
    ///
    /// Over every experiment, the runs are read in place (``RunTable/scanRuns(_:skimmed:)``): only the runs returned are
    /// decoded, so a new process that lists ten runs out of ten thousand decodes ten.
    public func searchRuns(experiment: Experiment? = nil, filter: RunFilter? = nil, order: RunOrder? = nil,
                           limit: Int? = nil, includeDeleted: Bool = false) -> [Run] {
        if let limit, experiment == nil, filter == nil, order == nil, !includeDeleted {
            return newestLiveRuns(limit: limit)
        }
        let filterIDs = filter?.metricIDs(in: self)
        let keys = order?.keys ?? []
        let keyIDs = keys.map { $0.field.metricID(in: self) }
        var keyed = RunOrder.Keyed(keys: keys.count)
        func consider(_ i: Int, _ run: some RunFields) {
            if !includeDeleted && run.isDeleted { return }
            if let filter, !filter.matches(run, in: self, metricIDs: filterIDs) { return }
            for (k, key) in keys.enumerated() { keyed.values.append(run.value(of: key.field, in: self, metricID: keyIDs[k])) }
            // The id only breaks ties of an order's keys.
            keyed.add(startTime: run.startTime, id: keys.isEmpty ? "" : run.id, ordinal: i + 1)
        }
        if let experiment {
            for ordinal in experiment.runs {
                withUnsafePointer(to: runs[ordinal - 1]) { consider(ordinal - 1, $0) }
            }
        } else {
            runs.scanRuns({ consider($0, $1) }, skimmed: { consider($0, $1) })
        }
        let positions = order?.sortedPositions(keyed, limit: limit) ?? RunOrder.first(keyed.count, limit: limit) {
            (keyed.startTimes[$0], keyed.ordinals[$0]) > (keyed.startTimes[$1], keyed.ordinals[$1])
        }
        return runs.runs(at: positions.map { keyed.ordinals[$0] - 1 })
    }
}
