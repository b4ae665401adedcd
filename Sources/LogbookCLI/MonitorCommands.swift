import Logbook
import LogbookEvents

/// `monitor` commands: production monitoring of model versions (docs/cli.md, "Monitoring").
enum MonitorCommands {
    /// `monitor log MODEL VERSION (--latency-ms X [--prediction Y] [--actual Y] | --file F)`: one durable write.
    static func log(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let version = try ValueParser.version(inv.positional(1))
        var items: [(latency: Double, prediction: Double?, actual: Double?)] = []
        if let file = inv.value("--file") {
            for option in ["--latency-ms", "--prediction", "--actual"] where inv.value(option) != nil {
                throw LogbookError(.usage, "give --file F or \(option), not both")
            }
            let bytes = file == "-" ? try StandardStreams.readInput() : try StandardStreams.readFile(file)
            items = try MonitorInput.predictions(bytes, what: file == "-" ? "standard input" : "'\(file)'")
        } else {
            guard let latencyText = inv.value("--latency-ms") else {
                throw LogbookError(.usage, "missing --latency-ms X (or --file F)")
            }
            let latency = try ValueParser.double(latencyText, "--latency-ms")
            guard latency >= 0 else { throw LogbookError(.usage, "--latency-ms must be 0 or more, not '\(latencyText)'") }
            let prediction = try inv.doubleOption("--prediction")
            let actual = try inv.doubleOption("--actual")
            if actual != nil && prediction == nil {
                throw LogbookError(.usage, "--actual needs --prediction (an outcome is compared with a prediction)")
            }
            items = [(latency, prediction, actual)]
        }
        let alert = try inv.store.logPredictions(model: model, version: version, items, inv.context)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(model)),
                JSONMember("version", .int(version)),
                JSONMember("logged", .int(items.count)),
                JSONMember("alert", alert.map { Render.alert($0, inv.store.state) } ?? .null),
            ]))
        }
        inv.message("Logged \(items.count) prediction(s) of '\(model)' version \(version)")
        if let alert { inv.message("Alert: \(alert.message)") }
        return 0
    }

    /// `monitor status MODEL [--version V] [--since WHEN]`: latency percentiles and prediction statistics.
    static func status(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let version = try inv.versionOption("--version")
        let since = try inv.timeOption("--since")
        let status = try inv.store.monitorStatus(model: model, version: version, since: since, in: inv.pastState)
        if inv.json {
            inv.printJSON(Render.monitorStatus(status, model: model, version: version))
            return 0
        }
        inv.out(Table.keyValues([
            ("model", model),
            ("version", version.map(String.init) ?? "all"),
            ("since", since.map { Timestamp.iso($0) } ?? "-"),
            ("count", String(status.count)),
            ("latency_p50", ms(status.latencyP50)),
            ("latency_p95", ms(status.latencyP95)),
            ("latency_p99", ms(status.latencyP99)),
            ("prediction_mean", ABFormat.fixed(status.predictionMean, 6)),
            ("prediction_std", ABFormat.fixed(status.predictionStd, 6)),
        ]))
        return 0
    }

    /// `monitor baseline MODEL VERSION --file F`: the reference prediction values drift is measured against.
    static func baseline(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let version = try ValueParser.version(inv.positional(1))
        if let from = inv.value("--from-version") {
            guard inv.value("--file") == nil else { throw LogbookError(.usage, "Give --file or --from-version, not both") }
            let source = try ValueParser.version(from)
            let count = try inv.store.setBaseline(model: model, version: version, fromVersion: source,
                                                  since: try inv.timeOption("--since"), until: try inv.timeOption("--until"),
                                                  inv.context)
            if inv.json {
                inv.printJSON(.object([JSONMember("model", .string(model)), JSONMember("version", .int(version)),
                                       JSONMember("baseline_size", .int(count)),
                                       JSONMember("source", .string(inv.store.state.model(named: model).map { _ in "version \(source)" } ?? ""))]))
            }
            inv.message("Set the baseline of '\(model)' version \(version): \(count) value(s) predicted by version \(source)")
            return 0
        }
        let file = try inv.require("--file")
        let bytes = file == "-" ? try StandardStreams.readInput() : try StandardStreams.readFile(file)
        let values = try MonitorInput.baseline(bytes, what: file == "-" ? "standard input" : "'\(file)'")
        let source = file == "-" ? "standard input" : file
        try inv.store.setBaseline(model: model, version: version, values: values, source: source, inv.context)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(model)),
                JSONMember("version", .int(version)),
                JSONMember("baseline_size", .int(values.count)),
                JSONMember("source", .string(source)),
            ]))
        }
        inv.message("Set the baseline of '\(model)' version \(version): \(values.count) value(s) from \(source)")
        return 0
    }

    /// `monitor drift MODEL VERSION [--since WHEN]`: PSI and KS against the baseline, recorded; exit 0 either way.
    static func drift(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let version = try ValueParser.version(inv.positional(1))
        let since = try inv.timeOption("--since")
        let before = inv.store.state.alerts.count
        let r = try inv.store.checkDrift(model: model, version: version, since: since, inv.context)
        let s = inv.store.state
        if inv.json {
            inv.printJSON(.object([
                JSONMember("psi", Render.abNumber(r.psi)),
                JSONMember("ks_statistic", Render.abNumber(r.ksStatistic)),
                JSONMember("ks_p_value", Render.abNumber(r.ksPValue)),
                JSONMember("drifted", .bool(r.drifted)),
                JSONMember("baseline_size", .int(r.baselineSize)),
                JSONMember("current_size", .int(r.currentSize)),
                JSONMember("sampled", .bool(r.sampled)),
                JSONMember("model", .string(model)),
                JSONMember("version", .int(version)),
                JSONMember("since", Render.time(since)),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("model", model),
                ("version", String(version)),
                ("since", since.map { Timestamp.iso($0) } ?? "-"),
                ("psi", ABFormat.fixed(r.psi, 6)),
                ("ks_statistic", ABFormat.fixed(r.ksStatistic, 6)),
                ("ks_p_value", ABFormat.pValue(r.ksPValue)),
                ("baseline_size", String(r.baselineSize) + (r.sampled ? " (sampled)" : "")),
                ("current_size", String(r.currentSize)),
                ("drifted", r.drifted ? "YES" : "no"),
            ]))
        }
        if r.drifted {
            let message = s.alerts.count > before ? s.alerts[s.alerts.count - 1].message : "predictions of version \(version) drifted"
            inv.message("Alert: \(message)")
        }
        return 0
    }

    /// `monitor compare MODEL VERSION --metric KEY`: production against the training metric; alerts past the drop.
    static func compare(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let version = try ValueParser.version(inv.positional(1))
        let metric = try inv.require("--metric")
        let before = inv.store.state.alerts.count
        let r = try inv.store.compareToTraining(model: model, version: version, metric: metric, inv.context)
        let s = inv.store.state
        let threshold = s.model(named: model).map { s.thresholds(model: $0.ordinal).relativeDrop }
        if inv.json {
            inv.printJSON(.object([
                JSONMember("measure", .string(r.measure)),
                JSONMember("production", Render.abNumber(r.production)),
                JSONMember("training", Render.abNumber(r.training)),
                JSONMember("relative_drop", Render.abNumber(r.relativeDrop)),
                JSONMember("alerted", .bool(r.alerted)),
                JSONMember("model", .string(model)),
                JSONMember("version", .int(version)),
                JSONMember("metric", .string(metric)),
                JSONMember("threshold", Render.abNumber(threshold)),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("model", model),
                ("version", String(version)),
                ("measure", r.measure),
                ("production", Human.number(r.production)),
                ("training", "\(Human.number(r.training)) (\(metric))"),
                ("relative_drop", ABFormat.signedPercent(r.relativeDrop)),
                ("threshold", ABFormat.percent(threshold)),
                ("alerted", r.alerted ? "YES" : "no"),
            ]))
        }
        if r.alerted && s.alerts.count > before { inv.message("Alert: \(s.alerts[s.alerts.count - 1].message)") }
        return 0
    }

    /// `monitor alerts [MODEL]`: the alerts raised, oldest first.
    static func alerts(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let alerts = try inv.store.monitorAlerts(model: inv.positionals.first, in: inv.pastState)
        if inv.json {
            inv.printJSON(.object([JSONMember("alerts", .array(alerts.map { Render.alert($0, s) }))]))
            return 0
        }
        var table = Table(["SEQ", "TIME", "MODEL", "VERSION", "KIND", "METRIC", "THRESHOLD", "OBSERVED", "MESSAGE"],
                          rightAligned: [0, 3, 6, 7])
        for a in alerts {
            table.add([String(a.sequence), Human.time(a.time), Render.modelName(a.model, s), String(a.version), a.kind, a.metric,
                       Human.number(a.threshold), Human.number(a.observed), a.message])
        }
        inv.out(table.render())
        return 0
    }

    /// `monitor thresholds MODEL [--psi X] [--ks-p X] [--drop X]`: sets (or, with none, shows) a model's thresholds.
    static func thresholds(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let model = inv.positional(0)
        let psi = try inv.doubleOption("--psi")
        let ks = try inv.doubleOption("--ks-p")
        let drop = try inv.doubleOption("--drop")
        if psi != nil || ks != nil || drop != nil {
            try inv.store.setMonitorThresholds(model: model, psi: psi, ksPValue: ks, relativeDrop: drop, inv.context)
        }
        let m = try inv.store.requireModel(model)
        let t = inv.store.state.thresholds(model: m.ordinal)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("model", .string(model)),
                JSONMember("psi", .double(t.psi)),
                JSONMember("ks_p_value", .double(t.ksPValue)),
                JSONMember("relative_drop", .double(t.relativeDrop)),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("model", model),
                ("psi", "drift when PSI > \(Human.number(t.psi))"),
                ("ks_p_value", "drift when the KS p-value < \(Human.number(t.ksPValue))"),
                ("relative_drop", "degradation when production is more than \(ABFormat.percent(t.relativeDrop)) behind training"),
            ]))
        }
        return 0
    }

    /// Milliseconds with three decimals, or `-`.
    static func ms(_ v: Double?) -> String { v.map { ABFormat.fixed($0, 3) + " ms" } ?? "-" }
}

/// Parsing of the monitoring input files: predictions (CSV or JSON Lines) and baselines. Every error names the line.
enum MonitorInput {
    typealias Prediction = (latency: Double, prediction: Double?, actual: Double?)

    /// CSV with a header naming `latency_ms`, `prediction` and `actual` columns (any order; an empty cell is
    /// absent), or JSON Lines with those keys (when the first non-blank character is `{`).
    static func predictions(_ bytes: [UInt8], what: String) throws(LogbookError) -> [Prediction] {
        let lines = try ABInput.lines(bytes, what: what)
        guard let first = lines.first else {
            throw LogbookError(.usage, "no prediction in \(what) (CSV with a header 'latency_ms,prediction[,actual]', "
                               + "or JSON Lines)")
        }
        var out: [Prediction] = []
        out.reserveCapacity(lines.count)
        if first.text.hasPrefix("{") {
            for line in lines { out.append(try jsonLine(line.text, number: line.number, what: what)) }
            return out
        }
        let header = csvFields(first.text).map { $0.lowercased() }
        let known = ["latency_ms", "prediction", "actual"]
        for (i, name) in header.enumerated() {
            guard known.contains(name) else {
                throw LogbookError(.usage, "line \(first.number) of \(what): unknown column '\(name)' "
                                   + "(the header names latency_ms, prediction and actual)")
            }
            guard !header[..<i].contains(name) else {
                throw LogbookError(.usage, "line \(first.number) of \(what): the column '\(name)' appears twice")
            }
        }
        guard let latencyColumn = header.firstIndex(of: "latency_ms") else {
            throw LogbookError(.usage, "line \(first.number) of \(what) is not a header with a latency_ms column "
                               + "(e.g. 'latency_ms,prediction,actual')")
        }
        let predictionColumn = header.firstIndex(of: "prediction"), actualColumn = header.firstIndex(of: "actual")
        for line in lines.dropFirst() {
            let cells = csvFields(line.text)
            guard cells.count == header.count else {
                throw LogbookError(.usage, "line \(line.number) of \(what) has \(cells.count) field(s); the header has \(header.count)")
            }
            func cell(_ column: Int?, _ name: String) throws(LogbookError) -> Double? {
                guard let column, !cells[column].isEmpty else { return nil }
                return try ValueParser.double(cells[column], "line \(line.number) of \(what): \(name)")
            }
            guard let latency = try cell(latencyColumn, "latency_ms") else {
                throw LogbookError(.usage, "line \(line.number) of \(what) has no latency_ms")
            }
            out.append(try checked((latency, try cell(predictionColumn, "prediction"), try cell(actualColumn, "actual")),
                                   number: line.number, what: what))
        }
        guard !out.isEmpty else { throw LogbookError(.usage, "no prediction in \(what): only the header") }
        return out
    }

    /// One JSON Lines object `{"latency_ms": X, "prediction": Y, "actual": Z}` (null is absent).
    static func jsonLine(_ text: String, number: Int, what: String) throws(LogbookError) -> Prediction {
        let json: JSON
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw LogbookError(.usage, "line \(number) of \(what): malformed JSON at column \(error.offset + 1): \(error.message)")
        }
        do throws(LogbookError) {
            let object = try JSONObjectReader(json, what: "the line")
            for (i, m) in object.members.enumerated() {
                guard ["latency_ms", "prediction", "actual"].contains(m.key) else {
                    throw LogbookError(.usage, "unknown key \"\(m.key)\" (a prediction takes latency_ms, prediction, actual)")
                }
                guard !object.members[..<i].contains(where: { $0.key == m.key }) else {
                    throw LogbookError(.usage, "the key \"\(m.key)\" appears twice")
                }
            }
            let item = (try object.double("latency_ms"), try object.optionalDouble("prediction"), try object.optionalDouble("actual"))
            for (name, v) in [("latency_ms", item.0), ("prediction", item.1), ("actual", item.2)] {
                if let v, !v.isFinite { throw LogbookError(.usage, "\"\(name)\" must be a finite number, not \(v)") }
            }
            return try checked(item, number: number, what: what)
        } catch {
            if error.message.hasPrefix("line \(number) of") { throw error }
            throw LogbookError(error.code, "line \(number) of \(what): \(error.message)")
        }
    }

    /// The rules the library applies to each prediction, checked here so that the error names the line.
    static func checked(_ p: Prediction, number: Int, what: String) throws(LogbookError) -> Prediction {
        guard p.latency >= 0 else {
            throw LogbookError(.usage, "line \(number) of \(what): latency_ms must be 0 or more, not \(Human.number(p.latency))")
        }
        if p.actual != nil && p.prediction == nil {
            throw LogbookError(.usage, "line \(number) of \(what) has an actual outcome but no prediction")
        }
        return p
    }

    /// Baseline values: one number per line, or CSV whose header (a first line that is not a number) has a
    /// `prediction` column; an empty prediction cell is skipped.
    static func baseline(_ bytes: [UInt8], what: String) throws(LogbookError) -> [Double] {
        let lines = try ABInput.lines(bytes, what: what)
        guard let first = lines.first else {
            throw LogbookError(.usage, "no value in \(what) (one number per line, or CSV with a 'prediction' column)")
        }
        var values: [Double] = []
        values.reserveCapacity(lines.count)
        if (try? ValueParser.double(first.text, "")) != nil {
            for line in lines { values.append(try ValueParser.double(line.text, "line \(line.number) of \(what)")) }
            return values
        }
        let header = csvFields(first.text).map { $0.lowercased() }
        guard let column = header.firstIndex(of: "prediction") else {
            throw LogbookError(.usage, "line \(first.number) of \(what) is neither a number nor a CSV header with a "
                               + "'prediction' column")
        }
        for line in lines.dropFirst() {
            let cells = csvFields(line.text)
            guard cells.count == header.count else {
                throw LogbookError(.usage, "line \(line.number) of \(what) has \(cells.count) field(s); the header has \(header.count)")
            }
            guard !cells[column].isEmpty else { continue }
            values.append(try ValueParser.double(cells[column], "line \(line.number) of \(what): prediction"))
        }
        guard !values.isEmpty else { throw LogbookError(.usage, "no value in \(what): the 'prediction' column is empty") }
        return values
    }

    /// The cells of a CSV line: split at commas, trimmed, surrounding double quotes removed (no quoted commas).
    static func csvFields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { cell in
            var c = String(cell).trimmingSpaces
            if c.count >= 2 && c.hasPrefix("\"") && c.hasSuffix("\"") { c = String(c.dropFirst().dropLast()) }
            return c
        }
    }
}
