public import LogbookEvents

extension LogbookState {
    /// Why `event` cannot follow this state, or nil when it fits: creation events must take the next ordinal
    /// and a free name; every other event must name entities that exist. Used for imported events, which skip
    /// the command rules but must still make a consistent log.
    func problem(with event: Event) -> String? {
        func run(_ r: Int) -> String? { r >= 1 && r <= runs.count ? nil : "run \(r) does not exist" }
        func model(_ m: Int) -> String? { m >= 1 && m <= modelCount ? nil : "model \(m) does not exist" }
        func version(_ m: Int, _ v: Int) -> String? {
            if let p = model(m) { return p }
            let found = self.model(ordinal: m)
            return v >= 1 && v <= found.versions.count ? nil : "model \(found.name) has no version \(v)"
        }
        func experiment(_ e: Int) -> String? { e >= 1 && e <= experiments.count ? nil : "experiment \(e) does not exist" }
        switch event {
        case let .experimentCreated(id, name, _):
            if id != experiments.count + 1 { return "experiment id \(id) is not the next one (\(experiments.count + 1))" }
            return self.experiment(named: name) != nil ? "an experiment named '\(name)' exists" : nil
        case let .experimentRenamed(id, _), let .experimentDeleted(id), let .experimentRestored(id):
            return experiment(id)
        case let .runStarted(r, id, e, _, parent, _, _, _):
            if r != runs.count + 1 { return "run ordinal \(r) is not the next one (\(runs.count + 1))" }
            if self.run(id: id) != nil { return "a run with id '\(id)' exists" }
            if let parent, let p = run(parent) { return p }
            return experiment(e)
        case let .paramsLogged(r, _), let .metricsLogged(r, _), let .tagsSet(r, _), let .tagsDeleted(r, _),
             let .artifactRecorded(r, _, _, _), let .datasetLinked(r, _, _), let .runEnded(r, _), let .runDeleted(r),
             let .runRestored(r):
            return run(r)
        case let .modelCreated(m, name, _, _, _, _):
            if m != modelCount + 1 { return "model ordinal \(m) is not the next one (\(modelCount + 1))" }
            return self.model(named: name) != nil ? "a model named '\(name)' exists" : nil
        case let .modelUpdated(m, _, _, _, _, _), let .modelDeleted(m), let .modelRestored(m), let .aliasRemoved(m, _),
             let .policySet(m, _), let .rollbackPerformed(m, _, _):
            return model(m)
        case let .versionRegistered(m, v, r, _, _, _, _, _, _):
            if let p = model(m) ?? run(r) { return p }
            return v == models[m - 1].versions.count + 1 ? nil : "version \(v) is not the next one of \(models[m - 1].name)"
        case let .stageChanged(m, v, _, _, archived):
            return version(m, v) ?? archived.lazy.compactMap { version(m, $0) }.first
        case let .aliasSet(m, _, v), let .promotionEvaluated(m, v, _), let .promotionApproved(m, v),
             let .promotionRejected(m, v):
            return version(m, v)
        case let .abTestCreated(t, name, m, variants, _, _, _, minimumSample, alpha, _, _):
            if t != abTests.count + 1 { return "test ordinal \(t) is not the next one (\(abTests.count + 1))" }
            if abTest(named: name) != nil { return "an A/B test named '\(name)' exists" }
            do { try LogbookStore.validateVariants(variants) } catch { return error.message }
            guard alpha > 0 && alpha < 1, minimumSample >= 0 else { return "alpha must be in (0, 1) and the minimum sample 0 or more" }
            return variants.lazy.compactMap { version(m, $0.version) }.first
        case let .abUnitsAssigned(t, units, variants):
            guard t >= 1 && t <= abTests.count else { return "A/B test \(t) does not exist" }
            guard units.count == variants.count, variants.allSatisfy({ $0 >= 0 && $0 < abTests[t - 1].variants.count }) else {
                return "an assignment names a variant the test does not have"
            }
            return nil
        case let .abOutcomesRecorded(t, outcomes):
            guard t >= 1 && t <= abTests.count else { return "A/B test \(t) does not exist" }
            guard outcomes.allSatisfy({ $0.value.isFinite && $0.metric >= 0 && $0.metric <= abTests[t - 1].guardrails.count }) else {
                return "an outcome is not finite or names a metric the test does not have"
            }
            return nil
        case .storeRepaired, .identityErased:
            return nil
        case .storePruned:
            return "a prune describes the files of the store it happened in; it cannot be imported into another"
        case let .retentionSet(days):
            return days >= 1 && days <= RetentionRules.maximumDays ? nil : "a retention of \(days) days is out of range"
        case let .predictionsLogged(m, v, latencies, predictions, actuals):
            if latencies.count != predictions.count || latencies.count != actuals.count { return "the prediction arrays differ in length" }
            guard latencies.allSatisfy({ $0.isFinite && $0 >= 0 }),
                  predictions.allSatisfy({ $0?.isFinite ?? true }), actuals.allSatisfy({ $0?.isFinite ?? true }) else {
                return "a latency is negative or a value is not finite"
            }
            return version(m, v)
        case let .baselineSet(m, v, values, _):
            guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return "a baseline value is not finite, or there is none" }
            return version(m, v)
        case let .driftChecked(m, v, _, _, _, _, _, _, _), let .alertRaised(m, v, _, _, _, _, _):
            return version(m, v)
        case let .monitorThresholdsSet(m, _, _, _):
            return model(m)
        case let .abTestStarted(t), let .abTestStopped(t),
             let .abTestConcluded(t, _, _):
            return t >= 1 && t <= abTests.count ? nil : "A/B test \(t) does not exist"
        }
    }
}

extension LogbookStore {
    /// Appends an event read from an export, keeping its actor, reason and time. It skips the command rules
    /// (they held when it was first written) but must fit the state (see `problem(with:)`); use it inside a
    /// ``transaction(_:)`` so that a whole file loads or nothing does.
    public func importEvent(_ event: Event, actor: String, reason: String?, time: Int64) throws(LogbookError) {
        if let problem = state.problem(with: event) {
            throw LogbookError.refused("The event does not fit the store: \(problem)")
        }
        try append([event], actor: actor, reason: reason, time: time)
    }
}
