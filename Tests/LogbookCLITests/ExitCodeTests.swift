import Foundation
import Logbook
import LogbookTestSupport
import Testing

/// Exit codes for every error class, and that a refused command appends nothing.
@Suite("End to end: exit codes")
struct ExitCodeTests {
    /// A store with an experiment, a finished run registered as version 1 of a model, and a policy.
    static func seeded() -> CLISession {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "churn")
        s.ok("run", "start", "--experiment", "churn", "--id", "r1")
        s.ok("run", "log", "r1", "--param", "lr=0.01", "--metric", "auc=0.8")
        s.ok("run", "start", "--experiment", "churn", "--id", "r2")
        s.ok("run", "log", "r2", "--metric", "auc=0.9")
        s.ok("model", "create", "m")
        s.ok("model", "register", "m", "--run", "r1")
        s.ok("model", "register", "m", "--run", "r2")
        s.ok("model", "stage", "m", "1", "Production", "--reason", "first")
        s.ok("model", "policy", "m", "--metric", "auc", "--separate-approver")
        return s
    }

    @Test("2: usage errors (unknown command or option, missing or malformed values), and nothing is appended")
    func usage() throws {
        let s = Self.seeded()
        let before = s.digest()
        s.fails(2, "frobnicate")
        s.fails(2, "run", "frobnicate")
        s.fails(2, "run")
        s.fails(2, "run", "list", "--bogus")
        s.fails(2, "run", "log", "r1", "--bogus", "x")
        s.fails(2, "run", "log", "r1", "--metric", "auc=abc")
        s.fails(2, "run", "log", "r1", "--metric", "auc=0.5@x")
        s.fails(2, "run", "log", "r1", "--metric", "auc")
        s.fails(2, "run", "log", "r1", "--param", "novalue")
        s.fails(2, "run", "log", "r1", "--metric")
        s.fails(2, "run", "log", "r1")
        s.fails(2, "run", "list", "--limit", "ten")
        s.fails(2, "run", "list", "--limit", "-1")
        s.fails(2, "run", "show")
        s.fails(2, "run", "show", "r1", "r2")
        s.fails(2, "run", "end", "r2", "--status", "done")
        s.fails(2, "run", "start", "--name", "x")
        s.fails(2, "run", "start", "--experiment", "churn", "--id", "bad id!")
        s.fails(2, "run", "list", "--json=yes")
        s.fails(2, "run", "list", "--at", "yesterday")
        s.fails(2, "run", "list", "--at", "#x")
        s.fails(2, "run", "list", "--filter", "metrics.auc >>> 1")
        s.fails(2, "model", "stage", "m", "2", "Production")
        s.fails(2, "model", "stage", "m", "2", "Live", "--reason", "x")
        s.fails(2, "model", "stage", "m", "two", "Staging", "--reason", "x")
        s.fails(2, "model", "alias", "m", "best", "--reason", "x")
        s.fails(2, "model", "create", "x", "--risk-tier", "extreme")
        s.fails(2, "model", "policy", "m", "--metric", "auc", "--min", "high")
        s.fails(2, "run", "start", "--experiment", "churn", "--at", "#3")
        s.fails(2, "run", "log", "r1", "--metric", "auc=1", env: ["LOGBOOK_NOW": "tomorrow"])
        s.fails(4, "run", "log", "r1", "--metric", "auc=1", env: ["LOGBOOK_NOW": "2020-01-01T00:00:00Z"]) // refused: time never goes back
        s.fails(2, "run", "log", "r1", "--metric", "auc=1", env: ["LOGBOOK_LOCK_TIMEOUT_MS": "soon"])
        s.fails(2, "audit", "verify", "--digest", "12")
        s.fails(2, "audit", "log", "--entity", "planet:mars")
        s.fails(2, "prune", "--before", "last tuesday", "--reason", "x")
        s.fails(2, "retention", "set", "--min-days", "six months", "--reason", "x")
        s.fails(2, "audit", "trail", "model:m")
        #expect(s.digest() == before, "usage errors append nothing")
        // --help and --version succeed.
        #expect(s.ok("--help").stdout.contains("model promote"))
        #expect(s.ok("run", "--help").stdout.contains("logbook run start"))
        #expect(s.ok("model", "promote", "--help").stdout.contains("--dry-run"))
        #expect(s.ok("run", "log", "-h").stdout.contains("--metric"))
        #expect(s.ok("--version").stdout.hasPrefix("logbook "))
        #expect(s.ok("help", "audit", "verify").stdout.contains("--digest"))
    }

    @Test("3: not found (run, experiment, model, version, alias, store)")
    func notFound() throws {
        let s = Self.seeded()
        let before = s.digest()
        s.fails(3, "run", "show", "nope")
        s.fails(3, "run", "log", "nope", "--metric", "a=1")
        s.fails(3, "run", "start", "--experiment", "nope")
        s.fails(3, "run", "history", "r1", "--metric", "nope")
        s.fails(3, "experiment", "show", "nope")
        s.fails(3, "model", "show", "nope")
        s.fails(3, "model", "resolve", "nope@production")
        s.fails(3, "model", "resolve", "m@nope")
        s.fails(3, "model", "stage", "m", "9", "Staging", "--reason", "x")
        s.fails(3, "model", "alias", "m", "nope", "--remove", "--reason", "x")
        s.fails(3, "audit", "log", "--entity", "run:nope")
        #expect(s.digest() == before)
        let missing = CLISession()
        missing.fails(3, "run", "list")
        missing.fails(3, "audit", "verify")
        missing.fails(3, "model", "create", "x")
        #expect(missing.run("run", "list").stderr.contains("logbook init"))
    }

    @Test("4: refused by a rule, and a refused command appends nothing")
    func refused() throws {
        let s = Self.seeded()
        let before = s.digest()
        s.fails(4, "run", "log", "r1", "--param", "lr=0.02")
        s.fails(4, "run", "log", "r1", "--param", "batch=64", "--param", "lr=0.5") // all or nothing
        s.fails(4, "experiment", "create", "churn")
        s.fails(4, "run", "delete", "r1")
        s.fails(4, "run", "start", "--experiment", "churn", "--id", "r1")
        s.fails(4, "model", "create", "m")
        s.fails(4, "model", "stage", "m", "1", "Production", "--reason", "again")
        s.fails(4, "model", "approve", "m", "2", "--reason", "nothing pending")
        #expect(s.digest() == before, "refused commands append nothing")
        #expect(s.ok("run", "show", "r1", "--json").json["params"] as? [String: String] == ["lr": "0.01"])

        // Approval by the requester under --separate-approver.
        s.ok("model", "promote", "m", "2")
        let pending = s.digest()
        s.fails(4, "model", "approve", "m", "2", "--reason", "self-approval")
        #expect(s.digest() == pending)
        s.ok("model", "approve", "m", "2", "--reason", "second pair of eyes", "--actor", "bob")
        // A policy rejection exits 4.
        s.ok("run", "start", "--experiment", "churn", "--id", "r3")
        s.ok("run", "log", "r3", "--metric", "auc=0.5")
        s.ok("model", "register", "m", "--run", "r3")
        let r = s.run("model", "promote", "m", "3")
        #expect(r.status == 4 && r.stderr.contains("Error:"), "\(r)")
        // An existing explicit demo directory.
        s.fails(4, "demo", s.directory.path)
    }

    @Test("5: integrity: a byte flipped in the log fails check and audit verify, naming the sequence")
    func integrity() throws {
        let s = Self.seeded()
        let digest = s.digest()
        s.ok("check")
        let segment = try #require(LogFixtures.segmentPaths(s.store).first)
        var bytes = readFile(segment)
        let frames = LogFixtures.frames(bytes)
        try #require(frames.count >= 6)
        let victim = frames[4]
        bytes[victim.offset + victim.length - 2] ^= 0x40
        writeFile(segment, bytes)
        let check = s.fails(5, "check")
        #expect(check.stderr.contains("sequence 5"), "\(check)")
        let verify = s.fails(5, "audit", "verify")
        #expect(verify.stderr.contains("sequence 5"), "\(verify)")
        s.fails(5, "audit", "verify", "--digest", digest)
        s.fails(5, "run", "list")
    }

    @Test("6: busy: another writer holds the lock past the timeout; readers are not blocked")
    func busy() throws {
        let s = Self.seeded()
        let before = s.digest()
        let holder = try LogbookStore(at: s.store, writable: true)
        let r = s.fails(6, "run", "log", "r1", "--metric", "auc=0.9@1", env: ["LOGBOOK_LOCK_TIMEOUT_MS": "200"])
        #expect(r.stderr.contains("locked"), "\(r)")
        s.ok("run", "show", "r1")
        try holder.close()
        #expect(s.digest() == before)
        s.ok("run", "log", "r1", "--metric", "auc=0.9@1", env: ["LOGBOOK_LOCK_TIMEOUT_MS": "200"])
    }
}
