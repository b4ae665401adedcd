import Logbook
import LogbookEvents

/// model commands.
enum ModelCommands {
    /// `--risk-tier`, when given.
    private static func riskTier(_ inv: Invocation) throws(LogbookError) -> RiskTier? {
        guard let t = inv.value("--risk-tier") else { return nil }
        guard let parsed = RiskTier.allCases.first(where: { $0 != .unspecified && $0.name == t.lowercased() }) else {
            throw LogbookError(.usage, "--risk-tier must be low, medium or high, not '\(t)'")
        }
        return parsed
    }

    static func create(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let m = try inv.store.createModel(name: inv.positional(0), description: inv.value("--description"),
                                          owner: inv.value("--owner"), purpose: inv.value("--purpose"),
                                          riskTier: try riskTier(inv) ?? .unspecified, inv.context)
        if inv.json { inv.printJSON(Render.model(m, inv.store.state)) } else { inv.line(m.name) }
        return 0
    }

    static func list(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let all = inv.flag("--all")
        let models = s.models.filter { all || (!$0.isDeleted && !Render.isArchived($0)) }
        if inv.json {
            inv.printJSON(.object([JSONMember("models", .array(models.map(Render.modelSummary)))]))
            return 0
        }
        var t = Table(["NAME", "VERSIONS", "PRODUCTION", "STAGING", "OWNER", "RISK", "VALIDATION", "PURPOSE"]
                      + (all ? ["STATE"] : []), rightAligned: [1])
        for m in models {
            let state = m.isDeleted ? "deleted" : Render.isArchived(m) ? "archived" : "active"
            t.add([m.name, String(m.versions.count), m.production.map { String($0.number) } ?? "-",
                   m.versions.last { $0.stage == .staging }.map { String($0.number) } ?? "-",
                   Human.text(m.owner), Human.text(m.riskTier.name), Human.text(m.validation.name),
                   Human.text(m.purpose)] + (all ? [state] : []))
        }
        inv.out(t.render())
        return 0
    }

    static func show(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state(forModel: inv.positional(0))
        let m = try s.findModel(inv.positional(0), includeDeleted: true)
        if inv.json {
            inv.printJSON(Render.model(m, s, actorName: inv.store.displayName(ofActor:)))
            return 0
        }
        inv.out(Table.keyValues([
            ("name", m.name + (m.isDeleted ? " (deleted)" : "")),
            ("description", Human.text(m.description)),
            ("owner", Human.text(m.owner)),
            ("purpose", Human.text(m.purpose)),
            ("risk_tier", Human.text(m.riskTier.name)),
            ("validation", Human.text(m.validation.name)),
            ("created", Human.time(m.createdTime)),
            ("production", m.production.map { "version \($0.number)" } ?? "-"),
            ("aliases", m.aliases.isEmpty ? "-" : m.aliases.map { "\($0.key) -> \($0.value)" }.joined(separator: ", ")),
            ("policy", m.policy.map(policyText) ?? "-"),
        ]))
        if !m.versions.isEmpty {
            inv.line("")
            inv.out(versionTable(m, s))
        }
        return 0
    }

    static func policyText(_ p: PromotionPolicy) -> String {
        var parts = ["\(p.metric) (\(p.lowerIsBetter ? "lower" : "higher") is better)"]
        if let v = p.minimum { parts.append("\(p.lowerIsBetter ? "max" : "min") \(Human.number(v))") }
        if let v = p.improvementPercent { parts.append("improvement >= \(Human.number(v))%") }
        if let v = p.maxLatencyMs { parts.append("latency_ms <= \(Human.number(v))") }
        if p.requiresApproval { parts.append(p.separateApprover ? "approval by someone else" : "approval") }
        return parts.joined(separator: ", ")
    }

    static func versionTable(_ m: Model, _ s: LogbookState) -> String {
        var t = Table(["VERSION", "STAGE", "ALIASES", "RUN_ID", "CREATED", "DESCRIPTION"], rightAligned: [0])
        for v in m.versions {
            let stage = v.stage.name + (v.pendingPromotionBy != nil ? " (awaiting approval)" : "")
            t.add([String(v.number), stage, m.aliases(of: v.number).joined(separator: ","), s.runID(v.run),
                   Human.time(v.createdTime), Human.text(v.description)])
        }
        return t.render()
    }

    static func delete(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.deleteModel(inv.positional(0), inv.context)
        inv.message("Deleted model '\(inv.positional(0))' (restore it with 'logbook model restore \(inv.positional(0))')")
        return 0
    }

    static func restore(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.restoreModel(inv.positional(0), inv.context)
        inv.message("Restored model '\(inv.positional(0))'")
        return 0
    }

    static func update(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        try inv.store.updateModel(name, description: inv.value("--description"), owner: inv.value("--owner"),
                                  purpose: inv.value("--purpose"), riskTier: try riskTier(inv), inv.context)
        inv.message("Model '\(name)' updated")
        return 0
    }

    static func validation(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let text = try inv.require("--status")
        guard let status = ValidationStatus.allCases.first(where: { $0 != .unspecified && $0.name == text.lowercased() }) else {
            throw LogbookError(.usage, "--status must be pending, validated or failed, not '\(text)'")
        }
        try inv.store.updateModel(inv.positional(0), validation: status, inv.context)
        inv.message("Model '\(inv.positional(0))' validation: \(status.name)")
        return 0
    }

    static func register(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let number = try inv.store.registerVersion(model: inv.positional(0), run: try inv.require("--run"),
                                                   artifact: inv.value("--artifact"),
                                                   parent: try inv.versionOption("--parent"),
                                                   description: inv.value("--description"), inv.context)
        if inv.json {
            let s = inv.store.state
            let m = try s.findModel(inv.positional(0))
            inv.printJSON(Render.version(m.versions[number - 1], of: m, s, actorName: inv.store.displayName(ofActor:)))
        } else {
            inv.line(String(number))
        }
        return 0
    }

    static func versions(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let m = try s.findModel(inv.positional(0), includeDeleted: true)
        if inv.json {
            inv.printJSON(.object([JSONMember("model", .string(m.name)),
                                   JSONMember("versions", .array(m.versions.map { Render.version($0, of: m, s, actorName: inv.store.displayName(ofActor:)) }))]))
        } else {
            inv.out(versionTable(m, s))
        }
        return 0
    }

    static func stage(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let number = try ValueParser.version(inv.positional(1))
        guard let stage = Stage(name: inv.positional(2)) else {
            throw LogbookError(.usage, "'\(inv.positional(2))' is not a stage: use None, Staging, Production or Archived")
        }
        let before = try inv.store.state.findModel(inv.positional(0))
        try inv.store.setStage(model: inv.positional(0), version: number, stage: stage,
                               keepExisting: inv.flag("--keep-existing"), inv.context)
        let after = try inv.store.state.findModel(inv.positional(0))
        let archived = after.versions.filter { $0.stage == .archived && $0.number != number
            && before.versions[$0.number - 1].stage != .archived }.map(\.number)
        inv.message("Version \(number) of '\(after.name)' is now in \(stage.name)"
                    + (archived.isEmpty ? "" : "; archived version(s) \(archived.map(String.init).joined(separator: ", "))"))
        return 0
    }

    static func alias(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0), alias = inv.positional(1)
        if inv.flag("--remove") {
            guard inv.positionals.count == 2 else {
                throw LogbookError(.usage, "give either a VERSION or --remove, not both")
            }
            try inv.store.removeAlias(model: name, alias: alias, inv.context)
            inv.message("Removed alias '\(alias)' of '\(name)'")
        } else {
            guard inv.positionals.count == 3 else { throw LogbookError(.usage, "missing VERSION (or --remove)") }
            let number = try ValueParser.version(inv.positional(2))
            try inv.store.setAlias(model: name, alias: alias, version: number, inv.context)
            inv.message("Alias '\(alias)' of '\(name)' now points at version \(number)")
        }
        return 0
    }

    static func resolve(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state(forModel: LogbookStore.modelName(inReference: inv.positional(0)))
        let r = try inv.store.resolve(inv.positional(0), in: s)
        let v = r.version
        let aliases = r.model.aliases(of: v.number)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(r.model.name)),
                JSONMember("version", .int(Int64(v.number))),
                JSONMember("stage", .string(v.stage.name)),
                JSONMember("aliases", .array(aliases.map { .string($0) })),
                JSONMember("run_id", .string(s.runID(v.run))),
                JSONMember("artifact", .string(v.artifactPath)),
                JSONMember("artifact_sha256", .string(v.artifactSHA256)),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("model", r.model.name),
                ("version", String(v.number)),
                ("stage", v.stage.name),
                ("aliases", aliases.isEmpty ? "-" : aliases.joined(separator: ", ")),
                ("run_id", s.runID(v.run)),
                ("artifact", Human.text(v.artifactPath)),
                ("artifact_sha256", Human.text(v.artifactSHA256)),
            ]))
        }
        return 0
    }

    static func policy(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let policy = PromotionPolicy(metric: try inv.require("--metric"), lowerIsBetter: inv.flag("--lower-is-better"),
                                     minimum: try inv.doubleOption("--min"),
                                     improvementPercent: try inv.doubleOption("--improvement"),
                                     maxLatencyMs: try inv.doubleOption("--max-latency-ms"),
                                     requiresApproval: inv.flag("--require-approval") || inv.flag("--separate-approver"),
                                     separateApprover: inv.flag("--separate-approver"))
        try inv.store.setPolicy(model: inv.positional(0), policy, inv.context)
        if inv.json { inv.printJSON(Render.policy(policy)) }
        inv.message("Policy of '\(inv.positional(0))': \(policyText(policy))")
        return 0
    }

    static func promote(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let number = try ValueParser.version(inv.positional(1))
        let dryRun = inv.flag("--dry-run")
        let e = try inv.store.promote(model: name, version: number, dryRun: dryRun, inv.context)
        let metric = (try? inv.store.state.findModel(name))?.policy?.metric
        if inv.json {
            inv.printJSON(.object([
                JSONMember("decision", .string(e.decision.name)),
                JSONMember("reason", .string(e.explanation)),
                JSONMember("challenger", .int(Int64(number))),
                JSONMember("champion", .int(e.champion)),
                JSONMember("improvement", .double(e.improvementPercent)),
                JSONMember("model", .string(name)),
                JSONMember("metric", .string(metric)),
                JSONMember("challenger_value", .double(e.challengerValue)),
                JSONMember("champion_value", .double(e.championValue)),
                JSONMember("latency_ms", .double(e.latencyMs)),
                JSONMember("dry_run", .bool(dryRun)),
            ]))
        } else {
            let m = metric ?? "metric"
            inv.out(Table.keyValues([
                ("decision", e.decision.name + (dryRun ? " (dry run: nothing recorded)" : "")),
                ("reason", e.explanation),
                ("challenger", "version \(number) (\(m) \(Human.number(e.challengerValue)))"),
                ("champion", e.champion.map { "version \($0) (\(m) \(Human.number(e.championValue)))" } ?? "none in Production"),
                ("improvement", e.improvementPercent.map { "\(Human.number(($0 * 100).rounded() / 100))%" } ?? "-"),
            ]))
        }
        switch e.decision {
        case .promoted:
            if !dryRun { inv.message("Version \(number) of '\(name)' is now in Production") }
            return 0
        case .pendingApproval:
            if !dryRun {
                inv.message("Version \(number) of '\(name)' awaits approval: "
                            + "logbook model approve \(name) \(number) --reason TEXT (by another actor if the policy says so)")
            }
            return 0
        case .rejected:
            inv.message("Error: the promotion of version \(number) of '\(name)' is refused by the policy: \(e.explanation)"
                        + (dryRun ? "" : " (the evaluation is recorded)"))
            return ExitStatus.refused
        }
    }

    static func approve(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let number = try ValueParser.version(inv.positional(1))
        try inv.store.approve(model: inv.positional(0), version: number, inv.context)
        inv.message("Approved: version \(number) of '\(inv.positional(0))' is now in Production")
        return 0
    }

    static func reject(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let number = try ValueParser.version(inv.positional(1))
        try inv.store.reject(model: inv.positional(0), version: number, inv.context)
        inv.message("Rejected the promotion of version \(number) of '\(inv.positional(0))'")
        return 0
    }

    static func rollback(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let moment = try inv.momentOption("--to")
        let aliasesBefore = inv.store.state.model(named: name)?.aliases ?? []
        func pointedAt(_ alias: String) -> String? { aliasesBefore.first { $0.key == alias }?.value }
        let events = try inv.store.rollback(model: name, to: moment, inv.context)
        var changes: [JSON] = []
        var lines: [[String]] = []
        var toTime: Int64?
        var toSequence: UInt64?
        for e in events {
            switch e {
            case let .rollbackPerformed(_, t, seq):
                toTime = t
                toSequence = seq
            case let .stageChanged(_, version, from, to, archived):
                for a in archived {
                    changes.append(change("stage", version: a, alias: nil, from: to.name, to: Stage.archived.name))
                    lines.append(["version \(a)", to.name, "->", Stage.archived.name])
                }
                changes.append(change("stage", version: version, alias: nil, from: from.name, to: to.name))
                lines.append(["version \(version)", from.name, "->", to.name])
            case let .aliasSet(_, alias, version):
                changes.append(change("alias", version: version, alias: alias, from: pointedAt(alias), to: String(version)))
                lines.append(["alias \(alias)", pointedAt(alias).map { "version \($0)" } ?? "", "->", "version \(version)"])
            case let .aliasRemoved(_, alias):
                changes.append(change("alias", version: nil, alias: alias, from: pointedAt(alias), to: nil))
                lines.append(["alias \(alias)", pointedAt(alias).map { "version \($0)" } ?? "", "->", "removed"])
            default:
                break
            }
        }
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(name)),
                JSONMember("to_time", Render.time(toTime)),
                JSONMember("to_seq", toSequence.map { .int(Int64($0)) } ?? .null),
                JSONMember("changes", .array(changes)),
            ]))
        } else {
            inv.out(Table.plain(lines))
        }
        inv.message("Rolled back '\(name)'" + (toTime.map { " to \(Timestamp.iso($0))" } ?? " to the previous Production version"))
        return 0
    }

    private static func change(_ kind: String, version: Int?, alias: String?, from: String?, to: String?) -> JSON {
        .object([JSONMember("kind", .string(kind)), JSONMember("version", .int(version)),
                 JSONMember("alias", .string(alias)), JSONMember("from", .string(from)), JSONMember("to", .string(to))])
    }

    static func history(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let changes = try inv.store.history(model: name, in: inv.pastState)
        if inv.json {
            inv.printJSON(.object([JSONMember("model", .string(name)), JSONMember("changes", .array(changes.map(Render.change)))]))
            return 0
        }
        var t = Table(["SEQ", "TIME", "ACTOR", "CHANGE", "FROM", "TO", "REASON"], rightAligned: [0])
        for c in changes {
            let what: String
            switch c.kind {
            case "stage": what = "version \(c.version ?? 0)"
            case "alias": what = "alias \(c.alias ?? "")"
            case "alert": what = "alert v\(c.version ?? 0)"
            default: what = c.kind
            }
            t.add([String(c.sequence), Human.time(c.time), c.actor, what, c.from ?? "-", c.to ?? "-", c.reason ?? "-"])
        }
        inv.out(t.render())
        return 0
    }

    static func compare(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let m = try s.findModel(inv.positional(0), includeDeleted: true)
        let only = inv.value("--metric")
        var keys: [String] = []
        if let only {
            keys = [only]
        } else {
            for v in m.versions {
                for k in Render.latestMetrics(s.runs[v.run - 1], s).map(\.key) where !keys.contains(k) { keys.append(k) }
            }
            keys.sort()
        }
        var bestVersion: Int?
        if let only {
            let lower = m.policy?.metric == only && m.policy?.lowerIsBetter == true
            var best: Double?
            for v in m.versions {
                guard let x = Render.metric(s.runs[v.run - 1], only, s), !x.isNaN else { continue }
                if best == nil || (lower ? x < best! : x > best!) { best = x; bestVersion = v.number }
            }
        }
        if inv.json {
            var members = [JSONMember("model", .string(m.name))]
            if let only { members.append(JSONMember("metric", .string(only))) }
            members.append(JSONMember("versions", .array(m.versions.map { v in
                let run = s.runs[v.run - 1]
                return .object([
                    JSONMember("version", .int(Int64(v.number))),
                    JSONMember("stage", .string(v.stage.name)),
                    JSONMember("aliases", .array(m.aliases(of: v.number).map { .string($0) })),
                    JSONMember("run_id", .string(run.id)),
                    JSONMember("metrics", .object(keys.map { JSONMember($0, .double(Render.metric(run, $0, s))) })),
                ])
            })))
            if only != nil { members.append(JSONMember("best_version", .int(bestVersion))) }
            inv.printJSON(.object(members))
            return 0
        }
        var t = Table(["VERSION", "STAGE", "RUN_ID"] + keys, rightAligned: [0])
        for v in m.versions {
            let run = s.runs[v.run - 1]
            let mark = v.number == bestVersion ? " *" : ""
            t.add(["\(v.number)\(mark)", v.stage.name, run.id] + keys.map { Human.number(Render.metric(run, $0, s)) })
        }
        inv.out(t.render())
        if let bestVersion, let only { inv.message("* best \(only): version \(bestVersion)") }
        return 0
    }

    static func lineage(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let m = try s.findModel(inv.positional(0), includeDeleted: true)
        let v = try s.findVersion(m, try ValueParser.version(inv.positional(1)))
        var ancestors: [Int] = []
        var next = v.parent
        while let p = next, p >= 1, p <= m.versions.count, !ancestors.contains(p) {
            ancestors.append(p)
            next = m.versions[p - 1].parent
        }
        let run = s.runs[v.run - 1]
        var parentRuns: [Run] = []
        var up = run.parent
        while let p = up, p >= 1, p <= s.runs.count, !parentRuns.contains(where: { $0.ordinal == p }) {
            parentRuns.append(s.runs[p - 1])
            up = s.runs[p - 1].parent
        }
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(m.name)),
                JSONMember("version", .int(Int64(v.number))),
                JSONMember("stage", .string(v.stage.name)),
                JSONMember("created_time", Render.time(v.createdTime)),
                JSONMember("description", .string(v.description)),
                JSONMember("parent_versions", .array(ancestors.map { .int(Int64($0)) })),
                JSONMember("artifact", .string(v.artifactPath)),
                JSONMember("artifact_sha256", .string(v.artifactSHA256)),
                JSONMember("datasets", .array(v.datasets.map { .object([JSONMember("name", .string($0.key)),
                                                                        JSONMember("digest", .string($0.value))]) })),
                JSONMember("metrics_at_registration", .object(v.metrics.map { JSONMember($0.key, Render.numberOrText($0.value)) })),
                JSONMember("run", Render.run(run, s)),
                JSONMember("parent_runs", .array(parentRuns.map { .string($0.id) })),
            ]))
            return 0
        }
        var out = "\(m.name)/\(v.number)  \(v.stage.name)  registered \(Human.time(v.createdTime))"
        if let d = v.description { out += "  \"\(d)\"" }
        out += "\n"
        if !ancestors.isEmpty { out += "  derived from " + ancestors.map { "version \($0)" }.joined(separator: " <- ") + "\n" }
        out += "  run \(run.id) '\(run.name)' in experiment '\(Render.experimentName(run.experiment, s))' (\(run.status.name))\n"
        for p in parentRuns { out += "    child of run \(p.id) '\(p.name)'\n" }
        if let g = run.gitCommit { out += "  git commit \(g)\n" }
        if let src = run.source { out += "  source \(src)\n" }
        if !run.params.isEmpty { out += "  params " + run.params.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n" }
        if !v.metrics.isEmpty { out += "  metrics at registration " + v.metrics.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n" }
        for d in v.datasets { out += "  dataset \(d.key) sha256 \(d.value)\n" }
        if let a = v.artifactPath { out += "  artifact \(a) sha256 \(v.artifactSHA256 ?? "-")\n" }
        inv.out(out)
        return 0
    }
}
