import Foundation
import Logbook
import LogbookCLI
import LogbookTestSupport
import Testing

/// `logbook monitor ...` end to end, through the built binary, checked against the library on the same store.
@Suite("End to end: monitoring")
struct MonitorCommandTests {
    /// A store with model "m": versions 1 and 2 from runs r1 (acc 0.9) and r2 (acc 0.8), version 1 in Production.
    static func seeded() -> CLISession {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        for (i, acc) in [(1, "0.9"), (2, "0.8")] {
            s.ok("run", "start", "--experiment", "e", "--id", "r\(i)")
            s.ok("run", "log", "r\(i)", "--metric", "acc=\(acc)")
            s.ok("run", "end", "r\(i)")
        }
        s.ok("model", "create", "m")
        s.ok("model", "register", "m", "--run", "r1")
        s.ok("model", "register", "m", "--run", "r2")
        s.ok("model", "stage", "m", "1", "Production", "--reason", "first release")
        return s
    }

    /// The sequence number of the newest event.
    static func sequence(_ s: CLISession) -> Int { s.run(["audit", "digest", "--json"]).json["seq"] as? Int ?? -1 }

    /// A uniform value in (0, 1).
    static func uniform(_ g: inout SeededGenerator) -> Double { (Double(g.next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// A normal value (Box-Muller).
    static func normal(_ g: inout SeededGenerator, mean: Double = 0, sd: Double = 1) -> Double {
        let u = uniform(&g), v = uniform(&g)
        return mean + sd * (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Latencies: log-normal around 20 ms with a heavy tail (3% between 400 and 2000 ms).
    static func latencies(_ n: Int, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in
            uniform(&g) < 0.03 ? 400 + 1600 * uniform(&g) : exp(3 + 0.6 * normal(&g))
        }
    }

    /// The value at rank ⌊q (n − 1)⌋ of the sorted values (the histogram's definition).
    static func exact(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
    }

    /// Checks a `monitor status --json` document against the library's status, bit for bit.
    static func expectSame(_ stdout: String, _ status: MonitorStatus, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let json = try? JSON(parsing: stdout) else {
            Issue.record("not JSON: \(stdout)", sourceLocation: sourceLocation)
            return
        }
        #expect(json["count"] == .int(Int64(status.count)), sourceLocation: sourceLocation)
        for (key, value) in [("latency_p50", status.latencyP50), ("latency_p95", status.latencyP95),
                             ("latency_p99", status.latencyP99), ("prediction_mean", status.predictionMean),
                             ("prediction_std", status.predictionStd)] {
            if let value {
                #expect(json[key]?.exactDouble == value, "\(key): \(String(describing: json[key])) vs \(value)",
                        sourceLocation: sourceLocation)
            } else {
                #expect(json[key] == .null, "\(key) should be null", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("a session: CSV and JSON Lines files, p99 = the library's and within 1% of exact, --since, --at")
    func session() throws {
        let s = Self.seeded()
        let first = Self.latencies(3000, seed: 11), second = Self.latencies(2000, seed: 12)
        var g = SeededGenerator(seed: 13)
        // CSV, columns in a different order than the contract's example, some cells empty.
        var csv = "prediction,latency_ms,actual\n"
        var predictions: [Double] = []
        for (i, l) in first.enumerated() {
            if i % 10 == 9 {
                csv += ",\(l),\n"
            } else {
                let p = Self.normal(&g)
                predictions.append(p)
                csv += "\(p),\(l),\(i % 3 == 0 ? "1" : "")\n"
            }
        }
        let csvFile = s.directory.appending("batch1.csv")
        writeFile(csvFile, Array(csv.utf8))
        let before = Self.sequence(s)
        let logged = s.ok("monitor", "log", "m", "1", "--file", csvFile, env: ["LOGBOOK_NOW": "2026-03-01T14:00:00Z"])
        #expect(logged.stdout.isEmpty && logged.stderr.contains("Logged 3000 prediction(s)"), "\(logged)")
        #expect(Self.sequence(s) == before + 1, "one durable write")
        let afterFirst = Self.sequence(s)

        // JSON Lines ten minutes later, on version 2 and version 1.
        var jsonl = ""
        for (i, l) in second.enumerated() {
            let p = Self.normal(&g)
            predictions.append(p)
            jsonl += i % 2 == 0 ? "{\"latency_ms\":\(l),\"prediction\":\(p)}\n" : "  {\"prediction\":\(p),\"latency_ms\":\(l),\"actual\":null}\n"
        }
        let jsonlFile = s.directory.appending("batch2.jsonl")
        writeFile(jsonlFile, Array(jsonl.utf8))
        s.ok("monitor", "log", "m", "1", "--file", jsonlFile, env: ["LOGBOOK_NOW": "2026-03-01T14:10:00Z"])
        #expect(Self.sequence(s) == afterFirst + 1)
        let fromStdin = s.run(["monitor", "log", "m", "2", "--file", "-"], stdin: "latency_ms\n5\n6\n7\n",
                              env: ["LOGBOOK_NOW": "2026-03-01T14:10:30Z"])
        #expect(fromStdin.status == 0, "\(fromStdin)")
        s.ok("monitor", "log", "m", "2", "--latency-ms", "9.5", "--prediction", "-0.25", "--actual", "0",
             env: ["LOGBOOK_NOW": "2026-03-01T14:11:00Z"])

        let reader = try LogbookStore(at: s.store, writable: false)
        // Version 1, all time: the library's numbers, and within 1% of the exact percentiles of what was planted.
        let all = first + second
        let v1 = s.ok("monitor", "status", "m", "--version", "1", "--json")
        let v1Status = try reader.monitorStatus(model: "m", version: 1)
        Self.expectSame(v1.stdout, v1Status)
        #expect(v1Status.count == 5000)
        for (key, q) in [("latency_p50", 0.5), ("latency_p95", 0.95), ("latency_p99", 0.99)] {
            let value = try #require(number(v1.json[key]))
            let truth = Self.exact(all, q)
            #expect(abs(value - truth) <= 0.01 * truth, "\(key): \(value) vs exact \(truth)")
        }
        #expect(Self.exact(all, 0.99) > 400, "the planted tail holds p99")
        let mean = predictions.reduce(0, +) / Double(predictions.count)
        #expect(abs((number(v1.json["prediction_mean"]) ?? .nan) - mean) < 1e-9)
        #expect(v1.json["model"] as? String == "m" && v1.json["version"] as? Int == 1)

        // Every version: one more count each from version 2.
        let both = s.ok("monitor", "status", "m", "--json")
        Self.expectSame(both.stdout, try reader.monitorStatus(model: "m"))
        #expect(both.json["count"] as? Int == 5004 && both.json["version"] is NSNull)
        let human = s.ok("monitor", "status", "m").stdout
        #expect(human.contains("latency_p99") && human.contains("5004"), "\(human)")

        // --since: only the second batch (logged at 14:10).
        let sinceTime = try #require(Timestamp.parse("2026-03-01T14:05:00Z"))
        let since = s.ok("monitor", "status", "m", "--version", "1", "--since", "2026-03-01T14:05:00Z", "--json")
        Self.expectSame(since.stdout, try reader.monitorStatus(model: "m", version: 1, since: sinceTime))
        #expect(since.json["count"] as? Int == 2000)
        let p99 = try #require(number(since.json["latency_p99"]))
        #expect(abs(p99 - Self.exact(second, 0.99)) <= 0.01 * Self.exact(second, 0.99))

        // --at: as of the first batch, by sequence number and by time.
        let past = try reader.state(at: .sequence(UInt64(afterFirst)))
        let at = s.ok("monitor", "status", "m", "--version", "1", "--json", "--at", "#\(afterFirst)")
        Self.expectSame(at.stdout, try reader.monitorStatus(model: "m", version: 1, in: past))
        #expect(at.json["count"] as? Int == 3000)
        let p99First = try #require(number(at.json["latency_p99"]))
        #expect(abs(p99First - Self.exact(first, 0.99)) <= 0.01 * Self.exact(first, 0.99))
        #expect(s.ok("monitor", "status", "m", "--json", "--at", "2026-03-01T14:05:00Z").json["count"] as? Int == 3000)
        // Before any prediction: count 0, percentiles null.
        let empty = s.ok("monitor", "status", "m", "--json", "--at", "#\(before)").json
        #expect(empty["count"] as? Int == 0 && empty["latency_p99"] is NSNull && empty["prediction_mean"] is NSNull)
        // Before the model existed: not found.
        s.fails(3, "monitor", "status", "m", "--at", "#2")
    }

    @Test("a planted mean shift of 0.5 sd is flagged, recorded and alerted; an identical distribution is not")
    func drift() throws {
        let s = Self.seeded()
        var g = SeededGenerator(seed: 21)
        let baseline = (0..<5000).map { _ in Self.normal(&g) }
        // One number per line for version 1, CSV with a prediction column for version 2.
        let plain = s.directory.appending("baseline.txt")
        writeFile(plain, Array(baseline.map { "\($0)" }.joined(separator: "\n").utf8))
        let csv = s.directory.appending("baseline.csv")
        writeFile(csv, Array(("id,prediction\n" + baseline.enumerated().map { "\($0.offset),\($0.element)" }.joined(separator: "\n")).utf8))
        s.ok("monitor", "baseline", "m", "1", "--file", plain)
        s.ok("monitor", "baseline", "m", "2", "--file", csv)
        let baselineEvents = s.ok("audit", "log", "--entity", "model:m", "--json").jsonLines.filter { $0["type"] as? String == "baseline.set" }
        #expect(baselineEvents.map { ($0["data"] as? [String: Any])?["source"] as? String } == [plain, csv])
        #expect(baselineEvents.map { (($0["data"] as? [String: Any])?["values"] as? [Any])?.count } == [5000, 5000])

        let shifted = (0..<5000).map { _ in Self.normal(&g, mean: 0.5) }
        let same = (0..<5000).map { _ in Self.normal(&g) }
        for (version, values) in [(1, shifted), (2, same)] {
            let file = s.directory.appending("current-\(version).csv")
            writeFile(file, Array(("latency_ms,prediction\n" + values.map { "10,\($0)" }.joined(separator: "\n")).utf8))
            s.ok("monitor", "log", "m", "\(version)", "--file", file)
        }
        let beforeDrift = Self.sequence(s)
        #expect((s.ok("monitor", "alerts", "--json").json["alerts"] as? [Any])?.isEmpty == true)

        let flagged = s.ok("monitor", "drift", "m", "1", "--json")
        let d = flagged.json
        #expect(d["drifted"] as? Bool == true, "\(flagged)")
        #expect((number(d["psi"]) ?? 0) > 0.1 && (number(d["ks_p_value"]) ?? 1) < 1e-10, "\(d)")
        #expect(abs((number(d["ks_statistic"]) ?? 0) - 0.197) < 0.05, "D of a 0.5 sd shift is about 0.197: \(d)")
        #expect(d["baseline_size"] as? Int == 5000 && d["current_size"] as? Int == 5000 && d["sampled"] as? Bool == false)
        #expect(flagged.stderr.contains("Alert: predictions of version 1 drifted"), "\(flagged)")
        #expect(Self.sequence(s) == beforeDrift + 2, "drift.checked and alert.raised")

        let quiet = s.ok("monitor", "drift", "m", "2", "--json")
        #expect(quiet.json["drifted"] as? Bool == false, "\(quiet)")
        #expect((number(quiet.json["psi"]) ?? 1) < 0.25 && (number(quiet.json["ks_p_value"]) ?? 0) > 0.01, "\(quiet)")
        #expect(!quiet.stderr.contains("Alert"), "\(quiet)")
        #expect(Self.sequence(s) == beforeDrift + 3, "the check is recorded, no alert")
        #expect(s.ok("monitor", "drift", "m", "2").stdout.contains("drifted"))

        // The alert: listed, in the audit log of the model, with the check's numbers.
        let alerts = s.ok("monitor", "alerts", "m", "--json").json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert["model"] as? String == "m" && alert["version"] as? Int == 1 && alert["kind"] as? String == "drift")
        #expect(alert["seq"] as? Int == beforeDrift + 2 && alert["time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(["psi", "ks_p_value"].contains(alert["metric"] as? String ?? ""))
        #expect((alert["message"] as? String ?? "").contains("drifted"))
        let audit = s.ok("audit", "log", "--entity", "model:m", "--json").jsonLines
        let raised = audit.filter { $0["type"] as? String == "alert.raised" }
        #expect(raised.count == 1 && raised.first?["seq"] as? Int == beforeDrift + 2)
        #expect((raised.first?["data"] as? [String: Any])?["kind"] as? String == "drift")
        let checks = audit.filter { $0["type"] as? String == "drift.checked" }.map { $0["data"] as? [String: Any] ?? [:] }
        #expect(checks.map { $0["drifted"] as? Bool } == [true, false, false])
        #expect(number(checks.first?["psi"]) == number(d["psi"]) && number(checks.first?["ks_p_value"]) == number(d["ks_p_value"]))
        #expect(s.ok("audit", "log", "--entity", "model:m").stdout.contains("alert.raised"))
        #expect(s.ok("monitor", "alerts").stdout.contains("drifted"))
        // As of before the check: no alert.
        #expect((s.ok("monitor", "alerts", "--json", "--at", "#\(beforeDrift)").json["alerts"] as? [Any])?.isEmpty == true)

        // --since after every prediction: nothing to compare (4); a tighter threshold flags version 2.
        s.fails(4, "monitor", "drift", "m", "2", "--since", "2026-03-02T00:00:00Z")
        s.ok("monitor", "thresholds", "m", "--psi", "0.000001")
        #expect(s.ok("monitor", "thresholds", "m", "--json").json["psi"] as? Double == 0.000001)
        let strict = s.ok("monitor", "drift", "m", "2", "--json")
        #expect(strict.json["drifted"] as? Bool == true && strict.stderr.contains("Alert:"), "\(strict)")
    }

    @Test("compare: accuracy of 0/1 predictions against training, an alert past 5%, a threshold; MAE otherwise")
    func compare() throws {
        let s = Self.seeded()
        // Version 1 (training acc 0.9): 80 of 100 right, accuracy 0.8, 11% behind.
        var lines = "latency_ms,prediction,actual\n"
        for i in 0..<100 { lines += "12,\(i % 2),\(i < 80 ? i % 2 : 1 - i % 2)\n" }
        lines += "12,1,\n"  // a prediction without an outcome does not count
        writeFile(s.directory.appending("v1.csv"), Array(lines.utf8))
        s.ok("monitor", "log", "m", "1", "--file", s.directory.appending("v1.csv"))
        let before = Self.sequence(s)
        let r = s.ok("monitor", "compare", "m", "1", "--metric", "acc", "--json")
        let c = r.json
        #expect(c["measure"] as? String == "accuracy" && number(c["production"]) == 0.8 && number(c["training"]) == 0.9, "\(r)")
        #expect(abs((number(c["relative_drop"]) ?? 0) - 0.1 / 0.9) < 1e-12 && c["alerted"] as? Bool == true)
        #expect(r.stderr.contains("Alert: production accuracy 0.8 of version 1"), "\(r)")
        #expect(Self.sequence(s) == before + 1)
        let alerts = s.ok("monitor", "alerts", "m", "--json").json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.map { $0["kind"] as? String } == ["degradation"] && alerts.first?["metric"] as? String == "acc")
        #expect(number(alerts.first?["threshold"]) == 0.05)
        #expect(s.ok("audit", "log", "--entity", "model:m", "--json").jsonLines.contains { $0["type"] as? String == "alert.raised" })

        // Version 2 (training acc 0.8): 78 of 100 right, 2.5% behind: no alert, nothing written.
        lines = "latency_ms,prediction,actual\n"
        for i in 0..<100 { lines += "12,1,\(i < 78 ? 1 : 0)\n" }
        writeFile(s.directory.appending("v2.csv"), Array(lines.utf8))
        s.ok("monitor", "log", "m", "2", "--file", s.directory.appending("v2.csv"))
        let digest = s.digest()
        let ok = s.ok("monitor", "compare", "m", "2", "--metric", "acc", "--json")
        #expect(ok.json["alerted"] as? Bool == false && number(ok.json["production"]) == 0.78 && !ok.stderr.contains("Alert"), "\(ok)")
        #expect(s.digest() == digest)

        // A 20% threshold: version 1 no longer alerts.
        s.ok("monitor", "thresholds", "m", "--drop", "0.2")
        #expect(s.ok("monitor", "compare", "m", "1", "--metric", "acc", "--json").json["alerted"] as? Bool == false)
        #expect(s.ok("monitor", "compare", "m", "1", "--metric", "acc").stdout.contains("accuracy"))

        // Non-0/1 values: MAE, where lower is better.
        s.ok("model", "register", "m", "--run", "r2")
        s.ok("monitor", "log", "m", "3", "--latency-ms", "5", "--prediction", "0.5", "--actual", "1")
        let mae = s.ok("monitor", "compare", "m", "3", "--metric", "acc", "--json").json
        #expect(mae["measure"] as? String == "mae" && number(mae["production"]) == 0.5)
    }

    @Test("a batch past the policy's max latency raises a latency alert in the same write")
    func latencyAlert() throws {
        let s = Self.seeded()
        s.ok("model", "policy", "m", "--metric", "acc", "--max-latency-ms", "100")
        let before = Self.sequence(s)
        let fine = s.ok("monitor", "log", "m", "1", "--latency-ms", "50")
        #expect(!fine.stderr.contains("Alert"))
        let r = s.run(["monitor", "log", "m", "1", "--file", "-", "--json"],
                      stdin: (0..<100).map { "{\"latency_ms\":\($0 < 90 ? 20 : 500)}" }.joined(separator: "\n"))
        #expect(r.status == 0 && r.stderr.contains("Alert: p99 latency"), "\(r)")
        #expect((r.json["alert"] as? [String: Any])?["kind"] as? String == "latency" && r.json["logged"] as? Int == 100)
        #expect(Self.sequence(s) == before + 3, "predictions and alert, one write each time")
        let alerts = s.ok("monitor", "alerts", "--json").json["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.map { $0["metric"] as? String } == ["latency_ms_p99"] && number(alerts.first?["threshold"]) == 100)
    }

    @Test("exit codes: unknown model or version 3, malformed line N 2 (nothing appended), no baseline 4")
    func errors() throws {
        let s = Self.seeded()
        s.ok("monitor", "log", "m", "1", "--latency-ms", "3", "--prediction", "0.5")
        let digest = s.digest()
        let dir = s.directory

        // 3: not found.
        s.fails(3, "monitor", "log", "ghost", "1", "--latency-ms", "3")
        s.fails(3, "monitor", "log", "m", "7", "--latency-ms", "3")
        writeFile(dir.appending("good.csv"), Array("latency_ms\n1\n".utf8))
        s.fails(3, "monitor", "log", "m", "7", "--file", dir.appending("good.csv"))
        s.fails(3, "monitor", "status", "ghost")
        s.fails(3, "monitor", "status", "m", "--version", "7")
        writeFile(dir.appending("base.txt"), Array("1\n2\n".utf8))
        s.fails(3, "monitor", "baseline", "m", "7", "--file", dir.appending("base.txt"))
        s.fails(3, "monitor", "drift", "ghost", "1")
        s.fails(3, "monitor", "drift", "m", "7")
        s.fails(3, "monitor", "compare", "m", "7", "--metric", "acc")
        s.fails(3, "monitor", "compare", "m", "1", "--metric", "no-such-metric")
        s.fails(3, "monitor", "alerts", "ghost")
        s.fails(3, "monitor", "thresholds", "ghost", "--psi", "0.3")

        // 2: malformed files, naming the line; nothing appended.
        let malformed: [(String, String, Int)] = [
            ("bad1.csv", "latency_ms,prediction,actual\n1,0.5,1\n2,0.4,0\n\n3,abc,1\n4,0.1,0\n", 5),
            ("bad2.csv", "latency_ms,prediction\n1,0.5\n2,0.4,9\n", 3),
            ("bad3.csv", "latency_ms,prediction\n1,0.5\n-2,0.4\n", 3),
            ("bad4.csv", "latency_ms,prediction,actual\n1,0.5,1\n2,,1\n", 3),
            ("bad5.csv", "latency,prediction\n1,0.5\n", 1),
            ("bad6.jsonl", "{\"latency_ms\":1}\n{\"latency_ms\":2,\"prediction\":0.5}\n{\"latency_ms\":3,\n", 3),
            ("bad7.jsonl", "{\"latency_ms\":1}\n{\"prediction\":0.5}\n", 2),
            ("bad8.jsonl", "{\"latency_ms\":1}\n\n{\"latency_ms\":1,\"colour\":\"red\"}\n", 3),
            ("bad9.jsonl", "{\"latency_ms\":1}\n{\"latency_ms\":\"fast\"}\n", 2),
        ]
        for (name, text, line) in malformed {
            writeFile(dir.appending(name), Array(text.utf8))
            let r = s.fails(2, "monitor", "log", "m", "1", "--file", dir.appending(name))
            #expect(r.stderr.contains("line \(line) of"), "\(name): \(r)")
        }
        let stdin = s.run(["monitor", "log", "m", "1", "--file", "-"], stdin: "latency_ms\n1\nx\n")
        #expect(stdin.status == 2 && stdin.stderr.contains("line 3 of standard input"), "\(stdin)")
        writeFile(dir.appending("badbase.txt"), Array("0.1\n0.2\n\nzero\n".utf8))
        #expect(s.fails(2, "monitor", "baseline", "m", "1", "--file", dir.appending("badbase.txt")).stderr.contains("line 4 of"))
        writeFile(dir.appending("badbase.csv"), Array("id,prediction\n1,0.2\n2,oops\n".utf8))
        #expect(s.fails(2, "monitor", "baseline", "m", "1", "--file", dir.appending("badbase.csv")).stderr.contains("line 3 of"))
        writeFile(dir.appending("nobase.csv"), Array("id,score\n1,0.2\n".utf8))
        #expect(s.fails(2, "monitor", "baseline", "m", "1", "--file", dir.appending("nobase.csv")).stderr.contains("line 1 of"))
        // Other usage errors.
        s.fails(2, "monitor", "log", "m", "1")
        s.fails(2, "monitor", "log", "m", "1", "--latency-ms", "fast")
        s.fails(2, "monitor", "log", "m", "1", "--latency-ms", "-1")
        s.fails(2, "monitor", "log", "m", "1", "--latency-ms", "1", "--actual", "1")
        s.fails(2, "monitor", "log", "m", "1", "--latency-ms", "1", "--file", dir.appending("good.csv"))
        s.fails(2, "monitor", "log", "m", "one", "--latency-ms", "1")
        s.fails(2, "monitor", "status", "m", "--since", "yesterday")
        s.fails(2, "monitor", "drift", "m", "1", "--at", "#3")
        s.fails(2, "monitor", "compare", "m", "1")
        s.fails(2, "monitor", "baseline", "m", "1")
        s.fails(2, "monitor", "thresholds", "m", "--ks-p", "2")
        s.fails(2, "monitor", "frobnicate")
        // 4: refused by a rule.
        s.fails(4, "monitor", "drift", "m", "1")
        s.fails(4, "monitor", "compare", "m", "1", "--metric", "acc") // no actual outcomes logged
        #expect(s.digest() == digest, "failed commands append nothing")
        // A missing file is an I/O failure (1).
        #expect(s.run("monitor", "log", "m", "1", "--file", dir.appending("missing.csv")).status == 1)
        #expect(s.digest() == digest)
    }

    @Test("ingest: monitor.log lines, all or nothing")
    func ingest() throws {
        let s = Self.seeded()
        var lines = (0..<50).map { #"{"op":"monitor.log","model":"m","version":1,"latency_ms":\#(Double($0) + 0.5),"prediction":0.\#($0 % 10)}"# }
        lines.append(#"{"op":"monitor.log","model":"m","version":2,"latency_ms":4,"prediction":1,"actual":1,"time":"2026-03-01T15:00:00Z"}"#)
        lines.append(#"{"op":"monitor.log","model":"m","version":2,"latency_ms":6,"prediction":null,"actual":null}"#)
        writeFile(s.directory.appending("mon.jsonl"), Array(lines.joined(separator: "\n").utf8))
        let r = s.ok("ingest", s.directory.appending("mon.jsonl"), "--json")
        #expect(r.json["events"] as? Int == 52)
        let reader = try LogbookStore(at: s.store, writable: false)
        #expect(try reader.monitorStatus(model: "m", version: 1).count == 50)
        #expect(try reader.monitorStatus(model: "m", version: 2).count == 2)
        let status = s.ok("monitor", "status", "m", "--version", "1", "--json")
        Self.expectSame(status.stdout, try reader.monitorStatus(model: "m", version: 1))
        #expect(s.ok("monitor", "compare", "m", "2", "--metric", "acc", "--json").json["production"] as? Double == 1)
        // Exported predictions ingest back into a fresh store (the export line form).
        let exported = s.ok("export").stdout
        let copy = CLISession()
        copy.ok("init")
        let back = copy.run(["ingest", "-"], stdin: exported)
        #expect(back.status == 0, "\(back)")
        #expect(copy.ok("monitor", "status", "m", "--json").stdout == s.ok("monitor", "status", "m", "--json").stdout)

        let digest = s.digest()
        let bad: [(String, String)] = [
            (#"{"op":"monitor.log","model":"m","version":1}"#, "has no \"latency_ms\""),
            (#"{"op":"monitor.log","model":"m","version":1,"latency_ms":-1}"#, "0 or more"),
            (#"{"op":"monitor.log","model":"m","version":1,"latency_ms":1,"actual":1}"#, "needs \"prediction\""),
            (#"{"op":"monitor.log","model":"m","version":1,"latency_ms":1,"speed":1}"#, "unknown key \"speed\""),
            (#"{"op":"monitor.log","model":"m","version":9,"latency_ms":1}"#, "no version 9"),
            (#"{"op":"monitor.log","model":"ghost","version":1,"latency_ms":1}"#, "No model named 'ghost'"),
        ]
        for (line, message) in bad {
            let text = lines[0] + "\n" + lines[1] + "\n" + line + "\n" + lines[2]
            let f = s.run(["ingest", "-"], stdin: text, env: ["LOGBOOK_NOW": "2026-03-01T16:00:00Z"])
            #expect(f.status != 0 && f.stderr.contains("line 3: ") && f.stderr.contains(message), "\(line): \(f)")
        }
        #expect(s.digest() == digest, "nothing appended")
    }

    @Test("help lists the monitoring commands")
    func help() {
        let s = CLISession()
        let all = s.ok("--help").stdout
        #expect(all.contains("Monitoring:") && all.contains("monitor drift"))
        let noun = s.ok("monitor", "--help").stdout
        for verb in ["log", "status", "baseline", "drift", "compare", "alerts", "thresholds"] {
            #expect(noun.contains("logbook monitor \(verb)"), "\(verb)")
        }
        #expect(s.ok("monitor", "log", "--help").stdout.contains("JSON Lines"))
    }
}
