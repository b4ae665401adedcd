public import LogbookEvents
internal import LogbookStorage

extension LogbookStore {
    // MARK: Experiments

    /// Creates an experiment; its name must be unused by live experiments.
    @discardableResult
    public func createExperiment(name: String, tags: [KeyValue] = [], _ context: WriteContext) throws(LogbookError) -> Experiment {
        try Validate.name(name, "experiment name")
        for t in tags { try Validate.name(t.key, "tag key"); try Validate.text(t.value, "tag value") }
        if state.experiment(named: name) != nil {
            throw LogbookError.refused("An experiment named '\(name)' already exists")
        }
        let id = state.experiments.count + 1
        try append([.experimentCreated(id: id, name: name, tags: tags)], context)
        return state.experiments[id - 1]
    }

    /// The live experiment named `name` (or with that numeric id).
    public func requireExperiment(_ name: String) throws(LogbookError) -> Experiment {
        if let e = state.experiment(named: name) { return e }
        if let id = Int(name), id >= 1, id <= state.experiments.count, !state.experiments[id - 1].isDeleted {
            return state.experiments[id - 1]
        }
        if state.experiments.contains(where: { $0.name == name && $0.isDeleted }) {
            throw LogbookError.notFound("Experiment '\(name)' is deleted; restore it with 'logbook experiment restore \(name)'")
        }
        throw LogbookError.notFound("No experiment named '\(name)'")
    }

    /// Renames a live experiment.
    public func renameExperiment(_ name: String, to newName: String, _ context: WriteContext) throws(LogbookError) {
        let e = try requireExperiment(name)
        try Validate.name(newName, "experiment name")
        guard newName != e.name else { throw LogbookError.refused("Experiment '\(name)' already has that name") }
        if state.experiment(named: newName) != nil {
            throw LogbookError.refused("An experiment named '\(newName)' already exists")
        }
        try append([.experimentRenamed(id: e.id, name: newName)], context)
    }

    /// Soft-deletes a live experiment (its name becomes free; restore brings it back).
    public func deleteExperiment(_ name: String, _ context: WriteContext) throws(LogbookError) {
        let e = try requireExperiment(name)
        try append([.experimentDeleted(id: e.id)], context)
    }

    /// Restores the most recently deleted experiment with this name.
    public func restoreExperiment(_ name: String, _ context: WriteContext) throws(LogbookError) {
        guard let e = state.experiments.last(where: { $0.name == name && $0.isDeleted }) else {
            if state.experiment(named: name) != nil { throw LogbookError.refused("Experiment '\(name)' is not deleted") }
            throw LogbookError.notFound("No deleted experiment named '\(name)'")
        }
        if state.experiment(named: name) != nil {
            throw LogbookError.refused("Another live experiment is named '\(name)'; rename it first")
        }
        try append([.experimentRestored(id: e.id)], context)
    }

    // MARK: Runs

    /// A run by id, or not found.
    public func requireRun(_ id: String) throws(LogbookError) -> Run {
        guard let r = state.run(id: id) else { throw LogbookError.notFound("No run with id '\(id)'") }
        return r
    }

    private func requireLiveRun(_ id: String) throws(LogbookError) -> Run {
        let r = try requireRun(id)
        if r.isDeleted { throw LogbookError.refused("Run '\(id)' is deleted; restore it with 'logbook run restore \(id)'") }
        return r
    }

    /// Starts a run; returns it. A random 32-hex id is made unless `id` is given.
    @discardableResult
    public func startRun(experiment: String, name: String? = nil, id: String? = nil, parent: String? = nil,
                         tags: [KeyValue] = [], gitCommit: String? = nil, source: String? = nil,
                         _ context: WriteContext) throws(LogbookError) -> Run {
        let e = try requireExperiment(experiment)
        var runID: String
        if let id {
            try Validate.runID(id)
            if state.run(id: id) != nil { throw LogbookError.refused("A run with id '\(id)' already exists") }
            runID = id
        } else {
            var g = SystemRandomNumberGenerator()
            repeat {
                runID = (0..<4).map { _ in
                    let h = String(UInt32.random(in: 0...UInt32.max, using: &g), radix: 16)
                    return String(repeating: "0", count: 8 - h.count) + h
                }.joined()
            } while state.run(id: runID) != nil
        }
        var parentOrdinal: Int?
        if let parent { parentOrdinal = try requireRun(parent).ordinal }
        if let name { try Validate.name(name, "run name") }
        for t in tags { try Validate.name(t.key, "tag key"); try Validate.text(t.value, "tag value") }
        if let gitCommit {
            guard (4...64).contains(gitCommit.utf8.count), gitCommit.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) else {
                throw LogbookError.usage("The git commit '\(gitCommit)' is not a hex commit id")
            }
        }
        if let source { try Validate.text(source, "source", limit: 1024) }
        let ordinal = state.runs.count + 1
        try append([.runStarted(run: ordinal, id: runID, experiment: e.id, name: name ?? "run-\(ordinal)",
                                parent: parentOrdinal, tags: tags, source: source, gitCommit: gitCommit?.lowercased())],
                   context)
        return state.runs[ordinal - 1]
    }

    /// Logs params, metrics and tags to a run, as one batch. A param already set to another value is refused.
    public func logToRun(_ id: String, params: [KeyValue] = [], metrics: [MetricSeries] = [], tags: [KeyValue] = [],
                         _ context: WriteContext) throws(LogbookError) {
        guard !params.isEmpty || !metrics.isEmpty || !tags.isEmpty else {
            _ = try requireLiveRun(id)
            throw LogbookError.usage("Nothing to log: give --param, --metric or --tag")
        }
        var newParams: [KeyValue] = []
        let ordinal: Int
        // The copy of the run ends with this scope: alive during the append, it would share the run's arrays with
        // the state and make every append copy them (quadratic over a long ingest).
        do {
            let r = try requireLiveRun(id)
            ordinal = r.ordinal
            for p in params {
                try Validate.name(p.key, "param key", limit: 250)
                try Validate.text(p.value, "param value", limit: 6000)
                let existing = r.param(p.key) ?? newParams.first(where: { $0.key == p.key })?.value
                if let existing {
                    guard existing == p.value else {
                        throw LogbookError.refused("Param '\(p.key)' of run '\(id)' is already '\(existing)'; params cannot change "
                                                   + "(log a new run, or use a tag)")
                    }
                    continue
                }
                newParams.append(p)
            }
        }
        for s in metrics {
            try Validate.name(s.key, "metric key", limit: 250)
            for p in s.points where p.step < 0 {
                throw LogbookError.usage("Metric '\(s.key)' has step \(p.step); steps are 0 or more")
            }
        }
        for t in tags { try Validate.name(t.key, "tag key", limit: 250); try Validate.text(t.value, "tag value") }
        var events: [Event] = []
        if !newParams.isEmpty { events.append(.paramsLogged(run: ordinal, params: newParams)) }
        let points = metrics.filter { !$0.points.isEmpty }
        if !points.isEmpty { events.append(.metricsLogged(run: ordinal, series: points)) }
        if !tags.isEmpty { events.append(.tagsSet(run: ordinal, tags: tags)) }
        guard !events.isEmpty else { return } // every param was already set to the same value: nothing new
        try append(events, context)
    }

    /// Removes tags from a run.
    public func deleteTags(_ id: String, keys: [String], _ context: WriteContext) throws(LogbookError) {
        let r = try requireLiveRun(id)
        for k in keys where r.tag(k) == nil { throw LogbookError.notFound("Run '\(id)' has no tag '\(k)'") }
        try append([.tagsDeleted(run: r.ordinal, keys: keys)], context)
    }

    /// Ends a run (once).
    public func endRun(_ id: String, status: RunStatus = .finished, _ context: WriteContext) throws(LogbookError) {
        let r = try requireLiveRun(id)
        guard status != .running else { throw LogbookError.usage("A run ends as finished, failed or killed") }
        guard r.status == .running else {
            throw LogbookError.refused("Run '\(id)' already ended (\(r.status.name)); a run ends once")
        }
        try append([.runEnded(run: r.ordinal, status: status)], context)
    }

    /// Soft-deletes a run; a run behind a registered model version cannot be deleted.
    public func deleteRun(_ id: String, _ context: WriteContext) throws(LogbookError) {
        let r = try requireRun(id)
        guard !r.isDeleted else { throw LogbookError.refused("Run '\(id)' is already deleted") }
        guard r.registeredVersions == 0 else {
            let versions = state.models.flatMap { m in m.versions.filter { $0.run == r.ordinal }.map { "\(m.name)/\($0.number)" } }
            throw LogbookError.refused("Run '\(id)' is the source of model version(s) \(versions.joined(separator: ", ")) "
                                       + "and cannot be deleted")
        }
        try append([.runDeleted(run: r.ordinal)], context)
    }

    /// Restores a deleted run.
    public func restoreRun(_ id: String, _ context: WriteContext) throws(LogbookError) {
        let r = try requireRun(id)
        guard r.isDeleted else { throw LogbookError.refused("Run '\(id)' is not deleted") }
        try append([.runRestored(run: r.ordinal)], context)
    }

    /// Links a dataset (name and SHA-256 digest) to a run.
    public func linkDataset(_ id: String, name: String, digest: String, _ context: WriteContext) throws(LogbookError) {
        let r = try requireLiveRun(id)
        try Validate.name(name, "dataset name")
        let d = try Validate.sha256(digest, "dataset digest")
        try append([.datasetLinked(run: r.ordinal, name: name, digest: d)], context)
    }

    /// Stores `bytes` content-addressed in the store and records the artifact at `path` of the run.
    @discardableResult
    public func addArtifact(_ id: String, bytes: [UInt8], path: String, _ context: WriteContext) throws(LogbookError) -> Artifact {
        let r = try requireLiveRun(id)
        try Validate.artifactPath(path)
        let digest = SHA256.hash(bytes).hex
        try ArtifactStore(root: self.path, io: options.io).put(bytes, sha256: digest)
        try append([.artifactRecorded(run: r.ordinal, path: path, size: Int64(bytes.count), sha256: digest)], context)
        return Artifact(path: path, size: Int64(bytes.count), sha256: digest)
    }

    /// The bytes of an artifact, checked against its SHA-256.
    public func artifactBytes(_ id: String, path: String) throws(LogbookError) -> [UInt8] {
        let r = try requireRun(id)
        guard let a = r.artifacts.first(where: { $0.path == path }) else {
            throw LogbookError.notFound("Run '\(id)' has no artifact '\(path)'")
        }
        if options.io.exists(StorePaths(root: self.path).bundleManifest) {
            throw LogbookError.notFound("Artifact bytes are not part of an audit bundle (only their SHA-256, \(a.sha256), is); "
                                        + "read them from the store itself")
        }
        return try ArtifactStore(root: self.path, io: options.io).get(sha256: a.sha256)
    }

    // MARK: Helpers

    func append(_ events: [Event], _ context: WriteContext) throws(LogbookError) {
        if let reason = context.reason { try Validate.text(reason, "reason") }
        try append(events, actor: context.actor, reason: context.reason, time: context.time)
    }
}
