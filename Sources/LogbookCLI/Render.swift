import Logbook
import LogbookEvents

/// Human formatting of values.
enum Human {
    /// `2026-03-01 14:00:00` (UTC, to the second); `-` when absent.
    static func time(_ t: Int64?) -> String {
        guard let t, t != .min else { return "-" }
        let iso = Timestamp.iso(t) // 2026-03-01T14:00:00.000Z
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8))
    }

    /// A metric value: shortest exact form; NaN, Infinity, -Infinity.
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        return v.description
    }

    /// A byte count.
    static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return "\((v * 10).rounded() / 10) \(units[u])"
    }

    static func text(_ s: String?) -> String { s.map { $0.isEmpty ? "-" : $0 } ?? "-" }
}

/// JSON shapes of the domain objects (docs/cli.md lists them).
enum Render {
    /// An ISO-8601 UTC time with milliseconds, or null.
    static func time(_ t: Int64?) -> JSON {
        guard let t, t != .min else { return .null }
        return .string(Timestamp.iso(t))
    }

    static func object(_ pairs: [KeyValue]) -> JSON { .object(pairs.map { JSONMember($0.key, .string($0.value)) }) }

    /// A run's latest metrics, sorted by key.
    static func latestMetrics(_ r: Run, _ s: LogbookState) -> [(key: String, metric: LatestMetric)] {
        r.latest.map { (s.metricKeys.strings[Int($0.key)], $0) }.sorted { $0.key < $1.key }
    }

    /// The value of a run's metric, if it has one.
    static func metric(_ r: Run, _ key: String, _ s: LogbookState) -> Double? {
        guard let id = s.metricKeys.id(of: key) else { return nil }
        return r.latest.first { $0.key == id }?.value
    }

    static func experimentName(_ id: Int, _ s: LogbookState) -> String {
        id >= 1 && id <= s.experiments.count ? s.experiments[id - 1].name : String(id)
    }

    /// CLI.md: run_id, experiment, name, status, start_time, end_time, parent_run_id, params, metrics, tags; plus
    /// experiment_id, deleted, git_commit, source, artifacts, datasets, metric_steps.
    static func run(_ r: Run, _ s: LogbookState) -> JSON {
        let metrics = latestMetrics(r, s)
        return .object([
            JSONMember("run_id", .string(r.id)),
            JSONMember("experiment", .string(experimentName(r.experiment, s))),
            JSONMember("experiment_id", .int(Int64(r.experiment))),
            JSONMember("name", .string(r.name)),
            JSONMember("status", .string(r.status.name)),
            JSONMember("start_time", time(r.startTime)),
            JSONMember("end_time", time(r.endTime)),
            JSONMember("parent_run_id", .string(r.parent.map { s.runID($0) })),
            JSONMember("params", object(r.params)),
            JSONMember("metrics", .object(metrics.map { JSONMember($0.key, .double($0.metric.value)) })),
            JSONMember("tags", object(r.tags)),
            JSONMember("metric_steps", .object(metrics.map { JSONMember($0.key, .int($0.metric.step)) })),
            JSONMember("deleted", .bool(r.isDeleted)),
            JSONMember("git_commit", .string(r.gitCommit)),
            JSONMember("source", .string(r.source)),
            JSONMember("artifacts", .array(r.artifacts.map(artifact))),
            JSONMember("datasets", .array(r.datasets.map { .object([JSONMember("name", .string($0.key)),
                                                                    JSONMember("digest", .string($0.value))]) })),
        ])
    }

    static func artifact(_ a: Artifact) -> JSON {
        .object([JSONMember("path", .string(a.path)), JSONMember("size", .int(a.size)),
                 JSONMember("sha256", .string(a.sha256))])
    }

    static func experiment(_ e: Experiment, _ s: LogbookState) -> JSON {
        let runs = s.runCounts(of: e)
        return .object([
            JSONMember("experiment_id", .int(Int64(e.id))),
            JSONMember("name", .string(e.name)),
            JSONMember("tags", object(e.tags)),
            JSONMember("created_time", time(e.createdTime)),
            JSONMember("deleted", .bool(e.isDeleted)),
            JSONMember("runs", .int(Int64(runs.live))),
            JSONMember("active_runs", .int(Int64(runs.running))),
        ])
    }

    /// CLI.md: version, stage, aliases, run_id, created_time, description; plus artifact, artifact_sha256,
    /// parent_version, stage_time, pending_approval (who asked), metrics (at registration), datasets.
    static func version(_ v: ModelVersion, of m: Model, _ s: LogbookState, actorName: (String) -> String = { $0 }) -> JSON {
        .object([
            JSONMember("version", .int(Int64(v.number))),
            JSONMember("stage", .string(v.stage.name)),
            JSONMember("aliases", .array(m.aliases(of: v.number).map { .string($0) })),
            JSONMember("run_id", .string(s.runID(v.run))),
            JSONMember("created_time", time(v.createdTime)),
            JSONMember("description", .string(v.description)),
            JSONMember("artifact", .string(v.artifactPath)),
            JSONMember("artifact_sha256", .string(v.artifactSHA256)),
            JSONMember("parent_version", .int(v.parent)),
            JSONMember("stage_time", time(v.stageTime)),
            JSONMember("pending_approval", .bool(v.pendingPromotionBy != nil)),
            JSONMember("requested_by", .string(v.pendingPromotionBy.map(actorName))),
            JSONMember("metrics", .object(v.metrics.map { JSONMember($0.key, numberOrText($0.value)) })),
            JSONMember("datasets", .array(v.datasets.map { .object([JSONMember("name", .string($0.key)),
                                                                    JSONMember("digest", .string($0.value))]) })),
        ])
    }

    /// A metric recorded as text ("0.91", "nan") as a JSON number where it is one.
    static func numberOrText(_ text: String) -> JSON {
        if let d = Double(text) { return .double(d) }
        return .string(text)
    }

    static func policy(_ p: PromotionPolicy?) -> JSON {
        guard let p else { return .null }
        return .object([
            JSONMember("metric", .string(p.metric)),
            JSONMember("lower_is_better", .bool(p.lowerIsBetter)),
            JSONMember("min", .double(p.minimum)),
            JSONMember("improvement", .double(p.improvementPercent)),
            JSONMember("max_latency_ms", .double(p.maxLatencyMs)),
            JSONMember("require_approval", .bool(p.requiresApproval)),
            JSONMember("separate_approver", .bool(p.separateApprover)),
        ])
    }

    /// Whether a model counts as archived for `model list`: it has versions and every one is Archived.
    static func isArchived(_ m: Model) -> Bool { !m.versions.isEmpty && m.versions.allSatisfy { $0.stage == .archived } }

    /// The summary of a model in `model list`.
    static func modelSummary(_ m: Model) -> JSON {
        .object([
            JSONMember("name", .string(m.name)),
            JSONMember("description", .string(m.description)),
            JSONMember("owner", .string(m.owner)),
            JSONMember("purpose", .string(m.purpose)),
            JSONMember("risk_tier", .string(m.riskTier == .unspecified ? nil : m.riskTier.name)),
            JSONMember("validation", .string(m.validation == .unspecified ? nil : m.validation.name)),
            JSONMember("latest_version", .int(m.versions.last?.number)),
            JSONMember("production_version", .int(m.production?.number)),
            JSONMember("staging_version", .int(m.versions.last { $0.stage == .staging }?.number)),
            JSONMember("versions", .int(Int64(m.versions.count))),
            JSONMember("created_time", time(m.createdTime)),
            JSONMember("archived", .bool(isArchived(m))),
            JSONMember("deleted", .bool(m.isDeleted)),
        ])
    }

    /// `model show`: the inventory fields, versions, aliases and policy.
    static func model(_ m: Model, _ s: LogbookState, actorName: (String) -> String = { $0 }) -> JSON {
        .object([
            JSONMember("name", .string(m.name)),
            JSONMember("description", .string(m.description)),
            JSONMember("owner", .string(m.owner)),
            JSONMember("purpose", .string(m.purpose)),
            JSONMember("risk_tier", .string(m.riskTier == .unspecified ? nil : m.riskTier.name)),
            JSONMember("validation", .string(m.validation == .unspecified ? nil : m.validation.name)),
            JSONMember("created_time", time(m.createdTime)),
            JSONMember("deleted", .bool(m.isDeleted)),
            JSONMember("production_version", .int(m.production?.number)),
            JSONMember("aliases", .object(m.aliases.map { JSONMember($0.key, .int(Int($0.value))) })),
            JSONMember("policy", policy(m.policy)),
            JSONMember("versions", .array(m.versions.map { version($0, of: m, s, actorName: actorName) })),
        ])
    }

    /// One model history entry.
    static func change(_ c: ModelChange) -> JSON {
        .object([
            JSONMember("seq", .int(Int64(c.sequence))),
            JSONMember("time", time(c.time)),
            JSONMember("actor", .string(c.actor)),
            JSONMember("reason", .string(c.reason)),
            JSONMember("kind", .string(c.kind)),
            JSONMember("version", .int(c.version)),
            JSONMember("alias", .string(c.alias)),
            JSONMember("from", .string(c.from)),
            JSONMember("to", .string(c.to)),
        ])
    }
}

// MARK: A/B tests

extension Render {
    /// A number of the A/B documents: null when absent or not finite (undefined statistics are null, not "NaN").
    static func abNumber(_ d: Double?) -> JSON {
        guard let d, d.isFinite else { return .null }
        return .double(d)
    }

    /// A variant's definition: name, version, weight in basis points.
    static func abVariant(_ v: ABVariant) -> JSON {
        .object([JSONMember("name", .string(v.name)), JSONMember("version", .int(v.version)),
                 JSONMember("weight_bp", .int(v.weightBasisPoints))])
    }

    /// `ab status --json` (CLI.md: test, status, variants[], comparisons[], srm_p_value, decision) plus the test's
    /// settings, raw_p_value and chance_to_win per comparison, guardrails[], power_reached and the times.
    static func abStatus(_ r: ABStatusReport, _ s: LogbookState) -> [JSONMember] {
        let t = r.test
        let a = r.analysis
        let variants: [JSON] = r.variants.map { v in
            .object([
                JSONMember("name", .string(v.name)),
                JSONMember("version", .int(v.version)),
                JSONMember("weight_bp", .int(v.weightBasisPoints)),
                JSONMember("units", .int(v.units)),
                JSONMember("outcomes", .int(v.outcomes)),
                JSONMember("conversions", .int(v.conversions)),
                JSONMember("mean", abNumber(v.mean)),
                JSONMember("variance", abNumber(v.variance)),
            ])
        }
        let comparisons: [JSON] = (a?.comparisons ?? []).map { c in
            .object([
                JSONMember("variant", .string(c.variant)),
                JSONMember("against", .string(c.against)),
                JSONMember("lift", abNumber(c.lift)),
                JSONMember("rel_lift", abNumber(c.relativeLift)),
                JSONMember("ci_low", abNumber(c.interval?.lower)),
                JSONMember("ci_high", abNumber(c.interval?.upper)),
                JSONMember("p_value", abNumber(c.pValue)),
                JSONMember("significant", .bool(c.isSignificant)),
                JSONMember("raw_p_value", abNumber(c.rawPValue)),
                JSONMember("chance_to_win", abNumber(c.chanceToWin)),
            ])
        }
        let control = t.variants.first?.name
        let guardrails: [JSON] = (a?.guardrails ?? []).map { g in
            let def = g.guardrail >= 0 && g.guardrail < t.guardrails.count ? t.guardrails[g.guardrail] : nil
            let arm = t.variants.firstIndex { $0.name == g.variant }
            func mean(_ v: Int?) -> JSON {
                guard let v, v < t.tallies.count, g.guardrail + 1 < t.tallies[v].count else { return .null }
                return abNumber(t.tallies[v][g.guardrail + 1].summary.mean)
            }
            return .object([
                JSONMember("metric", .string(def?.metric)),
                JSONMember("variant", .string(g.variant)),
                JSONMember("against", .string(control)),
                JSONMember("harm", .string(def.map { $0.higherIsWorse ? "higher" : "lower" })),
                JSONMember("mean", mean(arm)),
                JSONMember("control_mean", mean(0)),
                JSONMember("lift", abNumber(g.lift)),
                JSONMember("p_value", abNumber(g.pValue)),
                JSONMember("violated", .bool(g.isViolated)),
            ])
        }
        return [
            JSONMember("test", .string(t.name)),
            JSONMember("status", .string(t.status.rawValue)),
            JSONMember("variants", .array(variants)),
            JSONMember("comparisons", .array(comparisons)),
            JSONMember("srm_p_value", abNumber(a?.srmPValue)),
            JSONMember("decision", .string(t.decision ?? r.decision)),
            JSONMember("model", .string(modelName(t.model, s))),
            JSONMember("metric", .string(t.metric)),
            JSONMember("continuous", .bool(t.continuous)),
            JSONMember("alpha", abNumber(t.alpha)),
            JSONMember("min_sample", .int(t.minimumSample)),
            JSONMember("power_reached", a.map { .bool($0.isPowerReached) } ?? .null),
            JSONMember("sequential", .bool(t.sequential)),
            JSONMember("salt", .string(t.salt)),
            JSONMember("guardrails", .array(guardrails)),
            JSONMember("units", .int(t.units.reduce(0, +))),
            JSONMember("created_time", time(t.createdTime)),
            JSONMember("started_time", time(t.startedTime)),
            JSONMember("stopped_time", time(t.stoppedTime)),
            JSONMember("promoted_variant", .string(t.promotedVariant.flatMap { $0 < t.variants.count ? t.variants[$0].name : nil })),
        ]
    }

    /// One test of `ab list --json`: name, model, status, variants, units, decision; plus metric and times.
    static func abSummary(_ r: ABStatusReport, _ s: LogbookState) -> JSON {
        let t = r.test
        return .object([
            JSONMember("name", .string(t.name)),
            JSONMember("model", .string(modelName(t.model, s))),
            JSONMember("status", .string(t.status.rawValue)),
            JSONMember("variants", .array(t.variants.map(abVariant))),
            JSONMember("units", .int(t.units.reduce(0, +))),
            JSONMember("decision", .string(t.decision ?? r.decision)),
            JSONMember("metric", .string(t.metric)),
            JSONMember("continuous", .bool(t.continuous)),
            JSONMember("sequential", .bool(t.sequential)),
            JSONMember("created_time", time(t.createdTime)),
            JSONMember("started_time", time(t.startedTime)),
            JSONMember("stopped_time", time(t.stoppedTime)),
        ])
    }
}

// MARK: Monitoring

extension Render {
    /// A model's name by ordinal.
    static func modelName(_ ordinal: Int, _ s: LogbookState) -> String { s.modelName(ordinal: ordinal) ?? String(ordinal) }

    /// `monitor status --json` (CLI.md: count, latency_p50, latency_p95, latency_p99, prediction_mean,
    /// prediction_std; null when undefined) plus model and version (null: every version).
    static func monitorStatus(_ st: MonitorStatus, model: String, version: Int?) -> JSON {
        .object([
            JSONMember("count", .int(Int64(clamping: st.count))),
            JSONMember("latency_p50", abNumber(st.latencyP50)),
            JSONMember("latency_p95", abNumber(st.latencyP95)),
            JSONMember("latency_p99", abNumber(st.latencyP99)),
            JSONMember("prediction_mean", abNumber(st.predictionMean)),
            JSONMember("prediction_std", abNumber(st.predictionStd)),
            JSONMember("model", .string(model)),
            JSONMember("version", .int(version)),
        ])
    }

    /// One alert of `monitor alerts --json`: model, version, time, seq, kind, metric, threshold, observed, message.
    static func alert(_ a: MonitorAlert, _ s: LogbookState) -> JSON {
        .object([
            JSONMember("model", .string(modelName(a.model, s))),
            JSONMember("version", .int(a.version)),
            JSONMember("time", time(a.time)),
            JSONMember("seq", .int(Int64(clamping: a.sequence))),
            JSONMember("kind", .string(a.kind)),
            JSONMember("metric", .string(a.metric)),
            JSONMember("threshold", abNumber(a.threshold)),
            JSONMember("observed", abNumber(a.observed)),
            JSONMember("message", .string(a.message)),
        ])
    }
}
