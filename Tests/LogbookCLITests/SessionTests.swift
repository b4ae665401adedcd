import Foundation
import LogbookTestSupport
import Testing

/// A scripted session through the built `logbook` binary, comparing parsed JSON with expectations.
@Suite("End to end: a scripted session")
struct SessionTests {
    @Test("tracking: init, experiments, runs, params, metrics (NaN, -Inf), show, list, filter, best, history")
    func tracking() throws {
        let s = CLISession()
        s.ok("init")
        #expect(s.ok("init").status == 0) // idempotent
        #expect(s.ok("experiment", "create", "churn", "--tag", "team=growth").output == "1")
        #expect(s.ok("run", "start", "--experiment", "churn", "--id", "r1", "--name", "baseline", "--tag", "team=growth").output == "r1")
        s.ok("run", "log", "r1", "--param", "lr=0.01", "--param", "depth=6", "--metric", "auc=0.5@0", "--metric", "auc=0.81@1",
             "--metric", "loss=nan", "--metric", "gain=-INF@3", "--tag", "stage=dev")
        s.ok("run", "end", "r1")
        let r1 = s.ok("run", "show", "r1", "--json").json
        #expect(r1["run_id"] as? String == "r1")
        #expect(r1["experiment"] as? String == "churn")
        #expect(r1["name"] as? String == "baseline")
        #expect(r1["status"] as? String == "FINISHED")
        #expect(r1["start_time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(r1["end_time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(r1["parent_run_id"] is NSNull)
        #expect(r1["params"] as? [String: String] == ["lr": "0.01", "depth": "6"])
        let metrics = r1["metrics"] as? [String: Any] ?? [:]
        #expect(number(metrics["auc"]) == 0.81)
        #expect(metrics["loss"] as? String == "NaN")
        #expect(metrics["gain"] as? String == "-Infinity")
        #expect(r1["tags"] as? [String: String] == ["team": "growth", "stage": "dev"])

        // A nested run, an hour later.
        s.environment["LOGBOOK_NOW"] = "2026-03-01T15:00:00Z"
        let r2 = s.ok("run", "start", "--experiment", "churn", "--parent", "r1").output
        #expect(r2.count == 32 && r2.allSatisfy(\.isHexDigit), "a generated run id: \(r2)")
        s.ok("run", "log", r2, "--metric", "auc=0.9", "--metric", "latency_ms=12", "--param", "lr=0.02")
        s.ok("run", "end", r2, "--status", "failed")
        let shown = s.ok("run", "show", r2, "--json").json
        #expect(shown["parent_run_id"] as? String == "r1")
        #expect(shown["status"] as? String == "FAILED")
        #expect(shown["start_time"] as? String == "2026-03-01T15:00:00.000Z")

        let filtered = s.ok("run", "list", "--json", "--filter", "metrics.auc > 0.85").json["runs"] as? [[String: Any]] ?? []
        #expect(filtered.map { $0["run_id"] as? String } == [r2])
        let byParam = s.ok("run", "list", "--json", "--filter", "params.lr = '0.01'").json["runs"] as? [[String: Any]] ?? []
        #expect(byParam.map { $0["run_id"] as? String } == ["r1"])
        let all = s.ok("run", "list", "--experiment", "churn", "--json").json["runs"] as? [[String: Any]] ?? []
        #expect(all.map { $0["run_id"] as? String } == [r2, "r1"], "newest first")
        let ordered = s.ok("run", "list", "--json", "--order-by", "metrics.auc", "--limit", "1").json["runs"] as? [[String: Any]] ?? []
        #expect(ordered.map { $0["run_id"] as? String } == ["r1"])
        let newest = s.ok("run", "list", "--json", "--limit", "1").json["runs"] as? [[String: Any]] ?? []
        #expect(newest.map { $0["run_id"] as? String } == [r2])
        #expect((s.ok("run", "list", "--json", "--limit", "5").json["runs"] as? [[String: Any]] ?? []).map { $0["run_id"] as? String } == [r2, "r1"])
        #expect((s.ok("run", "list", "--json", "--limit", "0").json["runs"] as? [[String: Any]])?.isEmpty == true)

        #expect(s.ok("run", "best", "--experiment", "churn", "--metric", "auc", "--json").json["run_id"] as? String == r2)
        #expect(s.ok("run", "best", "--experiment", "churn", "--metric", "auc", "--lowest", "--json").json["run_id"] as? String == "r1")
        #expect(s.ok("run", "best", "--experiment", "churn", "--metric", "auc").stdout.contains(r2))
        s.fails(3, "run", "best", "--experiment", "churn", "--metric", "nothing")

        let history = s.ok("run", "history", "r1", "--metric", "auc", "--json").json
        #expect(history["run_id"] as? String == "r1")
        #expect(history["key"] as? String == "auc")
        let points = history["points"] as? [[String: Any]] ?? []
        #expect(points.map { number($0["step"]) } == [0, 1])
        #expect(points.map { number($0["value"]) } == [0.5, 0.81])
        #expect(points.first?["time"] as? String == "2026-03-01T14:00:00.000Z")

        let compare = s.ok("run", "compare", "r1", r2, "--json").json
        #expect(compare["runs"] as? [String] == ["r1", r2])
        #expect((compare["params"] as? [String: [Any]])?["lr"] as? [String] == ["0.01", "0.02"])
        #expect(s.ok("run", "compare", "r1", r2).stdout.contains("metrics.auc"))

        // Reads as of a moment: before the second run existed.
        let before = s.ok("run", "list", "--json", "--at", "2026-03-01T14:30:00Z").json["runs"] as? [[String: Any]] ?? []
        #expect(before.map { $0["run_id"] as? String } == ["r1"])
        let bySequence = s.ok("run", "show", "r1", "--json", "--at", "#3").json
        #expect(bySequence["status"] as? String == "RUNNING")
        #expect(bySequence["params"] as? [String: String] == ["lr": "0.01", "depth": "6"])
    }

    @Test("artifacts and datasets")
    func artifacts() throws {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r1")
        let file = s.directory.appending("model.bin")
        let bytes: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        writeFile(file, bytes)
        #expect(s.ok("artifact", "add", "r1", file).output == "model.bin")
        #expect(s.ok("artifact", "add", "r1", file, "--path", "models/v1.bin").output == "models/v1.bin")
        let list = s.ok("artifact", "list", "r1", "--json").json["artifacts"] as? [[String: Any]] ?? []
        #expect(list.map { $0["path"] as? String } == ["model.bin", "models/v1.bin"])
        #expect(list.map { number($0["size"]) } == [5000, 5000])
        let out = s.directory.appending("copy.bin")
        s.ok("artifact", "get", "r1", "models/v1.bin", "--out", out)
        #expect(readFile(out) == bytes)
        s.fails(3, "artifact", "get", "r1", "nope.bin", "--out", out)
        s.fails(2, "artifact", "get", "r1", "model.bin")

        s.ok("dataset", "link", "r1", "train", "--file", file)
        s.ok("dataset", "link", "r1", "holdout", "--digest", String(repeating: "AB", count: 32))
        s.fails(2, "dataset", "link", "r1", "bad", "--digest", "xyz")
        s.fails(2, "dataset", "link", "r1", "none")
        let datasets = s.ok("run", "show", "r1", "--json").json["datasets"] as? [[String: Any]] ?? []
        #expect(datasets.map { $0["name"] as? String } == ["train", "holdout"])
        #expect(datasets.last?["digest"] as? String == String(repeating: "ab", count: 32))
        #expect((datasets.first?["digest"] as? String)?.count == 64)
    }

    @Test("registry: create, register, stage, alias, resolve, policy, promote, approve, rollback, history; audit")
    func registry() throws {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "churn")
        s.ok("run", "start", "--experiment", "churn", "--id", "r1")
        s.ok("run", "log", "r1", "--metric", "auc=0.80", "--metric", "latency_ms=20")
        s.ok("run", "start", "--experiment", "churn", "--id", "r2")
        s.ok("run", "log", "r2", "--metric", "auc=0.90", "--metric", "latency_ms=25")
        s.ok("run", "start", "--experiment", "churn", "--id", "r3")
        s.ok("run", "log", "r3", "--metric", "auc=0.805")

        #expect(s.ok("model", "create", "churn-model", "--owner", "growth", "--risk-tier", "High").output == "churn-model")
        #expect(s.ok("model", "register", "churn-model", "--run", "r1", "--description", "first").output == "1")
        #expect(s.ok("model", "register", "churn-model", "--run", "r2", "--parent", "1").output == "2")
        #expect(s.ok("model", "register", "churn-model", "--run", "r3").output == "3")
        s.ok("model", "stage", "churn-model", "1", "production", "--reason", "first release")
        s.ok("model", "alias", "churn-model", "champion", "1", "--reason", "initial")

        let resolved = s.ok("model", "resolve", "churn-model@production", "--json").json
        #expect(resolved["model"] as? String == "churn-model")
        #expect(number(resolved["version"]) == 1)
        #expect(resolved["stage"] as? String == "Production")
        #expect(resolved["aliases"] as? [String] == ["champion"])
        #expect(resolved["run_id"] as? String == "r1")
        #expect(resolved["artifact"] is NSNull)
        #expect(resolved["artifact_sha256"] is NSNull)
        #expect(number(s.ok("model", "resolve", "churn-model@champion", "--json").json["version"]) == 1)
        #expect(number(s.ok("model", "resolve", "churn-model/2", "--json").json["version"]) == 2)
        s.fails(3, "model", "resolve", "churn-model@staging")

        let versions = s.ok("model", "versions", "churn-model", "--json").json
        #expect(versions["model"] as? String == "churn-model")
        let list = versions["versions"] as? [[String: Any]] ?? []
        #expect(list.map { number($0["version"]) } == [1, 2, 3])
        #expect(list.map { $0["stage"] as? String } == ["Production", "None", "None"])
        #expect(list.first?["aliases"] as? [String] == ["champion"])
        #expect(list.first?["run_id"] as? String == "r1")
        #expect(list.first?["created_time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(list.first?["description"] as? String == "first")
        #expect(list[1]["description"] is NSNull)

        s.ok("model", "policy", "churn-model", "--metric", "auc", "--improvement", "5", "--max-latency-ms", "50",
             "--require-approval", "--separate-approver")
        // A challenger below the bar: rejected (exit 4) but the evaluation is recorded.
        let before = s.digest()
        let rejected = s.run("model", "promote", "churn-model", "3", "--json")
        #expect(rejected.status == 4, "\(rejected)")
        #expect(rejected.json["decision"] as? String == "rejected")
        #expect(number(rejected.json["challenger"]) == 3)
        #expect(number(rejected.json["champion"]) == 1)
        #expect(s.digest() != before, "the rejected evaluation is recorded")
        // A dry run records nothing.
        let dry = s.digest()
        #expect(s.ok("model", "promote", "churn-model", "2", "--dry-run", "--json").json["decision"] as? String == "pending_approval")
        #expect(s.digest() == dry)

        s.environment["LOGBOOK_NOW"] = "2026-03-02T09:00:00Z"
        let promoted = s.ok("model", "promote", "churn-model", "2", "--json").json
        #expect(promoted["decision"] as? String == "pending_approval")
        #expect(number(promoted["challenger"]) == 2)
        #expect(number(promoted["champion"]) == 1)
        #expect(abs((number(promoted["improvement"]) ?? 0) - 12.5) < 1e-9)
        #expect(promoted["reason"] is String)
        // The requester cannot approve; someone else can.
        let pending = s.digest()
        s.fails(4, "model", "approve", "churn-model", "2", "--reason", "looks good")
        #expect(s.digest() == pending)
        s.fails(2, "model", "approve", "churn-model", "2", "--actor", "carol")
        s.ok("model", "approve", "churn-model", "2", "--reason", "reviewed", "--actor", "carol")
        let now = s.ok("model", "resolve", "churn-model@production", "--json").json
        #expect(number(now["version"]) == 2)
        #expect(s.ok("model", "versions", "churn-model", "--json").json["versions"].flatMap { ($0 as? [[String: Any]])?.first?["stage"] as? String } == "Archived")

        s.environment["LOGBOOK_NOW"] = "2026-03-02T10:00:00Z"
        s.fails(2, "model", "rollback", "churn-model")
        s.ok("model", "rollback", "churn-model", "--reason", "latency incident")
        #expect(number(s.ok("model", "resolve", "churn-model@production", "--json").json["version"]) == 1)
        // What was in production at 09:30, and at 13:00 the day before?
        #expect(number(s.ok("model", "resolve", "churn-model@production", "--json", "--at", "2026-03-02T09:30:00Z").json["version"]) == 2)
        #expect(number(s.ok("model", "resolve", "churn-model@production", "--json", "--at", "2026-03-01T23:00:00+02:00").json["version"]) == 1)
        s.fails(3, "model", "resolve", "churn-model@production", "--at", "2026-02-01")

        let history = s.ok("model", "history", "churn-model", "--json").json
        #expect(history["model"] as? String == "churn-model")
        let changes = history["changes"] as? [[String: Any]] ?? []
        let summary = changes.map { "\($0["kind"] as? String ?? "?") \(($0["version"] as? Int).map(String.init) ?? ($0["alias"] as? String ?? "-")) \($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "-")" }
        #expect(summary == ["stage 1 None>Production", "alias champion ->1", "stage 1 Production>Archived",
                            "stage 2 None>Production", "rollback - ->previous production", "stage 2 Production>Archived",
                            "stage 1 Archived>Production"], "\(summary)")
        #expect(changes.first?["actor"] as? String == "alice")
        #expect(changes.first?["reason"] as? String == "first release")
        #expect(changes.first?["time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(changes[3]["actor"] as? String == "carol")
        #expect(changes[3]["reason"] as? String == "reviewed")
        #expect(changes.last?["reason"] as? String == "latency incident")

        // Rollback to a moment: the stages and aliases as they were then.
        s.ok("model", "alias", "churn-model", "champion", "2", "--reason", "move")
        s.ok("model", "rollback", "churn-model", "--to", "2026-03-02T09:30:00Z", "--reason", "back to the approved state")
        #expect(number(s.ok("model", "resolve", "churn-model@production", "--json").json["version"]) == 2)
        #expect(number(s.ok("model", "resolve", "churn-model@champion", "--json").json["version"]) == 1)

        // Audit: the model's events as JSON Lines, in export's shape.
        let lines = s.ok("audit", "log", "--json", "--entity", "model:churn-model").jsonLines
        #expect(lines.first?["type"] as? String == "model.created")
        #expect(lines.allSatisfy { Set($0.keys) == ["seq", "time", "actor", "reason", "type", "data"] })
        let seqs = lines.compactMap { number($0["seq"]) }
        #expect(seqs == seqs.sorted() && seqs.count == lines.count)
        #expect(lines.contains { $0["type"] as? String == "promotion.approved" && $0["actor"] as? String == "carol" })
        let byCarol = s.ok("audit", "log", "--json", "--actor", "carol").jsonLines
        #expect(!byCarol.isEmpty && byCarol.allSatisfy { $0["actor"] as? String == "carol" })
        #expect(s.ok("audit", "log", "--json", "--limit", "2").jsonLines.count == 2)
        let since = s.ok("audit", "log", "--json", "--since", "2026-03-02T09:30:00Z").jsonLines
        #expect(!since.isEmpty && since.allSatisfy { ($0["time"] as? String ?? "") >= "2026-03-02T09:30:00.000Z" })
        #expect(s.ok("audit", "log", "--entity", "model:churn-model").stdout.contains("promotion.approved"))

        // Digest and verify.
        let digest = s.ok("audit", "digest", "--json").json
        let seq = Int(number(digest["seq"]) ?? -1)
        let hash = digest["hash"] as? String ?? ""
        #expect(seq > lines.count)
        #expect(hash.count == 64 && hash.allSatisfy(\.isHexDigit))
        #expect(digest["time"] as? String == "2026-03-02T10:00:00.000Z")
        s.ok("audit", "verify", "--digest", "\(seq):\(hash)")
        s.ok("audit", "verify")
        s.ok("check")
        let wrong = String(repeating: "0", count: 64)
        s.fails(5, "audit", "verify", "--digest", "\(seq):\(wrong)")
        s.fails(2, "audit", "verify", "--digest", "\(seq):\(hash.prefix(10))")
    }

    @Test("export, then ingest into an empty store, gives the same state")
    func exportIngest() throws {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r1", "--name", "n")
        s.ok("run", "log", "r1", "--param", "p=1", "--metric", "m=0.5@2", "--metric", "m=nan@3", "--tag", "t=x")
        s.ok("model", "create", "mdl")
        s.ok("model", "register", "mdl", "--run", "r1")
        s.ok("model", "stage", "mdl", "1", "Staging", "--reason", "try")
        let exported = s.ok("export")
        #expect(exported.jsonLines.count == 8)
        #expect(s.ok("export", "--from", "2", "--to", "3").jsonLines.map { number($0["seq"]) } == [2, 3])

        let copy = CLISession()
        copy.ok("init")
        let ingested = copy.run(["ingest", "-"], stdin: exported.stdout)
        #expect(ingested.status == 0, "\(ingested)")
        #expect(copy.ok("export").stdout == exported.stdout)
        #expect(copy.ok("run", "show", "r1", "--json").stdout == s.ok("run", "show", "r1", "--json").stdout)
        // A bad file appends nothing and names the line.
        let before = copy.digest()
        let bad = copy.run(["ingest", "-"], stdin: "{\"op\":\"experiment.create\",\"name\":\"x\"}\n{\"op\":\"nope\"}\n")
        #expect(bad.status != 0 && bad.stderr.contains("2"), "\(bad)")
        #expect(copy.digest() == before)
    }

    @Test("store commands: stats, check, snapshot, compact, repair")
    func storeCommands() throws {
        let s = CLISession()
        s.fails(3, "stats")
        s.fails(3, "run", "start", "--experiment", "x")
        #expect(!FileManager.default.fileExists(atPath: s.store), "a write on a missing store creates nothing")
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r1")
        s.ok("run", "log", "r1", "--metric", "m=1")
        let stats = s.ok("stats", "--json").json
        #expect(number(stats["events"]) == 3)
        #expect(number(stats["last_seq"]) == 3)
        #expect(stats["last_time"] as? String == "2026-03-01T14:00:00.000Z")
        #expect(number(stats["segments"]) == 1)
        #expect(s.ok("snapshot", "--json").json["seq"] as? Int == 3)
        #expect(number(s.ok("stats", "--json").json["snapshots"]) == 1)
        s.ok("compact")
        #expect(number(s.ok("check", "--json").json["records"]) == 3)
        s.ok("run", "log", "r1", "--metric", "m=2@1")
        #expect(s.ok("repair", "--truncate-after", "3", "--json").json["kept_through"] as? Int == 3)
        // Records 1...3 kept, then the cut itself recorded as event 4.
        #expect(number(s.ok("stats", "--json").json["last_seq"]) == 4)
        #expect(s.ok("audit", "log", "--json").stdout.split(separator: "\n").last?.contains("\"type\":\"store.repaired\"") == true)
        s.fails(2, "repair")
        s.fails(2, "repair", "--truncate-after", "x")
    }

    @Test("--at on stats and audit digest: the contents and the digest as of then, and that digest verifies")
    func atOnStoreReads() throws {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r1")
        s.ok("run", "log", "r1", "--param", "p=1", "--metric", "m=1") // one batch: events 3 and 4
        s.ok("experiment", "create", "f")
        #expect(number(s.ok("stats", "--json", "--at", "#2").json["events"]) == 2)
        #expect(number(s.ok("stats", "--json", "--at", "#2").json["experiments"]) == 1)
        let then = s.ok("audit", "digest", "--json", "--at", "#2").json
        #expect(number(then["seq"]) == 2)
        // Inside the batch of events 3 and 4: the digest is the one a reader could take, after event 2, with its time.
        let inside = s.ok("audit", "digest", "--json", "--at", "#3").json
        #expect(number(inside["seq"]) == 2 && inside["time"] as? String == then["time"] as? String && inside["time"] is String)
        #expect(s.ok("audit", "log", "--json", "--since", "#2", "--until", "#3").stdout.split(separator: "\n").count == 2)
        #expect(s.ok("audit", "log", "--json", "--limit", "0").stdout.isEmpty)
        #expect(number(s.ok("audit", "digest", "--json", "--at", "#4").json["seq"]) == 4)
        s.ok("audit", "verify", "--digest", "2:\(then["hash"] as! String)")
        s.fails(5, "audit", "verify", "--digest", "2:" + String(repeating: "0", count: 64))
    }

    @Test("demo builds a store, tours it, and refuses an existing directory")
    func demo() throws {
        let dir = TemporaryDirectory("demo")
        let target = dir.appending("d")
        let r = CLISession.run(["demo", target], environment: [:], scratch: dir)
        #expect(r.status == 0, "\(r)")
        for needle in ["run best", "churn-classifier@production", "--at", "model history", "audit log --entity model:",
                       "audit verify --digest", "OK: "] {
            #expect(r.stdout.contains(needle), "the tour shows \(needle)")
        }
        #expect(!r.stdout.contains("(exit "), "every tour command succeeds: \(r.stdout)")
        let again = CLISession.run(["demo", target], environment: [:], scratch: dir)
        #expect(again.status == 4)
        let check = CLISession.run(["check", "--store", target], environment: [:], scratch: dir)
        #expect(check.status == 0, "\(check)")
        // Deterministic: a second demo store has the same digest.
        let other = dir.appending("e")
        #expect(CLISession.run(["demo", other], environment: [:], scratch: dir).status == 0)
        let d1 = CLISession.run(["audit", "digest", "--store", target, "--json"], environment: [:], scratch: dir).stdout
        let d2 = CLISession.run(["audit", "digest", "--store", other, "--json"], environment: [:], scratch: dir).stdout
        #expect(d1 == d2 && !d1.isEmpty)
        // The default directory is a fresh ./logbook-demo[-N].
        #expect(CLISession.run(["demo"], environment: [:], scratch: dir).status == 0)
        #expect(CLISession.run(["demo"], environment: [:], scratch: dir).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appending("logbook-demo/log")))
        #expect(FileManager.default.fileExists(atPath: dir.appending("logbook-demo-2/log")))
    }
}
