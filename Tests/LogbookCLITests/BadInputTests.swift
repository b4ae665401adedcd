import Foundation
import LogbookTestSupport
import Testing

/// Bad input to every command of CLI.md: each row runs one bad command line against a copy of a store holding a
/// small, realistic session, and checks the exit status the contract prescribes, an `Error: ` message that names the
/// offending value or option, and that nothing was appended (same digest; `audit verify --digest` still proves it).
@Suite("End to end: bad input to every command")
struct BadInputTests {
    @Test("A bad command is refused with the contract's status, names the problem, and appends nothing",
          arguments: BadInput.table)
    func badInput(_ row: BadInput) throws {
        let fixture = BadInputFixture.shared
        let s = CLISession()
        let template = row.fixture == .session ? fixture.session.store : fixture.pseudonymized.store
        let before = row.fixture == .session ? fixture.sessionDigest : fixture.pseudonymizedDigest
        try FileManager.default.copyItem(atPath: template, toPath: s.store)

        let args = row.args.map(fixture.expand)
        let r: CLIResult
        if let input = row.stdin {
            r = runWithInputFile(args, environment: s.environment.merging(row.env) { $1 },
                                 input: fixture.expand(input), scratch: s.directory)
        } else {
            r = s.run(args, env: row.env)
        }
        #expect(r.status == row.status, "\(row.testDescription): \(r.clipped)")
        #expect(r.stderr.hasPrefix("Error: "), "\(row.testDescription): no leading 'Error: ': \(r.clipped)")
        for part in row.names {
            #expect(r.stderr.contains(fixture.expand(part)), "\(row.testDescription): the error does not name '\(part)': \(r.clipped)")
        }
        if row.status == 2 {
            #expect(r.stderr.contains("\nUsage: logbook") && r.stderr.contains("\nSee 'logbook"),
                    "\(row.testDescription): a usage error shows the usage: \(r.clipped)")
        }
        #expect(s.digest() == before, "\(row.testDescription): something was appended")
        let files = SecurityTests.tree(s.store).filter { $0.key != "/LOCK" }
        let expected = row.fixture == .session ? fixture.sessionFiles : fixture.pseudonymizedFiles
        let changed = Set(files.keys).union(expected.keys).filter { files[$0] != expected[$0] }.sorted()
        #expect(changed.isEmpty, "\(row.testDescription): files of the store changed: \(changed)")
        let verify = s.run("audit", "verify", "--digest", before)
        #expect(verify.status == 0, "\(row.testDescription): audit verify after it: \(verify.clipped)")
    }

    @Test("The table covers every command of CLI.md, and has 100+ rows")
    func coverage() {
        let commands = [
            "init", "stats", "check", "snapshot", "compact", "repair", "export", "ingest",
            "experiment create", "experiment list", "experiment show", "experiment rename", "experiment delete", "experiment restore",
            "run start", "run log", "run end", "run show", "run list", "run best", "run history", "run compare", "run delete",
            "run restore", "artifact add", "artifact list", "artifact get", "dataset link",
            "model create", "model list", "model show", "model delete", "model restore", "model validation", "model register",
            "model versions", "model stage", "model alias", "model resolve", "model policy", "model promote", "model approve",
            "model reject", "model rollback", "model history", "model compare", "model lineage",
            "ab create", "ab start", "ab stop", "ab list", "ab plan", "ab assign", "ab record", "ab status",
            "monitor log", "monitor status", "monitor baseline", "monitor drift", "monitor compare", "monitor alerts",
            "audit log", "audit digest", "audit verify", "audit trail", "audit export", "retention set", "prune", "identity erase",
        ]
        let covered = Set(BadInput.table.map(\.command))
        for c in commands { #expect(covered.contains(c), "no bad-input row for 'logbook \(c)'") }
        #expect(BadInput.table.count >= 100, "\(BadInput.table.count) rows")
    }
}

// MARK: - The table

/// One bad command line, what it must exit with, and what its error must name.
struct BadInput: Sendable, CustomTestStringConvertible {
    enum Fixture: Sendable { case session, pseudonymized }

    /// The command's words (`run log`), for the coverage check.
    var command: String
    /// The arguments; `$F/` is the directory of the fixture files, `$BIG` a 131,000-character word.
    var args: [String]
    var status: Int32
    /// Substrings the error message must contain (the offending value, option, line...).
    var names: [String]
    var env: [String: String] = [:]
    /// A fixture file given as standard input.
    var stdin: String?
    var fixture: Fixture = .session

    var testDescription: String {
        let shown = args.map { $0.replacingOccurrences(of: "$BIG", with: "<\(BadInputFixture.bigArgument.count) chars>") }
        let envText = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value) " }.joined()
        return "\(status): \(envText)logbook \(shown.joined(separator: " "))\(stdin.map { " < \($0)" } ?? "")"
    }

    /// The table: every command of CLI.md, with malformed values, unknown names, huge names, invalid UTF-8 in the
    /// files commands read, NaN and infinities where the contract wants a finite number, negative steps, duplicates,
    /// unknown options, missing options and extra positionals.
    static let table: [BadInput] = store + tracking + artifacts + models + ab + monitor + audit + globals

    // MARK: Store

    static let store: [BadInput] = [
        row("init", 2, ["'--bogus'"], "init", "--bogus"),
        row("init", 2, ["'extra'"], "init", "extra"),
        row("init", 4, ["already records 26 event(s)", "init --pseudonymize"], "init", "--pseudonymize"),
        row("stats", 2, ["'extra'"], "stats", "extra"),
        row("stats", 2, ["--at 'yesterday'", "ISO-8601"], "stats", "--at", "yesterday"),
        row("stats", 2, ["--at '#x'"], "stats", "--at", "#x"),
        row("check", 2, ["'--bogus'"], "check", "--bogus"),
        row("check", 2, ["--at", "check"], "check", "--at", "#3"),
        row("snapshot", 2, ["'extra'"], "snapshot", "extra"),
        row("snapshot", 2, ["--at", "write"], "snapshot", "--at", "#3"),
        row("compact", 2, ["'--bogus'"], "compact", "--bogus"),
        row("compact", 2, ["'extra'"], "compact", "extra"),
        row("repair", 2, ["missing --truncate-after"], "repair"),
        row("repair", 2, ["--truncate-after", "'abc'"], "repair", "--truncate-after", "abc"),
        row("repair", 2, ["--truncate-after", "'-1'"], "repair", "--truncate-after", "-1"),
        row("repair", 2, ["999", "ends at sequence 26"], "repair", "--truncate-after", "999"),
        row("repair", 2, ["Sequence 3 is inside a batch", "truncate after 2 or 5"], "repair", "--truncate-after", "3"),
        row("repair", 2, ["LOGBOOK_NOW 'garbage'"], "repair", "--truncate-after", "5", env: ["LOGBOOK_NOW": "garbage"]),
        row("export", 2, ["--from", "'abc'"], "export", "--from", "abc"),
        row("export", 2, ["--to", "'-5'"], "export", "--to", "-5"),
        row("export", 2, ["'extra'"], "export", "extra"),
        row("export", 2, ["--at 'garbage'"], "export", "--at", "garbage"),
        row("ingest", 1, ["$F/nonexistent.jsonl"], "ingest", "$F/nonexistent.jsonl"),
        row("ingest", 2, ["unexpected argument 'b'"], "ingest", "a", "b"),
        row("ingest", 2, ["'--bogus'"], "ingest", "--bogus", "$F/model.bin"),
        row("ingest", 2, ["line 2", "invalid UTF-8"], "ingest", "$F/bad-utf8.jsonl"),
        row("ingest", 2, ["line 2", "invalid UTF-8"], "ingest", "-", stdin: "$F/bad-utf8.jsonl"),
        row("ingest", 2, ["line 1", "unpaired surrogate"], "ingest", "$F/bad-surrogate.jsonl"),
        row("ingest", 2, ["line 2", "malformed JSON"], "ingest", "$F/bad-json.jsonl"),
        row("ingest", 2, ["line 1", "experiment.frobnicate"], "ingest", "$F/unknown-op.jsonl"),
        row("ingest", 2, ["line 1", "no \"op\""], "ingest", "$F/no-op.jsonl"),
        row("ingest", 2, ["line 1", "\"colour\""], "ingest", "$F/unknown-key.jsonl"),
        row("ingest", 2, ["line 1", "\"name\" appears twice"], "ingest", "$F/duplicate-key.jsonl"),
        row("ingest", 2, ["line 1", "no \"experiment\""], "ingest", "$F/missing-key.jsonl"),
        row("ingest", 2, ["line 1", "\"version\"", "integer"], "ingest", "$F/wrong-type.jsonl"),
        row("ingest", 2, ["line 1", "'Live'", "Staging"], "ingest", "$F/bad-stage.jsonl"),
        row("ingest", 2, ["line 1", "--reason is required"], "ingest", "$F/no-reason.jsonl"),
        row("ingest", 2, ["line 1", "experiment name is 1000000 bytes"], "ingest", "$F/mb-experiment.jsonl"),
        row("ingest", 2, ["line 1", "param key is 1000000 bytes"], "ingest", "$F/mb-param-key.jsonl"),
        row("ingest", 2, ["line 1", "unit is 1000000 bytes"], "ingest", "$F/mb-unit.jsonl"),
        row("ingest", 2, ["line 1", "control character"], "ingest", "$F/nul-name.jsonl"),
        row("ingest", 2, ["line 1", "expected a JSON value"], "ingest", "$F/nan-literal.jsonl"),
        row("ingest", 2, ["line 1", "1e999"], "ingest", "$F/huge-number.jsonl"),
        row("ingest", 2, ["line 1", "\"latency_ms\" must be a finite number"], "ingest", "$F/latency-nan.jsonl"),
        row("ingest", 2, ["line 1", "\"value\" must be a finite number"], "ingest", "$F/ab-value-nan.jsonl"),
        row("ingest", 2, ["line 1", "step -1", "0 or more"], "ingest", "$F/negative-step.jsonl"),
        row("ingest", 2, ["line 1", "\"step\" must be an integer"], "ingest", "$F/fractional-step.jsonl"),
        row("ingest", 2, ["line 1", "'yesterday'"], "ingest", "$F/bad-time.jsonl"),
        row("ingest", 2, ["line 1", "'../../x'"], "ingest", "$F/artifact-escape.jsonl"),
        row("ingest", 4, ["line 2", "times never go back"], "ingest", "$F/time-backwards.jsonl"),
        row("ingest", 4, ["line 1", "2020-01-01", "never go back"], "ingest", "$F/time-past.jsonl"),
        row("ingest", 4, ["line 2", "experiment named 'x' already exists"], "ingest", "$F/duplicate-experiment.jsonl"),
        row("ingest", 4, ["line 1", "run with id 'r1' already exists"], "ingest", "$F/duplicate-run.jsonl"),
        row("ingest", 4, ["line 4", "Param 'a'"], "ingest", "$F/good-then-bad.jsonl"),
        row("ingest", 4, ["line 1", "store.pruned"], "ingest", "$F/store-pruned.jsonl"),
        row("ingest", 3, ["line 1", "'nope'"], "ingest", "$F/unknown-run.jsonl"),
    ]

    // MARK: Experiments and runs

    static let tracking: [BadInput] = [
        row("experiment create", 2, ["missing NAME"], "experiment", "create"),
        row("experiment create", 4, ["'churn' already exists"], "experiment", "create", "churn"),
        row("experiment create", 2, ["--tag 'novalue'", "KEY=VALUE"], "experiment", "create", "x", "--tag", "novalue"),
        row("experiment create", 2, ["--tag '=v'"], "experiment", "create", "x", "--tag", "=v"),
        row("experiment create", 2, ["--tag needs a value"], "experiment", "create", "x", "--tag"),
        row("experiment create", 2, ["unexpected argument 'y'"], "experiment", "create", "x", "y"),
        row("experiment create", 2, ["experiment name is 131000 bytes", "limit is 256"], "experiment", "create", "$BIG"),
        row("experiment create", 2, ["tag value is 131000 bytes"], "experiment", "create", "x", "--tag", "k=$BIG"),
        row("experiment create", 2, ["'a\\nb'", "control character"], "experiment", "create", "a\nb"),
        row("experiment list", 2, ["'--bogus'"], "experiment", "list", "--bogus"),
        row("experiment list", 2, ["--at 'garbage'"], "experiment", "list", "--at", "garbage"),
        row("experiment show", 3, ["'nope'"], "experiment", "show", "nope"),
        row("experiment show", 2, ["missing NAME"], "experiment", "show"),
        row("experiment rename", 2, ["missing NEW"], "experiment", "rename", "churn"),
        row("experiment rename", 3, ["'nope'"], "experiment", "rename", "nope", "other"),
        row("experiment rename", 4, ["'churn' already has that name"], "experiment", "rename", "churn", "churn"),
        row("experiment rename", 2, ["experiment name is 131000 bytes"], "experiment", "rename", "churn", "$BIG"),
        row("experiment delete", 3, ["'nope'"], "experiment", "delete", "nope"),
        row("experiment delete", 2, ["unexpected argument 'extra'"], "experiment", "delete", "churn", "extra"),
        row("experiment restore", 3, ["'nope'"], "experiment", "restore", "nope"),
        row("experiment restore", 4, ["'churn' is not deleted"], "experiment", "restore", "churn"),

        row("run start", 2, ["missing --experiment"], "run", "start"),
        row("run start", 3, ["'nope'"], "run", "start", "--experiment", "nope"),
        row("run start", 4, ["'r1' already exists"], "run", "start", "--experiment", "churn", "--id", "r1"),
        row("run start", 2, ["run id 'a/b' is invalid"], "run", "start", "--experiment", "churn", "--id", "a/b"),
        row("run start", 2, ["run name is 131000 bytes"], "run", "start", "--experiment", "churn", "--name", "$BIG"),
        row("run start", 3, ["'nope'"], "run", "start", "--experiment", "churn", "--parent", "nope"),
        row("run start", 2, ["git commit 'xyz'"], "run", "start", "--experiment", "churn", "--git-commit", "xyz"),
        row("run start", 2, ["--experiment is given more than once"], "run", "start", "--experiment", "churn", "--experiment", "churn"),
        row("run start", 2, ["unexpected argument 'extra'"], "run", "start", "--experiment", "churn", "extra"),
        row("run log", 2, ["Nothing to log"], "run", "log", "r3"),
        row("run log", 4, ["Param 'lr'", "'0.01'"], "run", "log", "r1", "--param", "lr=0.5"),
        row("run log", 4, ["Param 'lr'"], "run", "log", "r1", "--param", "batch=64", "--param", "lr=0.5"),
        row("run log", 2, ["'auc=abc'", "number"], "run", "log", "r3", "--metric", "auc=abc"),
        row("run log", 2, ["'auc=1e999'"], "run", "log", "r3", "--metric", "auc=1e999"),
        row("run log", 2, ["'auc=0x10'"], "run", "log", "r3", "--metric", "auc=0x10"),
        row("run log", 2, ["step -1", "0 or more"], "run", "log", "r3", "--metric", "auc=1@-1"),
        row("run log", 2, ["the step '1.5'"], "run", "log", "r3", "--metric", "auc=1@1.5"),
        row("run log", 2, ["the step '99999999999999999999999'"], "run", "log", "r3", "--metric", "auc=1@99999999999999999999999"),
        row("run log", 2, ["--metric '=1'", "KEY=VALUE"], "run", "log", "r3", "--metric", "=1"),
        row("run log", 2, ["param key is 131000 bytes"], "run", "log", "r3", "--param", "$BIG=1"),
        row("run log", 2, ["param value is 131000 bytes"], "run", "log", "r3", "--param", "k=$BIG"),
        row("run log", 2, ["metric key is 131000 bytes"], "run", "log", "r3", "--metric", "$BIG=1"),
        row("run log", 3, ["'nope'"], "run", "log", "nope", "--metric", "auc=1"),
        row("run log", 2, ["'--bogus'"], "run", "log", "r3", "--bogus", "x"),
        row("run log", 2, ["unexpected argument 'r2'"], "run", "log", "r3", "r2", "--metric", "auc=1"),
        row("run end", 4, ["'r1' already ended"], "run", "end", "r1"),
        row("run end", 3, ["'nope'"], "run", "end", "nope"),
        row("run end", 2, ["'done'", "finished, failed or killed"], "run", "end", "r3", "--status", "done"),
        row("run end", 2, ["--status needs a value"], "run", "end", "r3", "--status"),
        row("run show", 3, ["'nope'"], "run", "show", "nope"),
        row("run show", 2, ["unexpected argument 'r2'"], "run", "show", "r1", "r2"),
        row("run show", 3, ["'r1'"], "run", "show", "r1", "--at", "2020-01-01"),
        row("run list", 3, ["'nope'"], "run", "list", "--experiment", "nope"),
        row("run list", 2, ["Invalid filter", "character 14"], "run", "list", "--filter", "metrics.auc >>> 1"),
        row("run list", 2, ["OR is not supported"], "run", "list", "--filter", "metrics.auc > 1 or params.x = '1'"),
        row("run list", 2, ["Invalid order-by", "'SIDEWAYS'"], "run", "list", "--order-by", "metrics.auc SIDEWAYS"),
        row("run list", 2, ["--limit", "'ten'"], "run", "list", "--limit", "ten"),
        row("run list", 2, ["--limit", "'-1'"], "run", "list", "--limit", "-1"),
        row("run list", 2, ["--at '2026-13-45'"], "run", "list", "--at", "2026-13-45"),
        row("run best", 2, ["missing --metric"], "run", "best", "--experiment", "churn"),
        row("run best", 3, ["metric 'nope'"], "run", "best", "--experiment", "churn", "--metric", "nope"),
        row("run best", 2, ["--lowest takes no value"], "run", "best", "--experiment", "churn", "--metric", "auc", "--lowest=yes"),
        row("run history", 2, ["missing --metric"], "run", "history", "r1"),
        row("run history", 3, ["metric 'nope'"], "run", "history", "r1", "--metric", "nope"),
        row("run compare", 2, ["missing RUN"], "run", "compare", "r1"),
        row("run compare", 3, ["'nope'"], "run", "compare", "r1", "nope"),
        row("run delete", 4, ["churn-model/1"], "run", "delete", "r1"),
        row("run delete", 3, ["'nope'"], "run", "delete", "nope"),
        row("run restore", 4, ["'r1' is not deleted"], "run", "restore", "r1"),
        row("run restore", 3, ["'nope'"], "run", "restore", "nope"),
    ]

    // MARK: Artifacts and datasets

    static let artifacts: [BadInput] = [
        row("artifact add", 2, ["'../x'", "escapes"], "artifact", "add", "r3", "$F/model.bin", "--path", "../x"),
        row("artifact add", 2, ["'/etc/x'", "absolute"], "artifact", "add", "r3", "$F/model.bin", "--path", "/etc/x"),
        row("artifact add", 2, ["'a/../../x'"], "artifact", "add", "r3", "$F/model.bin", "--path", "a/../../x"),
        row("artifact add", 2, ["artifact path is 131000 bytes"], "artifact", "add", "r3", "$F/model.bin", "--path", "$BIG"),
        row("artifact add", 1, ["$F/nonexistent"], "artifact", "add", "r3", "$F/nonexistent"),
        row("artifact add", 3, ["'nope'"], "artifact", "add", "nope", "$F/model.bin"),
        row("artifact add", 2, ["missing FILE"], "artifact", "add", "r3"),
        row("artifact add", 2, ["unexpected argument 'extra'"], "artifact", "add", "r3", "$F/model.bin", "extra"),
        row("artifact list", 3, ["'nope'"], "artifact", "list", "nope"),
        row("artifact list", 2, ["missing RUN"], "artifact", "list"),
        row("artifact get", 2, ["missing --out"], "artifact", "get", "r1", "model/model.bin"),
        row("artifact get", 3, ["no artifact 'nope'"], "artifact", "get", "r1", "nope", "--out", "-"),
        row("artifact get", 3, ["'nope'"], "artifact", "get", "nope", "x", "--out", "-"),
        row("dataset link", 2, ["missing --digest"], "dataset", "link", "r3", "d"),
        row("dataset link", 2, ["'xyz'", "SHA-256"], "dataset", "link", "r3", "d", "--digest", "xyz"),
        row("dataset link", 2, ["not both"], "dataset", "link", "r3", "d", "--digest", sha, "--file", "$F/model.bin"),
        row("dataset link", 1, ["$F/nonexistent"], "dataset", "link", "r3", "d", "--file", "$F/nonexistent"),
        row("dataset link", 3, ["'nope'"], "dataset", "link", "nope", "d", "--digest", sha),
        row("dataset link", 2, ["dataset name is 131000 bytes"], "dataset", "link", "r3", "$BIG", "--digest", sha),
    ]

    // MARK: Models

    static let models: [BadInput] = [
        row("model create", 2, ["missing NAME"], "model", "create"),
        row("model create", 4, ["'churn-model' already exists"], "model", "create", "churn-model"),
        row("model create", 2, ["'a@b'", "'@' or '/'"], "model", "create", "a@b"),
        row("model create", 2, ["'a/b'"], "model", "create", "a/b"),
        row("model create", 2, ["model name is 131000 bytes"], "model", "create", "$BIG"),
        row("model create", 2, ["--risk-tier", "'extreme'"], "model", "create", "m2", "--risk-tier", "extreme"),
        row("model create", 2, ["description is 131000 bytes"], "model", "create", "m2", "--description", "$BIG"),
        row("model list", 2, ["'--bogus'"], "model", "list", "--bogus"),
        row("model list", 2, ["unexpected argument 'extra'"], "model", "list", "--all", "extra"),
        row("model show", 3, ["'nope'"], "model", "show", "nope"),
        row("model delete", 3, ["'nope'"], "model", "delete", "nope"),
        row("model restore", 3, ["'nope'"], "model", "restore", "nope"),
        row("model restore", 4, ["'churn-model' is not deleted"], "model", "restore", "churn-model"),
        row("model update", 2, ["Nothing to change"], "model", "update", "churn-model"),
        row("model update", 2, ["--risk-tier", "'ultra'"], "model", "update", "churn-model", "--risk-tier", "ultra"),
        row("model validation", 2, ["missing --status"], "model", "validation", "churn-model"),
        row("model validation", 2, ["--status", "'maybe'"], "model", "validation", "churn-model", "--status", "maybe"),
        row("model validation", 3, ["'nope'"], "model", "validation", "nope", "--status", "validated"),
        row("model register", 2, ["missing --run"], "model", "register", "churn-model"),
        row("model register", 3, ["'nope'"], "model", "register", "churn-model", "--run", "nope"),
        row("model register", 3, ["no artifact 'nope'"], "model", "register", "churn-model", "--run", "r3", "--artifact", "nope"),
        row("model register", 3, ["no version 99"], "model", "register", "churn-model", "--run", "r3", "--parent", "99"),
        row("model register", 2, ["'x' is not a version number"], "model", "register", "churn-model", "--run", "r3", "--parent", "x"),
        row("model versions", 3, ["'nope'"], "model", "versions", "nope"),
        row("model versions", 2, ["missing NAME"], "model", "versions"),
        row("model stage", 2, ["'Live' is not a stage"], "model", "stage", "churn-model", "2", "Live", "--reason", "x"),
        row("model stage", 2, ["'live' is not a stage"], "model", "stage", "churn-model", "2", "live", "--reason", "x"),
        row("model stage", 2, ["--reason is required"], "model", "stage", "churn-model", "2", "Staging"),
        row("model stage", 2, ["'two' is not a version number"], "model", "stage", "churn-model", "two", "Staging", "--reason", "x"),
        row("model stage", 2, ["'-1' is not a version number"], "model", "stage", "churn-model", "-1", "Staging", "--reason", "x"),
        row("model stage", 2, ["'0' is not a version number"], "model", "stage", "churn-model", "0", "Staging", "--reason", "x"),
        row("model stage", 3, ["no version 9"], "model", "stage", "churn-model", "9", "Staging", "--reason", "x"),
        row("model stage", 3, ["'nope'"], "model", "stage", "nope", "1", "Staging", "--reason", "x"),
        row("model stage", 4, ["already in Production"], "model", "stage", "churn-model", "1", "production", "--reason", "again"),
        row("model stage", 2, ["unexpected argument 'extra'"], "model", "stage", "churn-model", "2", "Staging", "extra", "--reason", "x"),
        row("model stage", 2, ["--keep-existing takes no value"], "model", "stage", "churn-model", "2", "Staging", "--keep-existing=1", "--reason", "x"),
        row("model stage", 2, ["reason is 131000 bytes"], "model", "stage", "churn-model", "2", "Staging", "--reason", "$BIG"),
        row("model alias", 2, ["missing VERSION"], "model", "alias", "churn-model", "best"),
        row("model alias", 2, ["--reason is required"], "model", "alias", "churn-model", "best", "1"),
        row("model alias", 2, ["'production' cannot be an alias"], "model", "alias", "churn-model", "production", "1", "--reason", "x"),
        row("model alias", 2, ["'latest' cannot be an alias"], "model", "alias", "churn-model", "latest", "1", "--reason", "x"),
        row("model alias", 2, ["'42' cannot be an alias"], "model", "alias", "churn-model", "42", "1", "--reason", "x"),
        row("model alias", 3, ["no version 9"], "model", "alias", "churn-model", "best", "9", "--reason", "x"),
        row("model alias", 3, ["no alias 'nope'"], "model", "alias", "churn-model", "nope", "--remove", "--reason", "x"),
        row("model alias", 4, ["'champion'", "already points at version 1"], "model", "alias", "churn-model", "champion", "1", "--reason", "again"),
        row("model alias", 2, ["not both"], "model", "alias", "churn-model", "best", "1", "--remove", "--reason", "x"),
        row("model alias", 2, ["alias is 131000 bytes"], "model", "alias", "churn-model", "$BIG", "1", "--reason", "x"),
        row("model resolve", 3, ["'nope'"], "model", "resolve", "nope@production"),
        row("model resolve", 3, ["no alias 'nope'"], "model", "resolve", "churn-model@nope"),
        row("model resolve", 3, ["no version 9"], "model", "resolve", "churn-model/9"),
        row("model resolve", 3, ["no version in Staging"], "model", "resolve", "churn-model@staging"),
        row("model resolve", 2, ["'churn-model/x' is not a model reference"], "model", "resolve", "churn-model/x"),
        row("model resolve", 2, ["'churn-model' is not a model reference"], "model", "resolve", "churn-model"),
        row("model policy", 2, ["missing --metric"], "model", "policy", "churn-model"),
        row("model policy", 3, ["'nope'"], "model", "policy", "nope", "--metric", "auc"),
        row("model policy", 2, ["--min", "'high'"], "model", "policy", "churn-model", "--metric", "auc", "--min", "high"),
        row("model policy", 2, ["--min must be a finite number", "'nan'"], "model", "policy", "churn-model", "--metric", "auc", "--min", "nan"),
        row("model policy", 2, ["--min must be a finite number", "'inf'"], "model", "policy", "churn-model", "--metric", "auc", "--min", "inf"),
        row("model policy", 2, ["--improvement", "'nan'"], "model", "policy", "churn-model", "--metric", "auc", "--improvement", "nan"),
        row("model policy", 2, ["--max-latency-ms", "positive"], "model", "policy", "churn-model", "--metric", "auc", "--max-latency-ms", "-5"),
        row("model promote", 4, ["already in Production"], "model", "promote", "churn-model", "1"),
        row("model promote", 3, ["no version 9"], "model", "promote", "churn-model", "9"),
        row("model promote", 2, ["'x' is not a version number"], "model", "promote", "churn-model", "x"),
        row("model promote", 2, ["missing VERSION"], "model", "promote", "churn-model"),
        row("model approve", 4, ["no promotion awaiting approval"], "model", "approve", "churn-model", "2", "--reason", "x"),
        row("model approve", 2, ["--reason is required"], "model", "approve", "churn-model", "2"),
        row("model approve", 3, ["'nope'"], "model", "approve", "nope", "2", "--reason", "x"),
        row("model reject", 4, ["no promotion awaiting approval"], "model", "reject", "churn-model", "2", "--reason", "x"),
        row("model reject", 2, ["--reason is required"], "model", "reject", "churn-model", "2"),
        row("model rollback", 2, ["--reason is required"], "model", "rollback", "churn-model"),
        row("model rollback", 4, ["no earlier Production version"], "model", "rollback", "churn-model", "--reason", "x"),
        row("model rollback", 2, ["--to 'yesterday'"], "model", "rollback", "churn-model", "--to", "yesterday", "--reason", "x"),
        row("model rollback", 2, ["--to '#x'"], "model", "rollback", "churn-model", "--to", "#x", "--reason", "x"),
        row("model rollback", 3, ["'nope'"], "model", "rollback", "nope", "--reason", "x"),
        row("model history", 3, ["'nope'"], "model", "history", "nope"),
        row("model history", 2, ["--at 'garbage'"], "model", "history", "churn-model", "--at", "garbage"),
        row("model compare", 3, ["'nope'"], "model", "compare", "nope"),
        row("model compare", 2, ["unexpected argument 'extra'"], "model", "compare", "churn-model", "extra"),
        row("model lineage", 3, ["no version 9"], "model", "lineage", "churn-model", "9"),
        row("model lineage", 2, ["'x' is not a version number"], "model", "lineage", "churn-model", "x"),
        row("model lineage", 2, ["missing VERSION"], "model", "lineage", "churn-model"),
    ]

    // MARK: A/B tests

    static let abCreate = ["ab", "create", "t2", "--model", "churn-model", "--metric", "converted"]

    static let ab: [BadInput] = [
        row("ab create", 2, ["sum to 90"], abCreate + ["--variant", "a=1:50", "--variant", "b=2:40"]),
        row("ab create", 2, ["sum to 50"], abCreate + ["--variant", "a=1:50"]),
        row("ab create", 3, ["no version 9"], abCreate + ["--variant", "a=1:50", "--variant", "b=9:50"]),
        row("ab create", 3, ["'nope'"], ["ab", "create", "t2", "--model", "nope", "--metric", "converted", "--variant", "a=1:50", "--variant", "b=2:50"]),
        row("ab create", 2, ["'a=1:x'", "weight"], abCreate + ["--variant", "a=1:x", "--variant", "b=2:50"]),
        row("ab create", 2, ["'a=1:nan'", "finite"], abCreate + ["--variant", "a=1:nan", "--variant", "b=2:50"]),
        row("ab create", 2, ["-50", "not positive"], abCreate + ["--variant", "a=1:-50", "--variant", "b=2:150"]),
        row("ab create", 2, ["'a1:50'", "NAME=VERSION:WEIGHT"], abCreate + ["--variant", "a1:50", "--variant", "b=2:50"]),
        row("ab create", 2, ["Variant 'a' is named twice"], abCreate + ["--variant", "a=1:50", "--variant", "a=2:50"]),
        row("ab create", 2, ["missing --metric"], ["ab", "create", "t2", "--model", "churn-model", "--variant", "a=1:50", "--variant", "b=2:50"]),
        row("ab create", 4, ["'t1' already exists"], ["ab", "create", "t1", "--model", "churn-model", "--metric", "c", "--variant", "a=1:50", "--variant", "b=2:50"]),
        row("ab create", 2, ["--alpha", "between 0 and 1"], abCreate + ["--variant", "a=1:50", "--variant", "b=2:50", "--alpha", "2"]),
        row("ab create", 2, ["--alpha", "'nan'"], abCreate + ["--variant", "a=1:50", "--variant", "b=2:50", "--alpha", "nan"]),
        row("ab create", 2, ["--min-sample", "'-5'"], abCreate + ["--variant", "a=1:50", "--variant", "b=2:50", "--min-sample", "-5"]),
        row("ab create", 2, ["'lat:sideways'"], abCreate + ["--variant", "a=1:50", "--variant", "b=2:50", "--guardrail", "lat:sideways"]),
        row("ab create", 2, ["A/B test name is 131000 bytes"], ["ab", "create", "$BIG", "--model", "churn-model", "--metric", "c", "--variant", "a=1:50", "--variant", "b=2:50"]),
        row("ab start", 4, ["'t1' is running"], "ab", "start", "t1"),
        row("ab start", 3, ["'nope'"], "ab", "start", "nope"),
        row("ab start", 2, ["missing NAME"], "ab", "start"),
        row("ab assign", 3, ["'nope'"], "ab", "assign", "nope", "u1"),
        row("ab assign", 2, ["missing UNIT"], "ab", "assign", "t1"),
        row("ab assign", 2, ["unexpected argument 'u2'"], "ab", "assign", "t1", "u1", "u2"),
        row("ab assign", 2, ["unit is 131000 bytes"], "ab", "assign", "t1", "$BIG"),
        row("ab assign", 2, ["line 2", "not UTF-8"], "ab", "assign", "t1", "--units-file", "$F/bad-utf8-units.txt"),
        row("ab assign", 2, ["line 2 of standard input", "not UTF-8"], "ab", "assign", "t1", "--units-file", "-", stdin: "$F/bad-utf8-units.txt"),
        row("ab assign", 2, ["unit is 1000000 bytes"], "ab", "assign", "t1", "--units-file", "$F/mb-unit.txt"),
        row("ab assign", 1, ["$F/nonexistent"], "ab", "assign", "t1", "--units-file", "$F/nonexistent"),
        row("ab assign", 2, ["not both"], "ab", "assign", "t1", "u5", "--units-file", "$F/bad-utf8-units.txt"),
        row("ab record", 4, ["'u1' already has an outcome"], "ab", "record", "t1", "u1", "1"),
        row("ab record", 3, ["'u9' is not assigned"], "ab", "record", "t1", "u9", "1"),
        row("ab record", 2, ["'abc'"], "ab", "record", "t1", "u1", "abc"),
        row("ab record", 2, ["conversion metric", "0 or 1"], "ab", "record", "t1", "u1", "2"),
        row("ab record", 2, ["finite", "'nan'"], "ab", "record", "t1", "u1", "nan"),
        row("ab record", 2, ["finite", "'inf'"], "ab", "record", "t1", "u1", "inf", "--metric", "latency_ms"),
        row("ab record", 3, ["no metric 'nope'"], "ab", "record", "t1", "u1", "0", "--metric", "nope"),
        row("ab record", 3, ["'nope'"], "ab", "record", "nope", "u1", "1"),
        row("ab record", 2, ["missing VALUE"], "ab", "record", "t1", "u1"),
        row("ab record", 2, ["line 2", "not UTF-8"], "ab", "record", "t1", "--file", "$F/bad-utf8-outcomes.txt"),
        row("ab record", 3, ["is not assigned"], "ab", "record", "t1", "--file", "$F/mb-outcome.txt"),
        row("ab record", 1, ["$F/nonexistent"], "ab", "record", "t1", "--file", "$F/nonexistent"),
        row("ab status", 3, ["'nope'"], "ab", "status", "nope"),
        row("ab status", 2, ["unexpected argument 'extra'"], "ab", "status", "t1", "extra"),
        row("ab stop", 3, ["'nope'"], "ab", "stop", "nope"),
        row("ab stop", 4, ["no winning treatment", "decision: continue"], "ab", "stop", "t1", "--promote-winner"),
        row("ab stop", 2, ["--promote-winner takes no value"], "ab", "stop", "t1", "--promote-winner=yes"),
        row("ab list", 2, ["unexpected argument 'extra'"], "ab", "list", "extra"),
        row("ab list", 2, ["'--bogus'"], "ab", "list", "--bogus"),
        row("ab plan", 2, ["missing --baseline"], "ab", "plan"),
        row("ab plan", 2, ["missing --mde"], "ab", "plan", "--baseline", "0.1"),
        row("ab plan", 2, ["--baseline", "'abc'"], "ab", "plan", "--baseline", "abc", "--mde", "0.01"),
        row("ab plan", 2, ["--baseline", "between 0 and 1"], "ab", "plan", "--baseline", "1.5", "--mde", "0.01"),
        row("ab plan", 2, ["--mde", "'nan'"], "ab", "plan", "--baseline", "0.1", "--mde", "nan"),
        row("ab plan", 2, ["--power"], "ab", "plan", "--baseline", "0.1", "--mde", "0.01", "--power", "1.5"),
    ]

    // MARK: Monitoring

    static let monitor: [BadInput] = [
        row("monitor log", 2, ["missing --latency-ms"], "monitor", "log", "churn-model", "1"),
        row("monitor log", 2, ["--latency-ms", "'fast'"], "monitor", "log", "churn-model", "1", "--latency-ms", "fast"),
        row("monitor log", 2, ["--latency-ms", "'-1'"], "monitor", "log", "churn-model", "1", "--latency-ms", "-1"),
        row("monitor log", 2, ["--latency-ms", "finite", "'nan'"], "monitor", "log", "churn-model", "1", "--latency-ms", "nan"),
        row("monitor log", 2, ["--latency-ms", "finite", "'inf'"], "monitor", "log", "churn-model", "1", "--latency-ms", "inf"),
        row("monitor log", 2, ["--prediction", "finite", "'nan'"], "monitor", "log", "churn-model", "1", "--latency-ms", "5", "--prediction", "nan"),
        row("monitor log", 2, ["--actual needs --prediction"], "monitor", "log", "churn-model", "1", "--latency-ms", "5", "--actual", "1"),
        row("monitor log", 3, ["no version 9"], "monitor", "log", "churn-model", "9", "--latency-ms", "5"),
        row("monitor log", 2, ["'x' is not a version number"], "monitor", "log", "churn-model", "x", "--latency-ms", "5"),
        row("monitor log", 3, ["'nope'"], "monitor", "log", "nope", "1", "--latency-ms", "5"),
        row("monitor log", 2, ["line 3 of '$F/bad-utf8.csv'", "not UTF-8"], "monitor", "log", "churn-model", "1", "--file", "$F/bad-utf8.csv"),
        row("monitor log", 2, ["line 3 of standard input", "not UTF-8"], "monitor", "log", "churn-model", "1", "--file", "-", stdin: "$F/bad-utf8.csv"),
        row("monitor log", 2, ["line 2 of '$F/bad-utf8-predictions.jsonl'", "not UTF-8"], "monitor", "log", "churn-model", "1", "--file", "$F/bad-utf8-predictions.jsonl"),
        row("monitor log", 2, ["line 3", "0 or more"], "monitor", "log", "churn-model", "1", "--file", "$F/negative-latency.csv"),
        row("monitor log", 2, ["line 2", "finite", "'nan'"], "monitor", "log", "churn-model", "1", "--file", "$F/nan-prediction.csv"),
        row("monitor log", 2, ["line 1", "unknown column 'bogus'"], "monitor", "log", "churn-model", "1", "--file", "$F/unknown-column.csv"),
        row("monitor log", 2, ["line 2", "3 field(s)"], "monitor", "log", "churn-model", "1", "--file", "$F/extra-field.csv"),
        row("monitor log", 2, ["line 2", "actual outcome but no prediction"], "monitor", "log", "churn-model", "1", "--file", "$F/actual-only.csv"),
        row("monitor log", 2, ["line 2", "prediction must be a number"], "monitor", "log", "churn-model", "1", "--file", "$F/mb-cell.csv"),
        row("monitor log", 1, ["$F/nonexistent"], "monitor", "log", "churn-model", "1", "--file", "$F/nonexistent"),
        row("monitor log", 2, ["not both"], "monitor", "log", "churn-model", "1", "--file", "$F/bad-utf8.csv", "--latency-ms", "5"),
        row("monitor log", 2, ["unexpected argument 'extra'"], "monitor", "log", "churn-model", "1", "extra", "--latency-ms", "5"),
        row("monitor status", 3, ["'nope'"], "monitor", "status", "nope"),
        row("monitor status", 2, ["'x' is not a version number"], "monitor", "status", "churn-model", "--version", "x"),
        row("monitor status", 3, ["no version 9"], "monitor", "status", "churn-model", "--version", "9"),
        row("monitor status", 2, ["--since 'tomorrowish'"], "monitor", "status", "churn-model", "--since", "tomorrowish"),
        row("monitor baseline", 2, ["missing --file"], "monitor", "baseline", "churn-model", "1"),
        row("monitor baseline", 2, ["line 2 of '$F/bad-utf8-baseline.txt'", "not UTF-8"], "monitor", "baseline", "churn-model", "1", "--file", "$F/bad-utf8-baseline.txt"),
        row("monitor baseline", 2, ["line 2 of standard input", "not UTF-8"], "monitor", "baseline", "churn-model", "1", "--file", "-", stdin: "$F/bad-utf8-baseline.txt"),
        row("monitor baseline", 2, ["line 2", "finite", "'nan'"], "monitor", "baseline", "churn-model", "1", "--file", "$F/nan-baseline.txt"),
        row("monitor baseline", 2, ["line 2", "finite", "'inf'"], "monitor", "baseline", "churn-model", "1", "--file", "$F/inf-baseline.txt"),
        row("monitor baseline", 2, ["line 2", "must be a number"], "monitor", "baseline", "churn-model", "1", "--file", "$F/mb-baseline.txt"),
        row("monitor baseline", 3, ["no version 9"], "monitor", "baseline", "churn-model", "9", "--file", "$F/baseline.txt"),
        row("monitor baseline", 4, ["Version 2", "no predictions"], "monitor", "baseline", "churn-model", "1", "--from-version", "2"),
        row("monitor baseline", 2, ["not both"], "monitor", "baseline", "churn-model", "1", "--file", "$F/baseline.txt", "--from-version", "1"),
        row("monitor drift", 4, ["Version 2", "no baseline"], "monitor", "drift", "churn-model", "2"),
        row("monitor drift", 2, ["--since 'garbage'"], "monitor", "drift", "churn-model", "1", "--since", "garbage"),
        row("monitor drift", 3, ["'nope'"], "monitor", "drift", "nope", "1"),
        row("monitor drift", 2, ["missing VERSION"], "monitor", "drift", "churn-model"),
        row("monitor compare", 2, ["missing --metric"], "monitor", "compare", "churn-model", "1"),
        row("monitor compare", 3, ["no metric 'nope'"], "monitor", "compare", "churn-model", "1", "--metric", "nope"),
        row("monitor compare", 4, ["Version 2", "no predictions logged with actual outcomes"], "monitor", "compare", "churn-model", "2", "--metric", "auc"),
        row("monitor alerts", 3, ["'nope'"], "monitor", "alerts", "nope"),
        row("monitor alerts", 2, ["unexpected argument 'extra'"], "monitor", "alerts", "churn-model", "extra"),
        row("monitor thresholds", 2, ["--psi", "'abc'"], "monitor", "thresholds", "churn-model", "--psi", "abc"),
        row("monitor thresholds", 2, ["--drop", "'nan'"], "monitor", "thresholds", "churn-model", "--drop", "nan"),
        row("monitor thresholds", 2, ["KS p-value threshold", "between 0 and 1"], "monitor", "thresholds", "churn-model", "--ks-p", "2"),
    ]

    // MARK: Audit and compliance

    static let audit: [BadInput] = [
        row("audit log", 2, ["'planet'"], "audit", "log", "--entity", "planet:mars"),
        row("audit log", 2, ["'nocolon' is not an entity"], "audit", "log", "--entity", "nocolon"),
        row("audit log", 3, ["'nope'"], "audit", "log", "--entity", "run:nope"),
        row("audit log", 3, ["'nope'"], "audit", "log", "--entity", "ab:nope"),
        row("audit log", 2, ["--since 'garbage'"], "audit", "log", "--since", "garbage"),
        row("audit log", 2, ["--until '#x'"], "audit", "log", "--until", "#x"),
        row("audit log", 2, ["--limit", "'-1'"], "audit", "log", "--limit", "-1"),
        row("audit digest", 2, ["unexpected argument 'extra'"], "audit", "digest", "extra"),
        row("audit digest", 2, ["--at 'garbage'"], "audit", "digest", "--at", "garbage"),
        row("audit verify", 2, ["--digest '12'", "N:HEX"], "audit", "verify", "--digest", "12"),
        row("audit verify", 2, ["--digest '26:xyz'"], "audit", "verify", "--digest", "26:xyz"),
        row("audit verify", 5, ["does not match the digest at sequence 26"], "audit", "verify", "--digest", "26:" + String(repeating: "0", count: 64)),
        row("audit verify", 5, ["ends at sequence 26", "999"], "audit", "verify", "--digest", "999:" + String(repeating: "0", count: 64)),
        row("audit verify", 2, ["'$F/nonexistent' is not an audit bundle"], "audit", "verify", "--bundle", "$F/nonexistent"),
        row("audit verify", 2, ["--at", "audit verify"], "audit", "verify", "--at", "#3"),
        row("audit trail", 2, ["'model:churn-model' is not model:NAME/VERSION"], "audit", "trail", "model:churn-model"),
        row("audit trail", 2, ["'run:r1'"], "audit", "trail", "run:r1"),
        row("audit trail", 2, ["'x' is not a version number"], "audit", "trail", "model:churn-model/x"),
        row("audit trail", 3, ["no version 9"], "audit", "trail", "model:churn-model/9"),
        row("audit trail", 3, ["'nope'"], "audit", "trail", "model:nope/1"),
        row("audit export", 2, ["missing --out"], "audit", "export"),
        row("audit export", 2, ["'$F' is not empty"], "audit", "export", "--out", "$F"),
        row("audit export", 2, ["--at", "audit export"], "audit", "export", "--out", "$F/new-bundle", "--at", "#3"),
        row("retention set", 2, ["--reason is required"], "retention", "set", "--min-days", "10"),
        row("retention set", 2, ["--min-days 'abc'"], "retention", "set", "--min-days", "abc", "--reason", "x"),
        row("retention set", 2, ["from 1 to 36525", "not 0"], "retention", "set", "--min-days", "0", "--reason", "x"),
        row("retention set", 2, ["missing --min-days"], "retention", "set", "--reason", "x"),
        row("retention show", 2, ["'--bogus'"], "retention", "show", "--bogus"),
        row("prune", 2, ["--reason is required"], "prune", "--before", "2026-01-01"),
        row("prune", 2, ["--before 'garbage'"], "prune", "--before", "garbage", "--reason", "x"),
        row("prune", 2, ["--before '#5'"], "prune", "--before", "#5", "--reason", "x"),
        row("prune", 4, ["retention of 30 days"], "prune", "--before", "2026-03-01", "--reason", "x"),
        row("prune", 2, ["missing --before"], "prune", "--reason", "x"),
        row("identity erase", 4, ["not pseudonyms"], "identity", "erase", "alice", "--reason", "x"),
        row("identity erase", 2, ["missing NAME"], "identity", "erase"),
        row("identity erase", 3, ["no person named 'nobody'"], "identity", "erase", "nobody", "--reason", "gone", fixture: .pseudonymized),
        row("identity erase", 2, ["--reason is required"], "identity", "erase", "alice", fixture: .pseudonymized),
        row("identity erase", 2, ["unexpected argument 'bob'"], "identity", "erase", "alice", "bob", "--reason", "x", fixture: .pseudonymized),
    ]

    // MARK: Global options, the environment, unknown commands

    static let globals: [BadInput] = [
        row("(global)", 2, ["unknown command 'frobnicate'"], "frobnicate"),
        row("(global)", 2, ["unknown command 'run frobnicate'"], "run", "frobnicate"),
        row("(global)", 2, ["'run' needs a command"], "run"),
        row("(global)", 2, ["'--bogus'"], "--bogus", "stats"),
        row("(global)", 2, ["--store needs a value"], "stats", "--store"),
        row("(global)", 2, ["--json takes no value"], "stats", "--json=yes"),
        row("(global)", 2, ["The actor is empty"], "run", "log", "r3", "--metric", "a=1", "--actor", ""),
        row("(global)", 2, ["actor is 131000 bytes"], "run", "log", "r3", "--metric", "a=1", "--actor", "$BIG"),
        row("(global)", 2, ["reason is 131000 bytes"], "run", "log", "r3", "--metric", "a=1", "--reason", "$BIG"),
        row("(global)", 2, ["--at", "'logbook run log' is a write"], "run", "log", "r3", "--metric", "a=1", "--at", "#3"),
        row("(global)", 3, ["No Logbook store at '$F/nonexistent'", "logbook init"], "model", "create", "zz", "--store", "$F/nonexistent"),
        row("(global)", 2, ["LOGBOOK_NOW 'garbage'"], "run", "log", "r3", "--metric", "a=1", env: ["LOGBOOK_NOW": "garbage"]),
        row("(global)", 4, ["2020-01-01", "timestamps never go back"], "run", "log", "r3", "--metric", "a=1", env: ["LOGBOOK_NOW": "2020-01-01T00:00:00Z"]),
        row("(global)", 2, ["LOGBOOK_LOCK_TIMEOUT_MS 'soon'"], "run", "log", "r3", "--metric", "a=1", env: ["LOGBOOK_LOCK_TIMEOUT_MS": "soon"]),
        row("(global)", 2, ["LOGBOOK_SEGMENT_BYTES '12'"], "run", "log", "r3", "--metric", "a=1", env: ["LOGBOOK_SEGMENT_BYTES": "12"]),
        row("demo", 2, ["unexpected argument 'b'"], "demo", "a", "b"),
        row("demo", 4, ["'$F' already exists"], "demo", "$F"),
    ]

    // MARK: Helpers

    static let sha = String(repeating: "ab", count: 32)

    static func row(_ command: String, _ status: Int32, _ names: [String], _ args: String..., env: [String: String] = [:],
                    stdin: String? = nil, fixture: Fixture = .session) -> BadInput {
        BadInput(command: command, args: args, status: status, names: names, env: env, stdin: stdin, fixture: fixture)
    }

    static func row(_ command: String, _ status: Int32, _ names: [String], _ args: [String]) -> BadInput {
        BadInput(command: command, args: args, status: status, names: names)
    }
}

// MARK: - The fixture

/// The stores every row starts from (built once per test process, copied per row) and the files rows read.
final class BadInputFixture: Sendable {
    static let shared = BadInputFixture()

    /// The longest single argument Linux passes to a new process is 128 KiB (MAX_ARG_STRLEN), so a huge name on the
    /// command line is 131,000 characters; the 1,000,000-character names go through the files commands read.
    static let bigArgument = String(repeating: "n", count: 131_000)

    /// An experiment, runs with params, metrics, tags, an artifact and a dataset, a model with two versions (one in
    /// Production), an alias, a policy, a running A/B test with an assigned unit and an outcome, a logged prediction,
    /// a baseline and a retention setting: 26 events.
    let session: CLISession
    /// A store created with `init --pseudonymize`, with one event.
    let pseudonymized: CLISession
    let sessionDigest: String
    let pseudonymizedDigest: String
    /// Every file of the templates with its bytes (but LOCK, which a writer rewrites with its pid).
    let sessionFiles: [String: [UInt8]]
    let pseudonymizedFiles: [String: [UInt8]]
    /// The files the rows name as `$F/...`.
    let files: String

    private init() {
        session = CLISession()
        pseudonymized = CLISession()
        files = session.directory.appending("files")
        try! FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: false)
        Self.writeFiles(files)
        let s = session
        let steps: [[String]] = [
            ["init"],
            ["experiment", "create", "churn", "--tag", "team=growth"],
            ["run", "start", "--experiment", "churn", "--id", "r1", "--name", "baseline", "--tag", "team=growth", "--git-commit", "abcdef1"],
            ["run", "log", "r1", "--param", "lr=0.01", "--metric", "auc=0.81@1", "--metric", "latency_ms=12", "--tag", "stage=dev"],
            ["artifact", "add", "r1", files + "/model.bin", "--path", "model/model.bin"],
            ["dataset", "link", "r1", "train", "--digest", BadInput.sha],
            ["run", "end", "r1"],
            ["run", "start", "--experiment", "churn", "--id", "r2", "--name", "tuned"],
            ["run", "log", "r2", "--param", "lr=0.02", "--metric", "auc=0.85@1"],
            ["run", "end", "r2"],
            ["run", "start", "--experiment", "churn", "--id", "r3"],
            ["model", "create", "churn-model", "--owner", "alice", "--risk-tier", "low", "--purpose", "retention"],
            ["model", "register", "churn-model", "--run", "r1", "--artifact", "model/model.bin"],
            ["model", "register", "churn-model", "--run", "r2", "--parent", "1"],
            ["model", "stage", "churn-model", "1", "Production", "--reason", "first release"],
            ["model", "alias", "churn-model", "champion", "1", "--reason", "the champion"],
            ["model", "policy", "churn-model", "--metric", "auc", "--require-approval"],
            ["ab", "create", "t1", "--model", "churn-model", "--variant", "control=1:50", "--variant", "new=2:50",
             "--metric", "converted", "--guardrail", "latency_ms"],
            ["ab", "start", "t1"],
            ["ab", "assign", "t1", "u1"],
            ["ab", "record", "t1", "u1", "1"],
            ["monitor", "log", "churn-model", "1", "--latency-ms", "10", "--prediction", "0.4", "--actual", "1"],
            ["monitor", "baseline", "churn-model", "1", "--file", files + "/baseline.txt"],
            ["retention", "set", "--min-days", "30", "--reason", "policy"],
        ]
        for step in steps {
            let r = s.run(step)
            precondition(r.status == 0, "fixture: logbook \(step.joined(separator: " ")): \(r)")
        }
        sessionDigest = s.digest()
        precondition(sessionDigest.hasPrefix("26:"), "fixture digest \(sessionDigest)")
        for step in [["init", "--pseudonymize"], ["experiment", "create", "x"]] {
            let r = pseudonymized.run(step)
            precondition(r.status == 0, "fixture: logbook \(step.joined(separator: " ")): \(r)")
        }
        pseudonymizedDigest = pseudonymized.digest()
        sessionFiles = SecurityTests.tree(session.store).filter { $0.key != "/LOCK" }
        pseudonymizedFiles = SecurityTests.tree(pseudonymized.store).filter { $0.key != "/LOCK" }
        // Static storage is never deinitialized: remove the directories when the test process ends.
        atexit {
            try? FileManager.default.removeItem(atPath: BadInputFixture.shared.session.directory.path)
            try? FileManager.default.removeItem(atPath: BadInputFixture.shared.pseudonymized.directory.path)
        }
    }

    /// `$F` and `$BIG` replaced.
    func expand(_ text: String) -> String {
        text.replacingOccurrences(of: "$F", with: files).replacingOccurrences(of: "$BIG", with: Self.bigArgument)
    }

    private static func writeFiles(_ dir: String) {
        let mb = 1_000_000
        func write(_ name: String, _ bytes: [UInt8]) { writeFile(dir + "/" + name, bytes) }
        func write(_ name: String, _ text: String) { write(name, Array(text.utf8)) }
        let invalid: [UInt8] = [0xFF, 0xFE, 0xC3] // never valid UTF-8: 0xFF and 0xFE, and a truncated sequence

        write("model.bin", "model-bytes")
        write("baseline.txt", "0.1\n0.2\n0.3\n0.4\n")
        // Invalid UTF-8 in every kind of file a command reads.
        write("bad-utf8.jsonl", Array("{\"op\":\"experiment.create\",\"name\":\"ok\"}\n{\"op\":\"experiment.create\",\"name\":\"bad".utf8) + invalid + Array("\"}\n".utf8))
        write("bad-utf8.csv", Array("latency_ms,prediction\n10,0.5\n12,".utf8) + invalid + [0x0A])
        write("bad-utf8-predictions.jsonl", Array("{\"latency_ms\":10,\"prediction\":0.5}\n{\"latency_ms\":11,\"prediction\":\"".utf8) + invalid + Array("\"}\n".utf8))
        write("bad-utf8-baseline.txt", Array("0.1\n0.".utf8) + invalid + Array("2\n".utf8))
        write("bad-utf8-units.txt", Array("u7\nu".utf8) + invalid + Array("8\n".utf8))
        write("bad-utf8-outcomes.txt", Array("u1 0\nu".utf8) + invalid + Array(" 1\n".utf8))
        // 1,000,000-character names and values.
        write("mb-experiment.jsonl", "{\"op\":\"experiment.create\",\"name\":\"\(String(repeating: "e", count: mb))\"}\n")
        write("mb-param-key.jsonl", "{\"op\":\"run.log\",\"run\":\"r3\",\"params\":{\"\(String(repeating: "k", count: mb))\":\"v\"}}\n")
        write("mb-unit.jsonl", "{\"op\":\"ab.assign\",\"test\":\"t1\",\"unit\":\"\(String(repeating: "u", count: mb))\"}\n")
        write("mb-unit.txt", "u7\n" + String(repeating: "u", count: mb) + "\n")
        write("mb-outcome.txt", String(repeating: "u", count: mb) + " 1\n")
        write("mb-cell.csv", "latency_ms,prediction\n10," + String(repeating: "1", count: mb) + "x\n")
        write("mb-baseline.txt", "0.1\n" + String(repeating: "9", count: mb) + "x\n")
        // Malformed JSON Lines for ingest.
        write("bad-surrogate.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\\ud800\"}\n")
        write("bad-json.jsonl", "{\"op\":\"experiment.create\",\"name\":\"ok\"}\n{\"op\":\"experiment.create\",\n")
        write("unknown-op.jsonl", "{\"op\":\"experiment.frobnicate\",\"name\":\"x\"}\n")
        write("no-op.jsonl", "{\"name\":\"x\"}\n")
        write("unknown-key.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\",\"colour\":\"blue\"}\n")
        write("duplicate-key.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\",\"name\":\"y\"}\n")
        write("missing-key.jsonl", "{\"op\":\"run.start\"}\n")
        write("wrong-type.jsonl", "{\"op\":\"model.stage\",\"model\":\"churn-model\",\"version\":\"two\",\"stage\":\"Staging\",\"reason\":\"x\"}\n")
        write("bad-stage.jsonl", "{\"op\":\"model.stage\",\"model\":\"churn-model\",\"version\":2,\"stage\":\"Live\",\"reason\":\"x\"}\n")
        write("no-reason.jsonl", "{\"op\":\"model.stage\",\"model\":\"churn-model\",\"version\":2,\"stage\":\"Staging\"}\n")
        write("nul-name.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\\u0000y\"}\n")
        write("nan-literal.jsonl", "{\"op\":\"run.log\",\"run\":\"r3\",\"metrics\":[{\"key\":\"auc\",\"value\":NaN}]}\n")
        write("huge-number.jsonl", "{\"op\":\"run.log\",\"run\":\"r3\",\"metrics\":[{\"key\":\"auc\",\"value\":1e999}]}\n")
        write("latency-nan.jsonl", "{\"op\":\"monitor.log\",\"model\":\"churn-model\",\"version\":1,\"latency_ms\":\"NaN\"}\n")
        write("ab-value-nan.jsonl", "{\"op\":\"ab.record\",\"test\":\"t1\",\"unit\":\"u1\",\"value\":\"NaN\",\"metric\":\"latency_ms\"}\n")
        write("negative-step.jsonl", "{\"op\":\"run.log\",\"run\":\"r3\",\"metrics\":[{\"key\":\"auc\",\"value\":0.5,\"step\":-1}]}\n")
        write("fractional-step.jsonl", "{\"op\":\"run.log\",\"run\":\"r3\",\"metrics\":[{\"key\":\"auc\",\"value\":0.5,\"step\":1.5}]}\n")
        write("bad-time.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\",\"time\":\"yesterday\"}\n")
        write("artifact-escape.jsonl", "{\"op\":\"artifact.add\",\"run\":\"r3\",\"file\":\"\(dir)/model.bin\",\"path\":\"../../x\"}\n")
        write("time-backwards.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\",\"time\":\"2026-03-02T00:00:00Z\"}\n{\"op\":\"experiment.create\",\"name\":\"y\",\"time\":\"2026-03-01T15:00:00Z\"}\n")
        write("time-past.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\",\"time\":\"2020-01-01T00:00:00Z\"}\n")
        write("duplicate-experiment.jsonl", "{\"op\":\"experiment.create\",\"name\":\"x\"}\n{\"op\":\"experiment.create\",\"name\":\"x\"}\n")
        write("duplicate-run.jsonl", "{\"op\":\"run.start\",\"experiment\":\"churn\",\"id\":\"r1\"}\n")
        write("good-then-bad.jsonl", "{\"op\":\"experiment.create\",\"name\":\"ok\"}\n{\"op\":\"run.start\",\"experiment\":\"ok\",\"id\":\"n1\"}\n"
              + "{\"op\":\"run.log\",\"run\":\"n1\",\"params\":{\"a\":\"1\"}}\n{\"op\":\"run.log\",\"run\":\"n1\",\"params\":{\"a\":\"2\"}}\n")
        write("store-pruned.jsonl", "{\"seq\":1,\"time\":\"2026-03-01T14:00:00.000Z\",\"actor\":\"a\",\"reason\":null,\"type\":\"store.pruned\","
              + "\"data\":{\"through_seq\":1,\"through_time\":\"2026-03-01T14:00:00.000Z\",\"chain\":\"00\",\"segments\":1,\"bytes\":1}}\n")
        write("unknown-run.jsonl", "{\"op\":\"run.log\",\"run\":\"nope\",\"metrics\":[{\"key\":\"auc\",\"value\":0.5}]}\n")
        // Malformed monitoring and baseline files.
        write("negative-latency.csv", "latency_ms,prediction\n10,0.5\n-3,0.4\n")
        write("nan-prediction.csv", "latency_ms,prediction\n10,nan\n")
        write("unknown-column.csv", "latency_ms,prediction,bogus\n10,0.5,1\n")
        write("extra-field.csv", "latency_ms,prediction\n10,0.5,7\n")
        write("actual-only.csv", "latency_ms,actual\n10,1\n")
        write("nan-baseline.txt", "0.1\nnan\n")
        write("inf-baseline.txt", "0.1\ninf\n")
    }
}

// MARK: - Running with raw standard input

extension CLIResult {
    /// The result with long output cut, for failure messages.
    var clipped: String {
        func clip(_ s: String) -> String { s.count > 600 ? String(s.prefix(600)) + "...(\(s.utf8.count) bytes)" : s }
        return "exit \(status)\nstdout: \(clip(stdout))\nstderr: \(clip(stderr))"
    }
}

/// Runs `logbook args...` with a file's raw bytes (which may be invalid UTF-8) as standard input.
func runWithInputFile(_ args: [String], environment: [String: String], input: String, scratch: TemporaryDirectory) -> CLIResult {
    CLISession.run(args, environment: environment, stdinFile: input, scratch: scratch)
}
