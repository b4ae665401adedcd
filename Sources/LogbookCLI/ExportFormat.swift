public import Logbook
public import LogbookEvents

/// The JSON Lines form of events, written by `logbook export` and `audit log --json`, read back by `logbook ingest`.
///
/// One line per event:
/// `{"seq":1,"time":"2026-03-01T14:00:00.000Z","actor":"ana","reason":null,"type":"run.started","data":{...}}`.
///
/// `data` speaks the user's language and is enough on its own to rebuild the exact event: runs by their id
/// (`run_id`), models by name (`model`), experiments by id and name (`experiment_id`, `experiment`), stages,
/// statuses and decisions by their printed names. Every optional field is written, `null` when absent. Metric
/// values are JSON numbers in their shortest round-trip form (`-0.0` stays negative), non-finite ones the strings
/// "NaN", "Infinity", "-Infinity"; times inside `data` are ISO-8601 UTC strings with milliseconds, as everywhere in
/// the CLI's JSON (the reader also takes integer milliseconds); steps are integers.
/// Key-value lists (tags, params) are objects whose members keep the recorded order.
///
/// The one loss: a NaN's payload bits (every NaN reads back as the standard quiet NaN).
public enum ExportFormat {
    /// The export line of an event.
    /// - Parameter state: a state at or after the event (the store's current one), used to name run and model
    ///   ordinals and experiment ids.
    public static func line(_ e: EventEnvelope, state: LogbookState) -> JSON {
        .object([
            JSONMember("seq", .int(Int64(truncatingIfNeeded: e.sequence))),
            JSONMember("time", .string(Timestamp.iso(e.timestamp))),
            JSONMember("actor", .string(e.actor)),
            JSONMember("reason", .string(e.reason)),
            JSONMember("type", .string(EventCodec.typeName(of: e.event))),
            JSONMember("data", data(of: e.event, state: state)),
        ])
    }

    /// The `data` object of an event.
    public static func data(of event: Event, state: LogbookState) -> JSON {
        func run(_ ordinal: Int) -> JSON {
            ordinal >= 1 && ordinal <= state.runs.count ? .string(state.runs[ordinal - 1].id) : .null
        }
        func model(_ ordinal: Int) -> JSON {
            state.modelName(ordinal: ordinal).map { .string($0) } ?? .null
        }
        func experiment(_ id: Int) -> [JSONMember] {
            [JSONMember("experiment_id", .int(Int64(id))),
             JSONMember("experiment", id >= 1 && id <= state.experiments.count ? .string(state.experiments[id - 1].name) : .null)]
        }
        func pairs(_ list: [KeyValue]) -> JSON { .object(list.map { JSONMember($0.key, .string($0.value)) }) }
        func abTest(_ t: Int) -> JSON { t >= 1 && t <= state.abTests.count ? .string(state.abTests[t - 1].name) : .int(Int64(t)) }
        func tier(_ t: RiskTier) -> JSON { .string(t == .unspecified ? "unspecified" : t.name) }
        func validation(_ v: ValidationStatus) -> JSON { .string(v == .unspecified ? "unspecified" : v.name) }

        switch event {
        case let .experimentCreated(id, name, tags):
            return .object([JSONMember("experiment_id", .int(Int64(id))), JSONMember("name", .string(name)),
                            JSONMember("tags", pairs(tags))])
        case let .experimentRenamed(id, name):
            return .object([JSONMember("experiment_id", .int(Int64(id))), JSONMember("name", .string(name))])
        case let .experimentDeleted(id), let .experimentRestored(id):
            return .object(experiment(id))
        case let .runStarted(r, id, e, name, parent, tags, source, gitCommit):
            _ = r
            return .object([JSONMember("run_id", .string(id))] + experiment(e) + [
                JSONMember("name", .string(name)),
                JSONMember("parent_run_id", parent.map(run) ?? .null),
                JSONMember("tags", pairs(tags)),
                JSONMember("source", .string(source)),
                JSONMember("git_commit", .string(gitCommit)),
            ])
        case let .paramsLogged(r, params):
            return .object([JSONMember("run_id", run(r)), JSONMember("params", pairs(params))])
        case let .metricsLogged(r, series):
            let metrics: [JSON] = series.map { s in
                .object([
                    JSONMember("key", .string(s.key)),
                    JSONMember("points", .array(s.points.map { p in
                        .object([JSONMember("step", .int(p.step)), JSONMember("value", .double(p.value)),
                                 JSONMember("time", .string(Timestamp.iso(p.time)))])
                    })),
                ])
            }
            return .object([JSONMember("run_id", run(r)), JSONMember("metrics", .array(metrics))])
        case let .tagsSet(r, tags):
            return .object([JSONMember("run_id", run(r)), JSONMember("tags", pairs(tags))])
        case let .tagsDeleted(r, keys):
            return .object([JSONMember("run_id", run(r)), JSONMember("keys", .array(keys.map { .string($0) }))])
        case let .artifactRecorded(r, path, size, sha256):
            return .object([JSONMember("run_id", run(r)), JSONMember("path", .string(path)),
                            JSONMember("size", .int(size)), JSONMember("sha256", .string(sha256))])
        case let .datasetLinked(r, name, digest):
            return .object([JSONMember("run_id", run(r)), JSONMember("name", .string(name)),
                            JSONMember("digest", .string(digest))])
        case let .runEnded(r, status):
            return .object([JSONMember("run_id", run(r)), JSONMember("status", .string(status.name))])
        case let .runDeleted(r), let .runRestored(r):
            return .object([JSONMember("run_id", run(r))])
        case let .modelCreated(m, name, description, owner, purpose, riskTier):
            _ = m
            return .object([JSONMember("model", .string(name)), JSONMember("description", .string(description)),
                            JSONMember("owner", .string(owner)), JSONMember("purpose", .string(purpose)),
                            JSONMember("risk_tier", tier(riskTier))])
        case let .modelUpdated(m, description, owner, purpose, riskTier, validationStatus):
            return .object([JSONMember("model", model(m)), JSONMember("description", .string(description)),
                            JSONMember("owner", .string(owner)), JSONMember("purpose", .string(purpose)),
                            JSONMember("risk_tier", riskTier.map(tier) ?? .null),
                            JSONMember("validation", validationStatus.map(validation) ?? .null)])
        case let .modelDeleted(m), let .modelRestored(m):
            return .object([JSONMember("model", model(m))])
        case let .versionRegistered(m, version, r, artifactPath, artifactSHA256, parent, description, datasets, metrics):
            return .object([
                JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))), JSONMember("run_id", run(r)),
                JSONMember("artifact_path", .string(artifactPath)), JSONMember("artifact_sha256", .string(artifactSHA256)),
                JSONMember("parent_version", .int(parent)), JSONMember("description", .string(description)),
                JSONMember("datasets", .array(datasets.map {
                    .object([JSONMember("name", .string($0.key)), JSONMember("digest", .string($0.value))])
                })),
                JSONMember("metrics", .object(metrics.map { JSONMember($0.key, Double($0.value).map { .double($0) } ?? .string($0.value)) })),
            ])
        case let .stageChanged(m, version, from, to, archived):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                            JSONMember("from", .string(from.name)), JSONMember("to", .string(to.name)),
                            JSONMember("archived", .array(archived.map { .int(Int64($0)) }))])
        case let .aliasSet(m, alias, version):
            return .object([JSONMember("model", model(m)), JSONMember("alias", .string(alias)),
                            JSONMember("version", .int(Int64(version)))])
        case let .aliasRemoved(m, alias):
            return .object([JSONMember("model", model(m)), JSONMember("alias", .string(alias))])
        case let .policySet(m, p):
            return .object([
                JSONMember("model", model(m)), JSONMember("metric", .string(p.metric)),
                JSONMember("lower_is_better", .bool(p.lowerIsBetter)), JSONMember("min", .double(p.minimum)),
                JSONMember("improvement", .double(p.improvementPercent)),
                JSONMember("max_latency_ms", .double(p.maxLatencyMs)),
                JSONMember("require_approval", .bool(p.requiresApproval)),
                JSONMember("separate_approver", .bool(p.separateApprover)),
            ])
        case let .promotionEvaluated(m, version, e):
            return .object([
                JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                JSONMember("decision", .string(e.decision.name)), JSONMember("explanation", .string(e.explanation)),
                JSONMember("challenger_value", .double(e.challengerValue)),
                JSONMember("champion_version", .int(e.champion)),
                JSONMember("champion_value", .double(e.championValue)),
                JSONMember("improvement", .double(e.improvementPercent)),
                JSONMember("latency_ms", .double(e.latencyMs)),
            ])
        case let .promotionApproved(m, version), let .promotionRejected(m, version):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version)))])
        case let .rollbackPerformed(m, toTime, toSequence):
            return .object([JSONMember("model", model(m)), JSONMember("to_time", toTime.map { Timestamp.isRecordable($0) ? .string(Timestamp.iso($0)) : .int($0) } ?? .null),
                            JSONMember("to_sequence", toSequence.map { .int(Int64(truncatingIfNeeded: $0)) } ?? .null)])
        case let .abTestCreated(_, name, m, variants, metric, continuous, guardrails, minimumSample, alpha, salt, sequential):
            return .object([
                JSONMember("test", .string(name)), JSONMember("model", model(m)),
                JSONMember("variants", .array(variants.map { v in
                    .object([JSONMember("name", .string(v.name)), JSONMember("version", .int(Int64(v.version))),
                             JSONMember("weight_bp", .int(Int64(v.weightBasisPoints)))])
                })),
                JSONMember("metric", .string(metric)), JSONMember("continuous", .bool(continuous)),
                JSONMember("guardrails", .array(guardrails.map { g in
                    .object([JSONMember("metric", .string(g.metric)), JSONMember("bad", .string(g.higherIsWorse ? "higher" : "lower"))])
                })),
                JSONMember("min_sample", .int(Int64(minimumSample))), JSONMember("alpha", .double(alpha)),
                JSONMember("salt", .string(salt)), JSONMember("sequential", .bool(sequential)),
            ])
        case let .abTestStarted(t), let .abTestStopped(t):
            return .object([JSONMember("test", abTest(t))])
        case let .abUnitsAssigned(t, units, variants):
            let names = t >= 1 && t <= state.abTests.count ? state.abTests[t - 1].variants.map(\.name) : []
            return .object([JSONMember("test", abTest(t)), JSONMember("units", .array(zip(units, variants).map { u, v in
                .object([JSONMember("unit", .string(u)), JSONMember("variant", v < names.count ? .string(names[v]) : .int(Int64(v)))])
            }))])
        case let .abOutcomesRecorded(t, outcomes):
            let test = t >= 1 && t <= state.abTests.count ? state.abTests[t - 1] : nil
            func metricName(_ i: Int) -> JSON {
                guard let test else { return .int(Int64(i)) }
                if i == 0 { return .string(test.metric) }
                return i - 1 < test.guardrails.count ? .string(test.guardrails[i - 1].metric) : .int(Int64(i))
            }
            return .object([JSONMember("test", abTest(t)), JSONMember("outcomes", .array(outcomes.map { o in
                .object([JSONMember("unit", .string(o.unit)), JSONMember("metric", metricName(o.metric)),
                         JSONMember("value", .double(o.value))])
            }))])
        case let .predictionsLogged(m, version, latencies, predictions, actuals):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                            JSONMember("predictions", .array(latencies.indices.map { i in
                                .object([JSONMember("latency_ms", .double(latencies[i])),
                                         JSONMember("prediction", .double(i < predictions.count ? predictions[i] : nil)),
                                         JSONMember("actual", .double(i < actuals.count ? actuals[i] : nil))])
                            }))])
        case let .baselineSet(m, version, values, source):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                            JSONMember("values", .array(values.map { .double($0) })), JSONMember("source", .string(source))])
        case let .driftChecked(m, version, since, psi, d, p, drifted, baselineSize, currentSize):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                            JSONMember("since", since.map { Timestamp.isRecordable($0) ? .string(Timestamp.iso($0)) : .int($0) } ?? .null),
                            JSONMember("psi", .double(psi)), JSONMember("ks_statistic", .double(d)),
                            JSONMember("ks_p_value", .double(p)), JSONMember("drifted", .bool(drifted)),
                            JSONMember("baseline_size", .int(Int64(baselineSize))), JSONMember("current_size", .int(Int64(currentSize)))])
        case let .alertRaised(m, version, kind, metric, threshold, observed, message):
            return .object([JSONMember("model", model(m)), JSONMember("version", .int(Int64(version))),
                            JSONMember("kind", .string(kind)), JSONMember("metric", .string(metric)),
                            JSONMember("threshold", .double(threshold)), JSONMember("observed", .double(observed)),
                            JSONMember("message", .string(message))])
        case let .monitorThresholdsSet(m, psi, ksPValue, relativeDrop):
            return .object([JSONMember("model", model(m)), JSONMember("psi", .double(psi)),
                            JSONMember("ks_p_value", .double(ksPValue)), JSONMember("relative_drop", .double(relativeDrop))])
        case let .storeRepaired(after, removed, savedTo):
            return .object([JSONMember("truncated_after", .int(Int64(truncatingIfNeeded: after))),
                            JSONMember("removed_bytes", .int(removed)), JSONMember("saved_to", .string(savedTo))])
        case let .storePruned(through, time, chain, segments, bytes):
            return .object([JSONMember("through_seq", .int(Int64(truncatingIfNeeded: through))),
                            JSONMember("through_time", Render.time(time)), JSONMember("chain", .string(chain)),
                            JSONMember("segments", .int(Int64(segments))), JSONMember("bytes", .int(bytes))])
        case let .retentionSet(days):
            return .object([JSONMember("min_days", .int(Int64(days)))])
        case let .identityErased(pseudonym):
            return .object([JSONMember("pseudonym", .string(pseudonym))])
        case let .abTestConcluded(t, decision, promoted):
            let names = t >= 1 && t <= state.abTests.count ? state.abTests[t - 1].variants.map(\.name) : []
            return .object([JSONMember("test", abTest(t)), JSONMember("decision", .string(decision)),
                            JSONMember("promoted_variant", promoted.map { $0 < names.count ? .string(names[$0]) : .int(Int64($0)) } ?? .null)])
        }
    }

    // MARK: Reading

    /// The event an export line stands for, with its actor, reason and time, ready for
    /// ``LogbookStore/importEvent(_:actor:reason:time:)``.
    /// - Parameter state: the state the event will follow (names become ordinals through it; a created run or
    ///   model takes the next ordinal).
    /// - Throws: `.usage` for a malformed line (unknown type, missing or mistyped key), `.notFound` for a run,
    ///   model or experiment the state does not have.
    public static func event(from line: JSON, state: LogbookState) throws(LogbookError)
        -> (event: Event, actor: String, reason: String?, time: Int64) {
        let envelope = try JSONObjectReader(line, what: "the export line")
        if let seq = envelope.present("seq") {
            guard let n = seq.integerValue, n >= 1 else {
                throw LogbookError(.usage, "\"seq\" in the export line must be a sequence number (1 or more)")
            }
        }
        let type = try envelope.string("type")
        let time = try envelope.time("time")
        let actor = try envelope.string("actor")
        let reason = try envelope.optionalString("reason")
        guard let dataValue = envelope.value("data") else { throw envelope.missing("data") }
        let data = try JSONObjectReader(dataValue, what: "\"data\" of \(type)")
        return (try event(type: type, data: data, state: state), actor, reason, time)
    }

    private static func event(type: String, data d: JSONObjectReader, state: LogbookState) throws(LogbookError) -> Event {
        func run(_ key: String = "run_id") throws(LogbookError) -> Int {
            let id = try d.string(key)
            guard let r = state.run(id: id) else {
                throw LogbookError(.notFound, "No run with id '\(id)' (\(type) refers to a run the store does not have)")
            }
            return r.ordinal
        }
        func model() throws(LogbookError) -> Int {
            let name = try d.string("model")
            guard let m = state.model(named: name) else {
                throw LogbookError(.notFound, "No model named '\(name)' (\(type) refers to a model the store does not have)")
            }
            return m.ordinal
        }
        func experiment() throws(LogbookError) -> Int {
            if let id = try d.optionalCount("experiment_id") {
                guard id <= state.experiments.count else {
                    throw LogbookError(.notFound, "No experiment with id \(id) (\(type) refers to an experiment the store does not have)")
                }
                return id
            }
            let name = try d.string("experiment")
            guard let e = state.experiment(named: name) else {
                throw LogbookError(.notFound, "No experiment named '\(name)' (\(type) refers to an experiment the store does not have)")
            }
            return e.id
        }
        func version() throws(LogbookError) -> Int { try d.count("version") }
        func stage(_ key: String) throws(LogbookError) -> Stage {
            let name = try d.string(key)
            guard let s = Stage(name: name) else {
                throw LogbookError(.usage, "\"\(key)\" in \"data\" of \(type) is not a stage: '\(name)' (None, Staging, Production, Archived)")
            }
            return s
        }
        func tier(_ key: String) throws(LogbookError) -> RiskTier? {
            guard let name = try d.optionalString(key) else { return nil }
            guard let t = Ingest.riskTier(name) else {
                throw LogbookError(.usage, "\"\(key)\" in \"data\" of \(type) is not a risk tier: '\(name)' (low, medium, high)")
            }
            return t
        }

        switch type {
        case "experiment.created":
            let id = try d.optionalCount("experiment_id") ?? state.experiments.count + 1
            return .experimentCreated(id: id, name: try d.string("name"), tags: try d.keyValues("tags"))
        case "experiment.renamed":
            return .experimentRenamed(id: try experiment(), name: try d.string("name"))
        case "experiment.deleted":
            return .experimentDeleted(id: try experiment())
        case "experiment.restored":
            return .experimentRestored(id: try experiment())
        case "run.started":
            let parent: Int? = try d.optionalString("parent_run_id") != nil ? try run("parent_run_id") : nil
            return .runStarted(run: state.runs.count + 1, id: try d.string("run_id"), experiment: try experiment(),
                               name: try d.string("name"), parent: parent, tags: try d.keyValues("tags"),
                               source: try d.optionalString("source"), gitCommit: try d.optionalString("git_commit"))
        case "params.logged":
            return .paramsLogged(run: try run(), params: try d.keyValues("params"))
        case "metrics.logged":
            let r = try run()
            var series: [MetricSeries] = []
            for item in try d.array("metrics") {
                let s = try JSONObjectReader(item, what: "a metric of \(type)")
                let key = try s.string("key")
                let pointValues = try s.array("points")
                var points: [MetricPoint] = []
                points.reserveCapacity(pointValues.count)
                for (n, pv) in pointValues.enumerated() {
                    // The hot loop of a metrics-heavy import: no per-point reader, no per-point strings.
                    guard case .object(let members) = pv else {
                        throw LogbookError(.usage, "point \(n + 1) of metric '\(key)' must be an object, not \(pv.kindDescription)")
                    }
                    var step: Int64?, value: Double?, time: Int64?
                    for m in members {
                        switch m.key {
                        case "step": step = m.value.integerValue
                        case "value": value = m.value.numberValue
                        case "time":
                            if case .string(let text) = m.value { time = Timestamp.parse(text) } else { time = m.value.integerValue }
                        default: continue
                        }
                    }
                    guard let step, let value, let time else {
                        throw LogbookError(.usage, "point \(n + 1) of metric '\(key)' needs \"step\" (an integer), "
                                           + "\"value\" (a number, \"NaN\", \"Infinity\" or \"-Infinity\") and \"time\" "
                                           + "(milliseconds or ISO-8601)")
                    }
                    points.append(MetricPoint(step: step, value: value, time: time))
                }
                series.append(MetricSeries(key: key, points: points))
            }
            return .metricsLogged(run: r, series: series)
        case "tags.set":
            return .tagsSet(run: try run(), tags: try d.keyValues("tags"))
        case "tags.deleted":
            var keys: [String] = []
            for k in try d.array("keys") {
                guard case .string(let s) = k else { throw d.mistyped("keys", "an array of strings", k) }
                keys.append(s)
            }
            return .tagsDeleted(run: try run(), keys: keys)
        case "artifact.recorded":
            return .artifactRecorded(run: try run(), path: try d.string("path"), size: try d.int("size"),
                                     sha256: try d.string("sha256"))
        case "dataset.linked":
            return .datasetLinked(run: try run(), name: try d.string("name"), digest: try d.string("digest"))
        case "run.ended":
            let name = try d.string("status")
            guard let status = RunStatus.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw LogbookError(.usage, "\"status\" in \"data\" of \(type) is not a run status: '\(name)'")
            }
            return .runEnded(run: try run(), status: status)
        case "run.deleted":
            return .runDeleted(run: try run())
        case "run.restored":
            return .runRestored(run: try run())
        case "model.created":
            return .modelCreated(model: state.modelCount + 1, name: try d.string("model"),
                                 description: try d.optionalString("description"), owner: try d.optionalString("owner"),
                                 purpose: try d.optionalString("purpose"), riskTier: try tier("risk_tier") ?? .unspecified)
        case "model.updated":
            var validation: ValidationStatus?
            if let name = try d.optionalString("validation") {
                guard let v = Ingest.validationStatus(name) else {
                    throw LogbookError(.usage, "\"validation\" in \"data\" of \(type) is not a validation status: '\(name)'")
                }
                validation = v
            }
            return .modelUpdated(model: try model(), description: try d.optionalString("description"),
                                 owner: try d.optionalString("owner"), purpose: try d.optionalString("purpose"),
                                 riskTier: try tier("risk_tier"), validation: validation)
        case "model.deleted":
            return .modelDeleted(model: try model())
        case "model.restored":
            return .modelRestored(model: try model())
        case "version.registered":
            var datasets: [KeyValue] = []
            for item in try d.optionalArray("datasets") ?? [] {
                let ds = try JSONObjectReader(item, what: "a dataset of \(type)")
                datasets.append(KeyValue(try ds.string("name"), try ds.string("digest")))
            }
            return .versionRegistered(model: try model(), version: try version(), run: try run(),
                                      artifactPath: try d.optionalString("artifact_path"),
                                      artifactSHA256: try d.optionalString("artifact_sha256"),
                                      parent: try d.optionalCount("parent_version"),
                                      description: try d.optionalString("description"), datasets: datasets,
                                      metrics: try registrationMetrics(d))
        case "stage.changed":
            var archived: [Int] = []
            for a in try d.optionalArray("archived") ?? [] {
                guard let n = a.integerValue, let v = Int(exactly: n), v >= 1 else {
                    throw d.mistyped("archived", "an array of version numbers", a)
                }
                archived.append(v)
            }
            return .stageChanged(model: try model(), version: try version(), from: try stage("from"), to: try stage("to"),
                                 archived: archived)
        case "alias.set":
            return .aliasSet(model: try model(), alias: try d.string("alias"), version: try version())
        case "alias.removed":
            return .aliasRemoved(model: try model(), alias: try d.string("alias"))
        case "policy.set":
            let policy = PromotionPolicy(metric: try d.string("metric"), lowerIsBetter: try d.bool("lower_is_better"),
                                         minimum: try d.optionalDouble("min"),
                                         improvementPercent: try d.optionalDouble("improvement"),
                                         maxLatencyMs: try d.optionalDouble("max_latency_ms"),
                                         requiresApproval: try d.bool("require_approval"),
                                         separateApprover: try d.bool("separate_approver"))
            return .policySet(model: try model(), policy: policy)
        case "promotion.evaluated":
            let name = try d.string("decision")
            guard let decision = PromotionDecision.allCases.first(where: { $0.name == name }) else {
                throw LogbookError(.usage, "\"decision\" in \"data\" of \(type) is not a decision: '\(name)' "
                                   + "(promoted, pending_approval, rejected)")
            }
            let evaluation = PromotionEvaluation(
                challengerValue: try d.optionalDouble("challenger_value"),
                champion: try d.optionalCount("champion_version"), championValue: try d.optionalDouble("champion_value"),
                improvementPercent: try d.optionalDouble("improvement"), latencyMs: try d.optionalDouble("latency_ms"),
                decision: decision, explanation: try d.optionalString("explanation") ?? "")
            return .promotionEvaluated(model: try model(), version: try version(), evaluation: evaluation)
        case "promotion.approved":
            return .promotionApproved(model: try model(), version: try version())
        case "promotion.rejected":
            return .promotionRejected(model: try model(), version: try version())
        case "rollback.performed":
            var toSequence: UInt64?
            if let s = try d.optionalInt("to_sequence") {
                guard s >= 0 else { throw LogbookError(.usage, "\"to_sequence\" in \"data\" of \(type) must be 0 or more") }
                toSequence = UInt64(s)
            }
            return .rollbackPerformed(model: try model(), toTime: try d.optionalTime("to_time"), toSequence: toSequence)
        case "predictions.logged":
            var latencies: [Double] = [], predictions: [Double?] = [], actuals: [Double?] = []
            for item in try d.array("predictions") {
                let p = try JSONObjectReader(item, what: "a prediction of \(type)")
                latencies.append(try p.double("latency_ms"))
                predictions.append(try p.optionalDouble("prediction"))
                actuals.append(try p.optionalDouble("actual"))
            }
            return .predictionsLogged(model: try model(), version: try version(), latencies: latencies,
                                      predictions: predictions, actuals: actuals)
        case "baseline.set":
            var values: [Double] = []
            for v in try d.array("values") {
                guard let x = v.numberValue else { throw d.mistyped("values", "an array of numbers", v) }
                values.append(x)
            }
            return .baselineSet(model: try model(), version: try version(), values: values, source: try d.string("source"))
        case "drift.checked":
            return .driftChecked(model: try model(), version: try version(), since: try d.optionalTime("since"),
                                 psi: try d.double("psi"), ksStatistic: try d.double("ks_statistic"),
                                 ksPValue: try d.double("ks_p_value"), drifted: try d.bool("drifted"),
                                 baselineSize: try d.count("baseline_size", minimum: 0),
                                 currentSize: try d.count("current_size", minimum: 0))
        case "alert.raised":
            return .alertRaised(model: try model(), version: try version(), kind: try d.string("kind"),
                                metric: try d.string("metric"), threshold: try d.double("threshold"),
                                observed: try d.double("observed"), message: try d.string("message"))
        case "monitor.thresholds_set":
            return .monitorThresholdsSet(model: try model(), psi: try d.double("psi"), ksPValue: try d.double("ks_p_value"),
                                         relativeDrop: try d.double("relative_drop"))
        case "store.repaired":
            guard let after = UInt64(exactly: try d.int("truncated_after")) else {
                throw LogbookError(.usage, "\"truncated_after\" in \"data\" of \(type) must be 0 or more")
            }
            return .storeRepaired(truncatedAfter: after, removedBytes: try d.int("removed_bytes"), savedTo: try d.string("saved_to"))
        case "store.pruned":
            throw LogbookError(.refused, "A store.pruned event describes the files of the store it happened in; it cannot be "
                               + "imported into another")
        case "retention.set":
            return .retentionSet(minDays: try d.count("min_days"))
        case "identity.erased":
            return .identityErased(pseudonym: try d.string("pseudonym"))
        case "ab.created":
            var variants: [ABVariant] = []
            for item in try d.array("variants") {
                let v = try JSONObjectReader(item, what: "a variant of \(type)")
                variants.append(ABVariant(name: try v.string("name"), version: try v.count("version"),
                                          weightBasisPoints: try v.count("weight_bp")))
            }
            var guardrails: [ABGuardrail] = []
            for item in try d.optionalArray("guardrails") ?? [] {
                let g = try JSONObjectReader(item, what: "a guardrail of \(type)")
                let bad = try g.string("bad")
                guard bad == "higher" || bad == "lower" else {
                    throw LogbookError(.usage, "\"bad\" of a guardrail of \(type) is 'higher' or 'lower', not '\(bad)'")
                }
                guardrails.append(ABGuardrail(metric: try g.string("metric"), higherIsWorse: bad == "higher"))
            }
            return .abTestCreated(test: state.abTests.count + 1, name: try d.string("test"), model: try model(),
                                  variants: variants, metric: try d.string("metric"), continuous: try d.bool("continuous"),
                                  guardrails: guardrails, minimumSample: try d.count("min_sample", minimum: 0),
                                  alpha: try d.double("alpha"), salt: try d.string("salt"), sequential: try d.bool("sequential"))
        case "ab.started", "ab.stopped", "ab.assigned", "ab.outcomes_recorded", "ab.concluded":
            let name = try d.string("test")
            guard let test = state.abTest(named: name) else {
                throw LogbookError(.notFound, "No A/B test named '\(name)' (\(type) refers to a test the store does not have)")
            }
            func variant(_ name: String) throws(LogbookError) -> Int {
                guard let i = test.variants.firstIndex(where: { $0.name == name }) else {
                    throw LogbookError(.notFound, "A/B test '\(test.name)' has no variant '\(name)'")
                }
                return i
            }
            switch type {
            case "ab.started": return .abTestStarted(test: test.ordinal)
            case "ab.stopped": return .abTestStopped(test: test.ordinal)
            case "ab.assigned":
                var units: [String] = [], variants: [Int] = []
                for item in try d.array("units") {
                    let u = try JSONObjectReader(item, what: "a unit of \(type)")
                    units.append(try u.string("unit"))
                    variants.append(try variant(try u.string("variant")))
                }
                return .abUnitsAssigned(test: test.ordinal, units: units, variants: variants)
            case "ab.outcomes_recorded":
                var outcomes: [ABOutcome] = []
                for item in try d.array("outcomes") {
                    let o = try JSONObjectReader(item, what: "an outcome of \(type)")
                    let key = try o.string("metric")
                    let metric: Int
                    if key == test.metric {
                        metric = 0
                    } else if let g = test.guardrails.firstIndex(where: { $0.metric == key }) {
                        metric = g + 1
                    } else {
                        throw LogbookError(.notFound, "A/B test '\(test.name)' has no metric '\(key)'")
                    }
                    outcomes.append(ABOutcome(unit: try o.string("unit"), metric: metric, value: try o.double("value")))
                }
                return .abOutcomesRecorded(test: test.ordinal, outcomes: outcomes)
            default:
                let promoted = try d.optionalString("promoted_variant")
                return .abTestConcluded(test: test.ordinal, decision: try d.string("decision"),
                                        promotedVariant: try promoted.map { (n) throws(LogbookError) in try variant(n) })
            }
        default:
            throw LogbookError(.usage, "Unknown event type '\(type)'")
        }
    }

    /// The metrics of a `version.registered` line: numbers (or "NaN", "Infinity", "-Infinity"), kept as the text
    /// the registry stores; older exports wrote the text itself, which is taken as it is.
    static func registrationMetrics(_ d: JSONObjectReader) throws(LogbookError) -> [KeyValue] {
        guard let value = d.present("metrics") else { return [] }
        guard case .object(let members) = value else { throw d.mistyped("metrics", "an object", value) }
        var result: [KeyValue] = []
        for m in members {
            switch m.value {
            case .string(let text):
                switch text {
                case "NaN": result.append(KeyValue(m.key, Double.nan.description))
                case "Infinity": result.append(KeyValue(m.key, Double.infinity.description))
                case "-Infinity": result.append(KeyValue(m.key, (-Double.infinity).description))
                default: result.append(KeyValue(m.key, text))
                }
            default:
                guard let number = m.value.numberValue else { throw d.mistyped("metrics", "an object of numbers", m.value) }
                result.append(KeyValue(m.key, number.description))
            }
        }
        return result
    }
}
