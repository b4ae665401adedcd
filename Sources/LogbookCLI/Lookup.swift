import Logbook

/// Lookups on a state (now or as of `--at`) with not-found errors that say what to do.
extension LogbookState {
    func findRun(_ id: String) throws(LogbookError) -> Run {
        guard let r = run(id: id) else {
            throw LogbookError(.notFound, "No run with id '\(id)'; 'logbook run list' shows the runs")
        }
        return r
    }

    /// A live experiment by name or numeric id; with `includeDeleted`, the newest deleted one of that name too.
    func findExperiment(_ name: String, includeDeleted: Bool = false) throws(LogbookError) -> Experiment {
        if let e = experiment(named: name) { return e }
        if let id = Int(name), id >= 1, id <= experiments.count, includeDeleted || !experiments[id - 1].isDeleted {
            return experiments[id - 1]
        }
        if let e = experiments.last(where: { $0.name == name && $0.isDeleted }) {
            if includeDeleted { return e }
            throw LogbookError(.notFound, "Experiment '\(name)' is deleted; restore it with 'logbook experiment restore \(name)'")
        }
        throw LogbookError(.notFound, "No experiment named '\(name)'; 'logbook experiment list' shows them")
    }

    func findModel(_ name: String, includeDeleted: Bool = false) throws(LogbookError) -> Model {
        guard let m = model(named: name) else {
            throw LogbookError(.notFound, "No model named '\(name)'; 'logbook model list --all' shows them")
        }
        if m.isDeleted && !includeDeleted {
            throw LogbookError(.notFound, "Model '\(name)' is deleted; restore it with 'logbook model restore \(name)'")
        }
        return m
    }

    func findVersion(_ m: Model, _ number: Int) throws(LogbookError) -> ModelVersion {
        guard number >= 1 && number <= m.versions.count else {
            throw LogbookError(.notFound, "Model '\(m.name)' has no version \(number) (it has \(m.versions.count))")
        }
        return m.versions[number - 1]
    }
}
