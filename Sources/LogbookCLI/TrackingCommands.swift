import Logbook
import LogbookEvents
import LogbookStorage

/// experiment, run, artifact and dataset commands.
enum TrackingCommands {
    // MARK: Experiments

    static func experimentCreate(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let e = try inv.store.createExperiment(name: inv.positional(0), tags: try inv.keyValues("--tag"), inv.context)
        if inv.json { inv.printJSON(Render.experiment(e, inv.store.state)) } else { inv.line(String(e.id)) }
        return 0
    }

    static func experimentList(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let all = inv.flag("--all")
        let experiments = s.experiments.filter { all || !$0.isDeleted }
        if inv.json {
            inv.printJSON(.object([JSONMember("experiments", .array(experiments.map { Render.experiment($0, s) }))]))
            return 0
        }
        var t = Table(["ID", "NAME", "RUNS", "CREATED"] + (all ? ["DELETED"] : []), rightAligned: [0, 2])
        for e in experiments {
            t.add([String(e.id), e.name, String(s.runCounts(of: e).live), Human.time(e.createdTime)] + (all ? [e.isDeleted ? "yes" : ""] : []))
        }
        inv.out(t.render())
        return 0
    }

    static func experimentShow(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let e = try s.findExperiment(inv.positional(0), includeDeleted: true)
        let runs = e.runs.map { s.runs[$0 - 1] }.filter { !$0.isDeleted }
        if inv.json {
            guard case .object(var members) = Render.experiment(e, s) else { return 0 }
            members.append(JSONMember("run_ids", .array(runs.map { .string($0.id) })))
            inv.printJSON(.object(members))
            return 0
        }
        inv.out(Table.keyValues([
            ("experiment_id", String(e.id)),
            ("name", e.name + (e.isDeleted ? " (deleted)" : "")),
            ("created", Human.time(e.createdTime)),
            ("tags", e.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")),
            ("runs", "\(runs.count) (\(runs.filter { $0.status == .running }.count) running)"),
        ]))
        if !runs.isEmpty {
            inv.line("")
            inv.out(runTable(runs, s))
        }
        return 0
    }

    static func experimentRename(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.renameExperiment(inv.positional(0), to: inv.positional(1), inv.context)
        inv.message("Renamed experiment '\(inv.positional(0))' to '\(inv.positional(1))'")
        return 0
    }

    static func experimentDelete(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.deleteExperiment(inv.positional(0), inv.context)
        inv.message("Deleted experiment '\(inv.positional(0))' (restore it with 'logbook experiment restore \(inv.positional(0))')")
        return 0
    }

    static func experimentRestore(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.restoreExperiment(inv.positional(0), inv.context)
        inv.message("Restored experiment '\(inv.positional(0))'")
        return 0
    }

    // MARK: Runs

    static func runStart(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let r = try inv.store.startRun(experiment: try inv.require("--experiment"), name: inv.value("--name"),
                                       id: inv.value("--id"), parent: inv.value("--parent"),
                                       tags: try inv.keyValues("--tag"), gitCommit: inv.value("--git-commit"),
                                       source: inv.value("--source"), inv.context)
        if inv.json { inv.printJSON(Render.run(r, inv.store.state)) } else { inv.line(r.id) }
        return 0
    }

    static func runLog(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let store = inv.store
        let params = try inv.keyValues("--param")
        let tags = try inv.keyValues("--tag")
        let time = inv.context.time ?? max(FileIO.wallClockMilliseconds(), store.state.lastTimestamp)
        var series: [MetricSeries] = []
        for text in inv.values("--metric") {
            let m = try ValueParser.metric(text)
            let point = MetricPoint(step: m.step, value: m.value, time: time)
            if let i = series.firstIndex(where: { $0.key == m.key }) {
                series[i].points.append(point)
            } else {
                series.append(MetricSeries(key: m.key, points: [point]))
            }
        }
        try store.logToRun(inv.positional(0), params: params, metrics: series, tags: tags, inv.context)
        return 0
    }

    static func runEnd(_ inv: Invocation) throws(LogbookError) -> Int32 {
        var status = RunStatus.finished
        if let text = inv.value("--status") {
            switch text.lowercased() {
            case "finished": status = .finished
            case "failed": status = .failed
            case "killed": status = .killed
            default: throw LogbookError(.usage, "--status must be finished, failed or killed, not '\(text)'")
            }
        }
        try inv.store.endRun(inv.positional(0), status: status, inv.context)
        return 0
    }

    static func runShow(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let r = try s.findRun(inv.positional(0))
        if inv.json {
            inv.printJSON(Render.run(r, s))
            return 0
        }
        var pairs: [(String, String)] = [
            ("run_id", r.id),
            ("name", r.name),
            ("experiment", Render.experimentName(r.experiment, s)),
            ("status", r.status.name + (r.isDeleted ? " (deleted)" : "")),
            ("start_time", Human.time(r.startTime)),
            ("end_time", Human.time(r.endTime)),
        ]
        if let p = r.parent { pairs.append(("parent_run_id", s.runID(p))) }
        if let g = r.gitCommit { pairs.append(("git_commit", g)) }
        if let src = r.source { pairs.append(("source", src)) }
        inv.out(Table.keyValues(pairs))
        if !r.params.isEmpty {
            inv.line("\nparams:")
            inv.out(Table.keyValues(r.params.map { ($0.key, $0.value) }, indent: "  "))
        }
        let metrics = Render.latestMetrics(r, s)
        if !metrics.isEmpty {
            inv.line("\nmetrics (latest):")
            inv.out(Table.keyValues(metrics.map { ($0.key, "\(Human.number($0.metric.value))  (step \($0.metric.step))") },
                                    indent: "  "))
        }
        if !r.tags.isEmpty {
            inv.line("\ntags:")
            inv.out(Table.keyValues(r.tags.map { ($0.key, $0.value) }, indent: "  "))
        }
        if !r.artifacts.isEmpty {
            inv.line("\nartifacts:")
            inv.out(Table.plain(r.artifacts.map { ["  " + $0.path, Human.bytes($0.size), $0.sha256] }))
        }
        if !r.datasets.isEmpty {
            inv.line("\ndatasets:")
            inv.out(Table.plain(r.datasets.map { ["  " + $0.key, $0.value] }))
        }
        return 0
    }

    /// The runs table of human output.
    static func runTable(_ runs: [Run], _ s: LogbookState, extra: [(String, (Run) -> String)] = []) -> String {
        var t = Table(["RUN_ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "PARENT"] + extra.map(\.0))
        for r in runs {
            t.add([r.id, r.name, Render.experimentName(r.experiment, s), r.status.name + (r.isDeleted ? " (deleted)" : ""),
                   Human.time(r.startTime), r.parent.map { s.runID($0) } ?? "-"] + extra.map { $0.1(r) })
        }
        return t.render()
    }

    static func runList(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let limit = try inv.countOption("--limit")
        let experiment = try inv.value("--experiment").map { name throws(LogbookError) in try s.findExperiment(name) }
        let filter = try inv.value("--filter").map { text throws(LogbookError) in try External.filter(text) }
        let order = try inv.value("--order-by").map { text throws(LogbookError) in try External.order(text) }
        let runs = s.searchRuns(experiment: experiment, filter: filter, order: order, limit: limit,
                                includeDeleted: inv.flag("--all"))
        if inv.json {
            inv.printJSON(.object([JSONMember("runs", .array(runs.map { Render.run($0, s) }))]))
        } else {
            inv.out(runTable(runs, s))
        }
        return 0
    }

    static func runBest(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let experiment = try s.findExperiment(try inv.require("--experiment"))
        let key = try inv.require("--metric")
        let best = s.bestRun(experiment: experiment, metric: key, lowest: inv.flag("--lowest"))
        guard let best else {
            throw LogbookError(.notFound, "No run of experiment '\(experiment.name)' has a value for metric '\(key)'")
        }
        if inv.json {
            inv.printJSON(Render.run(best.run, s))
        } else {
            inv.out(runTable([best.run], s, extra: [(key, { _ in Human.number(best.value) })]))
        }
        return 0
    }

    static func runHistory(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let id = inv.positional(0)
        _ = try inv.state.findRun(id)
        let key = try inv.require("--metric")
        let points = try inv.store.metricHistory(run: id, key: key, in: inv.pastState)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("run_id", .string(id)),
                JSONMember("key", .string(key)),
                JSONMember("points", .array(points.map {
                    .object([JSONMember("step", .int($0.step)), JSONMember("value", .double($0.value)),
                             JSONMember("time", Render.time($0.time))])
                })),
            ]))
        } else {
            var t = Table(["STEP", "VALUE", "TIME"], rightAligned: [0])
            for p in points { t.add([String(p.step), Human.number(p.value), Timestamp.iso(p.time)]) }
            inv.out(t.render())
        }
        return 0
    }

    static func runCompare(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        var runs: [Run] = []
        for id in inv.positionals { runs.append(try s.findRun(id)) }
        var paramKeys: [String] = []
        var metricKeys: [String] = []
        for r in runs {
            for p in r.params where !paramKeys.contains(p.key) { paramKeys.append(p.key) }
            for m in Render.latestMetrics(r, s) where !metricKeys.contains(m.key) { metricKeys.append(m.key) }
        }
        paramKeys.sort()
        metricKeys.sort()
        if inv.json {
            inv.printJSON(.object([
                JSONMember("runs", .array(runs.map { .string($0.id) })),
                JSONMember("names", .array(runs.map { .string($0.name) })),
                JSONMember("params", .object(paramKeys.map { k in
                    JSONMember(k, .array(runs.map { .string($0.param(k)) }))
                })),
                JSONMember("metrics", .object(metricKeys.map { k in
                    JSONMember(k, .array(runs.map { .double(Render.metric($0, k, s)) }))
                })),
            ]))
            return 0
        }
        var t = Table([""] + runs.map(\.id))
        t.add(["name"] + runs.map(\.name))
        t.add(["status"] + runs.map(\.status.name))
        for k in paramKeys { t.add(["params.\(k)"] + runs.map { $0.param(k) ?? "-" }) }
        for k in metricKeys { t.add(["metrics.\(k)"] + runs.map { Human.number(Render.metric($0, k, s)) }) }
        inv.out(t.render())
        return 0
    }

    static func runDelete(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.deleteRun(inv.positional(0), inv.context)
        inv.message("Deleted run '\(inv.positional(0))' (restore it with 'logbook run restore \(inv.positional(0))')")
        return 0
    }

    static func runRestore(_ inv: Invocation) throws(LogbookError) -> Int32 {
        try inv.store.restoreRun(inv.positional(0), inv.context)
        inv.message("Restored run '\(inv.positional(0))'")
        return 0
    }

    // MARK: Artifacts and datasets

    static func artifactAdd(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let file = inv.positional(1)
        let path = inv.value("--path") ?? String(file.split(separator: "/").last ?? Substring(file))
        // Check the run first: reading a large file for a run that does not exist helps nobody.
        _ = try inv.store.state.findRun(inv.positional(0))
        let bytes = try StandardStreams.readFile(file)
        let a = try inv.store.addArtifact(inv.positional(0), bytes: bytes, path: path, inv.context)
        if inv.json { inv.printJSON(Render.artifact(a)) } else { inv.line(a.path) }
        inv.message("Recorded artifact '\(a.path)' of run '\(inv.positional(0))': \(a.size) bytes, sha256 \(a.sha256)")
        return 0
    }

    static func artifactList(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let r = try inv.state.findRun(inv.positional(0))
        if inv.json {
            inv.printJSON(.object([JSONMember("run_id", .string(r.id)),
                                   JSONMember("artifacts", .array(r.artifacts.map(Render.artifact)))]))
        } else {
            var t = Table(["PATH", "SIZE", "SHA256"], rightAligned: [1])
            for a in r.artifacts { t.add([a.path, String(a.size), a.sha256]) }
            inv.out(t.render())
        }
        return 0
    }

    static func artifactGet(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let id = inv.positional(0), path = inv.positional(1)
        let out = try inv.require("--out")
        let r = try inv.state.findRun(id)
        guard let wanted = r.artifacts.first(where: { $0.path == path }) else {
            throw LogbookError(.notFound, "Run '\(id)' has no artifact '\(path)'; 'logbook artifact list \(id)' shows them")
        }
        // The bytes are content-addressed: those of the artifact as of --at are the ones with its SHA-256.
        guard inv.store.state.run(id: id)?.artifacts.first(where: { $0.path == path })?.sha256 == wanted.sha256 else {
            throw LogbookError(.notFound, "Artifact '\(path)' of run '\(id)' was replaced since that moment; get it without --at")
        }
        let bytes = try inv.store.artifactBytes(id, path: path)
        if out == "-" {
            inv.console.outBytes(bytes)
        } else {
            try StandardStreams.writeFile(out, bytes)
            inv.message("Wrote \(bytes.count) bytes to '\(out)' (sha256 \(wanted.sha256) checked)")
        }
        return 0
    }

    static func datasetLink(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let digest: String
        switch (inv.value("--digest"), inv.value("--file")) {
        case (let d?, nil): digest = d
        case (nil, let f?): digest = SHA256.hash(try StandardStreams.readFile(f)).hex
        case (.some, .some): throw LogbookError(.usage, "give either --digest or --file, not both")
        case (nil, nil): throw LogbookError(.usage, "missing --digest SHA256 or --file F")
        }
        try inv.store.linkDataset(inv.positional(0), name: inv.positional(1), digest: digest, inv.context)
        inv.message("Linked dataset '\(inv.positional(1))' (sha256 \(digest.lowercased())) to run '\(inv.positional(0))'")
        return 0
    }
}
