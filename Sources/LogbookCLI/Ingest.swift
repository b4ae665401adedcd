public import Logbook
import LogbookEvents
import LogbookStorage

/// What `logbook ingest` did.
public struct IngestReport: Equatable, Sendable {
    /// Lines applied (empty lines are not counted).
    public var lines: Int
    /// Events appended.
    public var events: UInt64

    /// Makes a report.
    public init(lines: Int, events: UInt64) {
        self.lines = lines
        self.events = events
    }
}

/// `logbook ingest`: applies JSON Lines, all or nothing.
///
/// Each line is either a command (`"op"`: noun.verb, the other keys the command's options in snake_case) or an
/// event as `logbook export` writes it (it has `"seq"` and `"type"`; it keeps its time, actor and reason).
/// Every command line may carry `actor`, `reason` and `time` (ISO-8601 or milliseconds since the epoch; never
/// earlier than the line before). The whole file is one transaction: the first bad line stops it with
/// "line N: what is wrong" and nothing is appended.
///
/// The ops (docs/cli.md has the full table):
///
/// | op | keys |
/// |---|---|
/// | `experiment.create` | `name`, `tags` |
/// | `experiment.rename` | `name`, `new_name` |
/// | `experiment.delete`, `experiment.restore` | `name` |
/// | `run.start` | `experiment`, `name`, `id`, `parent`, `tags`, `git_commit`, `source` |
/// | `run.log` | `run`, `params` {}, `metrics` [{`key`, `value`, `step`?, `time`?}], `tags` {} |
/// | `run.end` | `run`, `status` (finished, failed, killed; default finished) |
/// | `run.delete`, `run.restore` | `run` |
/// | `dataset.link` | `run`, `name`, `digest` or `file` |
/// | `artifact.add` | `run`, `file`, `path` |
/// | `model.create` | `name`, `description`, `owner`, `purpose`, `risk_tier` |
/// | `model.register` | `model`, `run`, `artifact`, `parent`, `description` |
/// | `model.stage` | `model`, `version`, `stage`, `keep_existing` |
/// | `model.alias` | `model`, `alias`, `version` or `remove: true` |
/// | `model.policy` | `model`, `metric`, `lower_is_better`, `min`, `improvement`, `max_latency_ms`, `require_approval`, `separate_approver` |
/// | `model.promote` | `model`, `version`, `dry_run` (a rejected promotion fails the ingest, exit 4) |
/// | `model.approve`, `model.reject` | `model`, `version` |
/// | `model.rollback` | `model`, `to` (ISO-8601, `#N`, or milliseconds); it reads the log, so it cannot follow changes to the same model in one ingest |
/// | `model.delete`, `model.restore` | `model` |
/// | `model.validation` | `model`, `status` (pending, validated, failed) |
/// | `ab.create` | `test`, `model`, `variants` [{`name`, `version`, `weight`}] (percent or basis points, as `--variant`), `metric`, `continuous`, `guardrails` ["KEY[:lower|:higher]"], `min_sample`, `alpha`, `salt`, `sequential` |
/// | `ab.start` | `test` |
/// | `ab.assign` | `test`, `unit` or `units` [strings] |
/// | `ab.record` | `test`, `unit`, `value`, `metric` (default the primary one) |
/// | `ab.stop` | `test`, `promote_winner` |
/// | `monitor.log` | `model`, `version`, `latency_ms`, `prediction`?, `actual`? (one prediction; null is absent) |
///
/// Where the command line takes a positional NAME or RUN, the key is `name` (experiments), `run` and `model`;
/// `experiment`, `run_id` and `name` are accepted for them too.
public enum Ingest {
    /// Applies every line of `bytes` to `store` in one transaction.
    /// - Parameters:
    ///   - defaults: the actor, reason and time of lines that give none (`--actor`, `--reason`, `LOGBOOK_NOW`;
    ///     without a time, a line records the wall clock, never earlier than the line before).
    /// - Throws: the first bad line's error, its message prefixed with "line N: ": `.usage` for malformed JSON,
    ///   an unknown op or key, a missing or mistyped key; `.notFound`; `.refused`. Nothing is appended then.
    /// - Complexity: O(size of the input); a `run.log` line costs its parsing plus one state update per point.
    public static func run(_ bytes: [UInt8], store: LogbookStore, defaults: WriteContext) throws(LogbookError) -> IngestReport {
        let before = store.state.lastSequence
        var result: Result<Int, LogbookError> = .success(0)
        bytes.withUnsafeBytes { buffer in
            result = Result { () throws(LogbookError) -> Int in
                try store.transaction { () throws(LogbookError) -> Int in
                    var session = Session(store: store, defaults: defaults)
                    return try session.run(buffer)
                }
            }
        }
        let lines = try result.get()
        return IngestReport(lines: lines, events: store.state.lastSequence - before)
    }

    // MARK: Names

    /// A risk tier by name (any case; "" or "unspecified" for none).
    static func riskTier(_ name: String) -> RiskTier? {
        let lower = name.lowercased()
        if lower == "unspecified" { return .unspecified }
        return RiskTier.allCases.first { $0.name == lower }
    }

    /// A validation status by name (any case; "" or "unspecified" for none).
    static func validationStatus(_ name: String) -> ValidationStatus? {
        let lower = name.lowercased()
        if lower == "unspecified" { return .unspecified }
        return ValidationStatus.allCases.first { $0.name == lower }
    }

    /// The keys each op takes besides `op`, `actor`, `reason` and `time`.
    static let keys: [String: [String]] = [
        "experiment.create": ["name", "experiment", "tags"],
        "experiment.rename": ["name", "experiment", "new_name"],
        "experiment.delete": ["name", "experiment"],
        "experiment.restore": ["name", "experiment"],
        "run.start": ["experiment", "name", "id", "run_id", "parent", "tags", "git_commit", "source"],
        "run.log": ["run", "run_id", "params", "metrics", "tags"],
        "run.end": ["run", "run_id", "status"],
        "run.delete": ["run", "run_id"],
        "run.restore": ["run", "run_id"],
        "dataset.link": ["run", "run_id", "name", "digest", "file"],
        "artifact.add": ["run", "run_id", "file", "path"],
        "model.create": ["name", "model", "description", "owner", "purpose", "risk_tier"],
        "model.register": ["model", "name", "run", "run_id", "artifact", "parent", "description"],
        "model.stage": ["model", "name", "version", "stage", "keep_existing"],
        "model.alias": ["model", "name", "alias", "version", "remove"],
        "model.policy": ["model", "name", "metric", "lower_is_better", "min", "improvement", "max_latency_ms",
                         "require_approval", "separate_approver"],
        "model.promote": ["model", "name", "version", "dry_run"],
        "model.approve": ["model", "name", "version"],
        "model.reject": ["model", "name", "version"],
        "model.rollback": ["model", "name", "to"],
        "model.delete": ["model", "name"],
        "model.restore": ["model", "name"],
        "model.validation": ["model", "name", "status"],
        "ab.create": ["test", "name", "model", "variants", "metric", "continuous", "guardrails", "min_sample", "alpha",
                      "salt", "sequential"],
        "ab.start": ["test", "name"],
        "ab.assign": ["test", "name", "unit", "units"],
        "ab.record": ["test", "name", "unit", "value", "metric"],
        "ab.stop": ["test", "name", "promote_winner"],
        "monitor.log": ["model", "name", "version", "latency_ms", "prediction", "actual"],
    ]

    static let commonKeys = ["op", "actor", "reason", "time"]
}

// MARK: - The session

/// The state of one ingest: where the lines are, the previous line's time.
private struct Session {
    let store: LogbookStore
    let defaults: WriteContext
    /// The newest event in the log when the ingest began (later ones are pending until the end).
    let committedSequence: UInt64
    var lastTime: Int64?
    var lastTimeLine = 0

    init(store: LogbookStore, defaults: WriteContext) {
        self.store = store
        self.defaults = defaults
        committedSequence = store.state.lastSequence
    }

    /// Applies every line; returns how many were not empty.
    mutating func run(_ buffer: UnsafeRawBufferPointer) throws(LogbookError) -> Int {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var start = 0
        // A UTF-8 byte order mark some editors write.
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        var number = 0
        var applied = 0
        while start < count {
            var stop = start
            while stop < count && base[stop] != 0x0A { stop &+= 1 }
            number &+= 1
            var lineEnd = stop
            if lineEnd > start && base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            var blank = true
            var k = start
            while k < lineEnd {
                let c = base[k]
                if c != 0x20 && c != 0x09 { blank = false; break }
                k &+= 1
            }
            if !blank {
                do {
                    try apply(UnsafeRawBufferPointer(start: base + start, count: lineEnd - start), number: number)
                } catch {
                    throw LogbookError(error.code, "line \(number): \(error.message)")
                }
                applied &+= 1
            }
            start = stop + 1
        }
        return applied
    }

    /// Applies one line.
    mutating func apply(_ bytes: UnsafeRawBufferPointer, number: Int) throws(LogbookError) {
        let json: JSON
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw LogbookError(.usage, "malformed JSON at column \(error.offset + 1): \(error.message)")
        }
        guard case .object(let members) = json else {
            throw LogbookError(.usage, "expected a JSON object ({\"op\": ...} or an exported event), not \(json.kindDescription)")
        }
        for i in members.indices {
            for j in 0..<i where members[j].key == members[i].key {
                throw LogbookError(.usage, "the key \"\(members[i].key)\" appears twice")
            }
        }
        let line = JSONObjectReader(members: members, what: "the line")
        if line.value("op") == nil && line.value("seq") != nil && line.value("type") != nil {
            try applyExported(json, number: number)
            return
        }
        guard let opValue = line.value("op") else {
            throw LogbookError(.usage, "no \"op\": a command line needs \"op\" (e.g. \"run.log\"); "
                               + "an exported event needs \"seq\" and \"type\"")
        }
        guard case .string(let op) = opValue else { throw line.mistyped("op", "a string", opValue) }
        guard let allowed = Ingest.keys[op] else {
            throw LogbookError(.usage, "unknown op '\(op)'; the ops are \(Ingest.keys.keys.sorted().joined(separator: ", "))")
        }
        for m in members where !allowed.contains(m.key) && !Ingest.commonKeys.contains(m.key) {
            throw LogbookError(.usage, "unknown key \"\(m.key)\" for \(op); it takes \(allowed.joined(separator: ", ")) "
                               + "(and actor, reason, time)")
        }
        let time = try lineTime(line, number: number)
        let context = WriteContext(actor: try line.optionalString("actor") ?? defaults.actor,
                                   reason: try line.optionalString("reason") ?? defaults.reason, time: time)
        try perform(op, line, context)
    }

    /// The time a line records: its own (never before the previous line's), else the default one, else the
    /// wall clock (never before the newest event).
    mutating func lineTime(_ line: JSONObjectReader, number: Int) throws(LogbookError) -> Int64 {
        if let t = try line.optionalTime("time") {
            if let lastTime, t < lastTime {
                throw LogbookError(.refused, "the time \(Timestamp.iso(t)) is earlier than line \(lastTimeLine)'s "
                                   + "(\(Timestamp.iso(lastTime))); times never go back")
            }
            lastTime = t
            lastTimeLine = number
            return t
        }
        // Without a time of its own: the default one (LOGBOOK_NOW; refused by the store when earlier than the
        // newest event before the ingest) or the wall clock, and never before the line before.
        let base = defaults.time ?? max(FileIO.wallClockMilliseconds(), store.state.lastTimestamp)
        return max(base, lastTime ?? .min)
    }

    /// An exported event: imported with its own time, actor and reason.
    mutating func applyExported(_ json: JSON, number: Int) throws(LogbookError) {
        let (event, actor, reason, time) = try ExportFormat.event(from: json, state: store.state)
        if let lastTime, time < lastTime {
            throw LogbookError(.refused, "the time \(Timestamp.iso(time)) is earlier than line \(lastTimeLine)'s "
                               + "(\(Timestamp.iso(lastTime))); times never go back")
        }
        lastTime = time
        lastTimeLine = number
        try store.importEvent(event, actor: actor, reason: reason, time: time)
    }

    // MARK: Commands

    /// The value of the first of `keys` present (they are synonyms; giving two is an error).
    func name(_ line: JSONObjectReader, _ keys: String...) throws(LogbookError) -> String {
        var found: (String, String)?
        for k in keys {
            guard let v = try line.optionalString(k) else { continue }
            if let (other, _) = found {
                throw LogbookError(.usage, "give \"\(other)\" or \"\(k)\", not both")
            }
            found = (k, v)
        }
        guard let (_, v) = found else { throw line.missing(keys[0]) }
        return v
    }

    func perform(_ op: String, _ l: JSONObjectReader, _ c: WriteContext) throws(LogbookError) {
        switch op {
        case "experiment.create":
            try store.createExperiment(name: try name(l, "name", "experiment"), tags: try l.keyValues("tags"), c)
        case "experiment.rename":
            try store.renameExperiment(try name(l, "name", "experiment"), to: try l.string("new_name"), c)
        case "experiment.delete":
            try store.deleteExperiment(try name(l, "name", "experiment"), c)
        case "experiment.restore":
            try store.restoreExperiment(try name(l, "name", "experiment"), c)
        case "run.start":
            let id = l.present("id") != nil || l.present("run_id") != nil ? try name(l, "id", "run_id") : nil
            try store.startRun(experiment: try l.string("experiment"), name: try l.optionalString("name"), id: id,
                               parent: try l.optionalString("parent"), tags: try l.keyValues("tags"),
                               gitCommit: try l.optionalString("git_commit"), source: try l.optionalString("source"), c)
        case "run.log":
            try logToRun(l, c)
        case "run.end":
            var status = RunStatus.finished
            if let s = try l.optionalString("status") {
                guard let parsed = RunStatus.allCases.first(where: { $0 != .running && $0.name.lowercased() == s.lowercased() }) else {
                    throw LogbookError(.usage, "\"status\" must be finished, failed or killed, not '\(s)'")
                }
                status = parsed
            }
            try store.endRun(try name(l, "run", "run_id"), status: status, c)
        case "run.delete":
            try store.deleteRun(try name(l, "run", "run_id"), c)
        case "run.restore":
            try store.restoreRun(try name(l, "run", "run_id"), c)
        case "dataset.link":
            let run = try name(l, "run", "run_id")
            let digest: String
            switch (try l.optionalString("digest"), try l.optionalString("file")) {
            case (let d?, nil): digest = d
            case (nil, let f?): digest = SHA256.hash(try readFile(f)).hex
            case (nil, nil): throw LogbookError(.usage, "dataset.link needs \"digest\" (SHA-256) or \"file\"")
            default: throw LogbookError(.usage, "give \"digest\" or \"file\", not both")
            }
            try store.linkDataset(run, name: try l.string("name"), digest: digest, c)
        case "artifact.add":
            let file = try l.string("file")
            let path = try l.optionalString("path") ?? String(file.split(separator: "/").last ?? Substring(file))
            try store.addArtifact(try name(l, "run", "run_id"), bytes: try readFile(file), path: path, c)
        case "model.create":
            var tier = RiskTier.unspecified
            if let t = try l.optionalString("risk_tier") {
                guard let parsed = Ingest.riskTier(t) else {
                    throw LogbookError(.usage, "\"risk_tier\" must be low, medium or high, not '\(t)'")
                }
                tier = parsed
            }
            try store.createModel(name: try name(l, "name", "model"), description: try l.optionalString("description"),
                                  owner: try l.optionalString("owner"), purpose: try l.optionalString("purpose"),
                                  riskTier: tier, c)
        case "model.register":
            try store.registerVersion(model: try name(l, "model", "name"), run: try name(l, "run", "run_id"),
                                      artifact: try l.optionalString("artifact"), parent: try l.optionalCount("parent"),
                                      description: try l.optionalString("description"), c)
        case "model.stage":
            let s = try l.string("stage")
            guard let stage = Stage(name: s) else {
                throw LogbookError(.usage, "\"stage\" must be None, Staging, Production or Archived, not '\(s)'")
            }
            try store.setStage(model: try name(l, "model", "name"), version: try l.count("version"), stage: stage,
                               keepExisting: try l.bool("keep_existing"), c)
        case "model.alias":
            let model = try name(l, "model", "name")
            let alias = try l.string("alias")
            if try l.bool("remove") {
                guard l.present("version") == nil else {
                    throw LogbookError(.usage, "give \"version\" or \"remove\": true, not both")
                }
                try store.removeAlias(model: model, alias: alias, c)
            } else {
                try store.setAlias(model: model, alias: alias, version: try l.count("version"), c)
            }
        case "model.policy":
            let policy = PromotionPolicy(metric: try l.string("metric"), lowerIsBetter: try l.bool("lower_is_better"),
                                         minimum: try l.optionalDouble("min"),
                                         improvementPercent: try l.optionalDouble("improvement"),
                                         maxLatencyMs: try l.optionalDouble("max_latency_ms"),
                                         requiresApproval: try l.bool("require_approval"),
                                         separateApprover: try l.bool("separate_approver"))
            try store.setPolicy(model: try name(l, "model", "name"), policy, c)
        case "model.promote":
            let model = try name(l, "model", "name")
            let version = try l.count("version")
            let evaluation = try store.promote(model: model, version: version, dryRun: try l.bool("dry_run"), c)
            if evaluation.decision == .rejected {
                throw LogbookError(.refused, "the promotion of '\(model)' version \(version) was rejected: \(evaluation.explanation)")
            }
        case "model.approve":
            try store.approve(model: try name(l, "model", "name"), version: try l.count("version"), c)
        case "model.reject":
            try store.reject(model: try name(l, "model", "name"), version: try l.count("version"), c)
        case "model.rollback":
            var moment: Moment?
            if let v = l.present("to") {
                switch v {
                case .string(let s) where s.hasPrefix("#"):
                    guard let n = UInt64(s.dropFirst()) else {
                        throw LogbookError(.usage, "\"to\" must be a time or #N (a sequence number), not '\(s)'")
                    }
                    moment = .sequence(n)
                default:
                    moment = .time(try l.time("to"))
                }
            }
            let model = try name(l, "model", "name")
            // A rollback reads the model's past from the log, which holds this ingest's events only at its end.
            if let m = store.state.model(named: model) {
                if let moment, try store.sequence(at: moment) > committedSequence {
                    throw LogbookError(.usage, "model.rollback cannot go back to a moment inside the same ingest "
                                       + "(after event \(committedSequence)); ingest the lines before it first")
                }
                if moment == nil && m.events.contains(where: { $0.segment == 0 }) {
                    throw LogbookError(.usage, "model.rollback of '\(model)' cannot follow other changes to it in the "
                                       + "same ingest (it reads the model's history from the log); ingest the lines "
                                       + "before it first, then the rollback")
                }
            }
            try store.rollback(model: model, to: moment, c)
        case "model.delete":
            try store.deleteModel(try name(l, "model", "name"), c)
        case "model.restore":
            try store.restoreModel(try name(l, "model", "name"), c)
        case "model.validation":
            let s = try l.string("status")
            guard let status = Ingest.validationStatus(s), status != .unspecified else {
                throw LogbookError(.usage, "\"status\" must be pending, validated or failed, not '\(s)'")
            }
            try store.updateModel(try name(l, "model", "name"), validation: status, c)
        case "ab.create", "ab.start", "ab.assign", "ab.record", "ab.stop":
            try performAB(op, l, c)
        case "monitor.log":
            var values: [Double?] = []
            for key in ["latency_ms", "prediction", "actual"] {
                let v = key == "latency_ms" ? try l.double(key) : try l.optionalDouble(key)
                if let v, !v.isFinite { throw LogbookError(.usage, "\"\(key)\" must be a finite number, not \(v)") }
                values.append(v)
            }
            guard values[0]! >= 0 else { throw LogbookError(.usage, "\"latency_ms\" must be 0 or more, not \(values[0]!)") }
            if values[2] != nil && values[1] == nil {
                throw LogbookError(.usage, "\"actual\" needs \"prediction\" (an outcome is compared with a prediction)")
            }
            try store.logPredictions(model: try name(l, "model", "name"), version: try l.count("version"),
                                     [(latency: values[0]!, prediction: values[1], actual: values[2])], c)
        default:
            preconditionFailure("op '\(op)' is in Ingest.keys but not handled")
        }
    }

    /// The `ab.*` ops, as `logbook ab ...` does them.
    func performAB(_ op: String, _ l: JSONObjectReader, _ c: WriteContext) throws(LogbookError) {
        let test = try name(l, "test", "name")
        switch op {
        case "ab.create":
            var parsed: [(name: String, version: Int, weight: Double)] = []
            for (n, item) in try l.array("variants").enumerated() {
                let v = try JSONObjectReader(item, what: "variant \(n + 1)")
                for m in v.members where !["name", "version", "weight"].contains(m.key) {
                    throw LogbookError(.usage, "variant \(n + 1): unknown key \"\(m.key)\" (a variant takes name, version, weight)")
                }
                parsed.append((try v.string("name"), try v.count("version"), try v.double("weight")))
            }
            let weights = try ABInput.basisPoints(parsed.map(\.weight), what: "the \"variants\" weights")
            var guardrails: [ABGuardrail] = []
            for (n, item) in (try l.optionalArray("guardrails") ?? []).enumerated() {
                guard case .string(let s) = item else {
                    throw LogbookError(.usage, "guardrail \(n + 1) must be a string \"KEY[:lower|:higher]\", not \(item.kindDescription)")
                }
                guardrails.append(try ABInput.guardrail(s, what: "guardrail"))
            }
            try store.createABTest(name: test, model: try l.string("model"),
                                   variants: zip(parsed, weights).map { ABVariant(name: $0.name, version: $0.version, weightBasisPoints: $1) },
                                   metric: try l.string("metric"), continuous: try l.bool("continuous"), guardrails: guardrails,
                                   minimumSample: try l.optionalCount("min_sample", minimum: 0) ?? 1000,
                                   alpha: try l.optionalDouble("alpha") ?? 0.05, salt: try l.optionalString("salt"),
                                   sequential: try l.bool("sequential"), c)
        case "ab.start":
            try store.startABTest(test, c)
        case "ab.assign":
            var units: [String] = []
            switch (try l.optionalString("unit"), try l.optionalArray("units")) {
            case (let u?, nil): units = [u]
            case (nil, let list?):
                for (n, item) in list.enumerated() {
                    guard case .string(let u) = item else {
                        throw LogbookError(.usage, "unit \(n + 1) of \"units\" must be a string, not \(item.kindDescription)")
                    }
                    units.append(u)
                }
                guard !units.isEmpty else { throw LogbookError(.usage, "\"units\" is empty") }
            case (nil, nil): throw l.missing("unit")
            default: throw LogbookError(.usage, "give \"unit\" or \"units\", not both")
            }
            try store.assign(test: test, units: units, c)
        case "ab.record":
            let value = try l.double("value")
            guard value.isFinite else { throw LogbookError(.usage, "\"value\" must be a finite number, not \(value)") }
            try store.recordOutcomes(test: test, [(unit: try l.string("unit"), value: value, metric: try l.optionalString("metric"))], c)
        default:
            try store.stopABTest(test, promoteWinner: try l.bool("promote_winner"), c)
        }
    }

    /// `run.log`: params, metrics and tags, as one batch.
    func logToRun(_ l: JSONObjectReader, _ c: WriteContext) throws(LogbookError) {
        let run = try name(l, "run", "run_id")
        var series: [MetricSeries] = []
        if let items = try l.optionalArray("metrics") {
            let lineTime = c.time ?? store.state.lastTimestamp
            var index: [String: Int] = [:]
            var last = -1
            for (n, item) in items.enumerated() {
                guard case .object(let members) = item else {
                    throw LogbookError(.usage, "metric \(n + 1) must be an object {\"key\", \"value\", \"step\", \"time\"}, "
                                       + "not \(item.kindDescription)")
                }
                var key: String?
                var value: Double?
                var step: Int64 = 0
                var time = lineTime
                for m in members {
                    switch m.key {
                    case "key":
                        guard case .string(let s) = m.value else { throw metricError(n, "\"key\" must be a string") }
                        key = s
                    case "value":
                        guard let d = m.value.numberValue else {
                            throw metricError(n, "\"value\" must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), "
                                              + "not \(m.value.kindDescription)")
                        }
                        value = d
                    case "step":
                        guard let s = m.value.integerValue else {
                            throw metricError(n, "\"step\" must be an integer, not \(m.value.kindDescription)")
                        }
                        step = s
                    case "time":
                        switch m.value {
                        case .string(let s):
                            guard let t = Timestamp.parse(s) else { throw metricError(n, "\"time\" is not an ISO-8601 time: '\(s)'") }
                            time = t
                        default:
                            guard let t = m.value.integerValue else {
                                throw metricError(n, "\"time\" must be ISO-8601 or milliseconds, not \(m.value.kindDescription)")
                            }
                            time = t
                        }
                    default:
                        throw metricError(n, "unknown key \"\(m.key)\" (a metric takes key, value, step, time)")
                    }
                }
                guard let key else { throw metricError(n, "no \"key\"") }
                guard let value else { throw metricError(n, "no \"value\"") }
                let point = MetricPoint(step: step, value: value, time: time)
                if last >= 0 && series[last].key == key {
                    series[last].points.append(point)
                    continue
                }
                // Few keys: a linear scan; many: a dictionary, built once the scan gets long.
                if series.count <= 8 {
                    last = series.firstIndex { $0.key == key } ?? -1
                } else {
                    if index.isEmpty { for (i, s) in series.enumerated() { index[s.key] = i } }
                    last = index[key] ?? -1
                }
                if last >= 0 {
                    series[last].points.append(point)
                } else {
                    last = series.count
                    if !index.isEmpty { index[key] = last }
                    series.append(MetricSeries(key: key, points: [point]))
                }
            }
        }
        try store.logToRun(run, params: try l.keyValues("params", scalars: true), metrics: series,
                           tags: try l.keyValues("tags", scalars: true), c)
    }

    func metricError(_ n: Int, _ message: String) -> LogbookError {
        LogbookError(.usage, "metric \(n + 1): \(message)")
    }

    /// The bytes of a file named by a line.
    func readFile(_ path: String) throws(LogbookError) -> [UInt8] {
        do {
            let file = try FileIO().open(path, writable: false)
            defer { file.close() }
            return try file.read(count: try file.size(), at: 0)
        } catch {
            if error == .noSuchFile { throw LogbookError(.notFound, "No file '\(path)'") }
            throw LogbookError(.failure, "Cannot read '\(path)': \(error)")
        }
    }
}

extension JSONObjectReader {
    /// A reader over members already known to be an object's.
    init(members: [JSONMember], what: String) {
        self.members = members
        self.what = what
    }
}
