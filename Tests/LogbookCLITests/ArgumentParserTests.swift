import Foundation
import Logbook
@testable import LogbookCLI
import LogbookTestSupport
import Testing

@Suite("Argument parser (in-process)")
struct ArgumentParserTests {
    func parse(_ tokens: String...) throws -> (ParsedArguments, CommandSpec?) {
        try ArgumentParser.parse(tokens)
    }

    func usageError(_ tokens: String...) -> UsageError? {
        do {
            _ = try ArgumentParser.parse(tokens)
            return nil
        } catch {
            return error
        }
    }

    @Test("noun, verb, positionals, both option forms, repeated options, flags")
    func basics() throws {
        let (p, c) = try parse("run", "log", "r1", "--param", "lr=0.01", "--metric=auc=0.9@3", "--metric", "loss=nan",
                               "--tag", "a=b", "--json")
        #expect(c?.name == "run log")
        #expect(p.positionals == ["r1"])
        #expect(p.values("--param") == ["lr=0.01"])
        #expect(p.values("--metric") == ["auc=0.9@3", "loss=nan"])
        #expect(p.values("--tag") == ["a=b"])
        #expect(p.flag("--json"))
        #expect(!p.flag("--help"))
    }

    @Test("global options anywhere: before the noun, between noun and verb, after")
    func globals() throws {
        let (p, c) = try parse("--store", "/tmp/x", "run", "--json", "show", "r1", "--at", "#5", "--actor=bob")
        #expect(c?.name == "run show")
        #expect(p.value("--store") == "/tmp/x")
        #expect(p.flag("--json"))
        #expect(p.value("--at") == "#5")
        #expect(p.value("--actor") == "bob")
        #expect(p.positionals == ["r1"])
    }

    @Test("-- ends options; '-' and negative numbers are positionals")
    func endOfOptions() throws {
        let (p, c) = try parse("experiment", "create", "--", "--weird-name")
        #expect(c?.name == "experiment create")
        #expect(p.positionals == ["--weird-name"])
        let (q, _) = try parse("ingest", "-")
        #expect(q.positionals == ["-"])
        #expect(ArgumentParser.looksNumeric("-1.5"))
        #expect(!ArgumentParser.looksNumeric("-x"))
        #expect(!ArgumentParser.looksNumeric("--1"))
    }

    @Test("a command's own option wins over a global of the same name (audit log --actor)")
    func commandOption() throws {
        let (p, c) = try parse("audit", "log", "--actor", "carol")
        #expect(c?.name == "audit log")
        #expect(p.value("--actor") == "carol")
    }

    @Test("usage errors: unknown command, verb, option; missing value; flag with a value; repeated single option; arity")
    func errors() {
        #expect(usageError("frob")?.message == "unknown command 'frob'")
        #expect(usageError("run", "frob")?.message == "unknown command 'run frob'")
        #expect(usageError("run", "frob")?.noun == "run")
        #expect(usageError("run")?.message == "'run' needs a command")
        #expect(usageError("run", "list", "--nope")?.message == "unknown option '--nope'")
        #expect(usageError("run", "list", "--nope")?.command == CommandSpec.Key(noun: "run", verb: "list"))
        #expect(usageError("run", "list", "-x")?.message == "unknown option '-x'")
        #expect(usageError("run", "list", "--limit")?.message.contains("needs a value") == true)
        #expect(usageError("run", "list", "--json=1")?.message == "--json takes no value")
        #expect(usageError("run", "list", "--limit", "1", "--limit", "2")?.message.contains("more than once") == true)
        #expect(usageError("run", "show")?.message == "missing RUN")
        #expect(usageError("run", "show", "a", "b")?.message == "unexpected argument 'b'")
        #expect(usageError("run", "compare", "a")?.message == "missing RUN")
        #expect(usageError("model", "alias", "m")?.message == "missing ALIAS")
        #expect(usageError("--version", "run")?.message != nil)
        #expect(usageError("run", "compare", "a", "b", "c") == nil)
        #expect(usageError("model", "alias", "m", "a", "--remove") == nil)
    }

    @Test("--help wins over other mistakes once a command or noun is named")
    func help() throws {
        let (p, c) = try parse("run", "start", "--help")
        #expect(p.help && c?.name == "run start")
        let (q, d) = try parse("model", "-h")
        #expect(q.help && d == nil && q.words == ["model"])
        let (r, _) = try parse("run", "log", "--bogus", "--help")
        #expect(r.help)
        #expect(usageError("frob", "--help") != nil)
    }

    @Test("values: metrics (NaN, Inf in any case, steps), key=value, numbers, moments")
    func values() throws {
        let m = try ValueParser.metric("auc=0.91@12")
        #expect(m.key == "auc" && m.value == 0.91 && m.step == 12)
        #expect(try ValueParser.metric("loss=NaN").value.isNaN)
        #expect(try ValueParser.metric("loss=nan@3").step == 3)
        #expect(try ValueParser.metric("x=inf").value == .infinity)
        #expect(try ValueParser.metric("x=-INF").value == -.infinity)
        #expect(try ValueParser.metric("x=Infinity").value == .infinity)
        #expect(try ValueParser.metric("x=1e-3").value == 0.001)
        #expect(try ValueParser.metric("x=-2@-1").step == -1)
        for bad in ["a=b=1",  "auc", "=1", "auc=", "auc=abc", "auc=0x10", "auc=1@", "auc=1@x", "auc=1@1.5"] {
            #expect(throws: LogbookError.self, "\(bad)") { try ValueParser.metric(bad) }
        }
        let kv = try ValueParser.keyValue("url=http://x?a=b", "--tag")
        #expect(kv.key == "url" && kv.value == "http://x?a=b")
        #expect(throws: LogbookError.self) { try ValueParser.keyValue("novalue", "--tag") }
        #expect(try ValueParser.moment("#42", "--at") == .sequence(42))
        #expect(try ValueParser.moment("2026-03-01", "--at") == .time(Timestamp.parse("2026-03-01T00:00:00Z")!))
        #expect(try ValueParser.moment("2026-03-01T14:00:00.123+02:00", "--at") == .time(Timestamp.parse("2026-03-01T12:00:00.123Z")!))
        for bad in ["#", "#-1", "yesterday", "2026-13-01"] {
            #expect(throws: LogbookError.self, "\(bad)") { try ValueParser.moment(bad, "--at") }
        }
        #expect(try ValueParser.double("0.5", "--min") == 0.5)
        #expect(throws: LogbookError.self) { try ValueParser.double("nan", "--min") }
        #expect(throws: LogbookError.self) { try ValueParser.version("0") }
        #expect(try ValueParser.version("3") == 3)
    }

    @Test("every command has help, a summary, and its options documented")
    func table() {
        for c in CommandTable.shared.commands {
            #expect(!c.summary.isEmpty, "\(c.name)")
            let help = Help.command(c)
            #expect(help.hasPrefix("Usage: logbook \(c.name)"))
            for o in c.options { #expect(help.contains(o.name), "\(c.name) documents \(o.name)") }
        }
        let all = Help.all(CommandTable.shared)
        for c in CommandTable.shared.commands { #expect(all.contains(c.name), "--help lists \(c.name)") }
        // Every command of CLI.md's Audit section exists.
        for words in [["audit", "export"], ["audit", "trail"], ["retention", "set"], ["prune"], ["identity", "erase"]] {
            guard case .found = CommandTable.shared.resolve(words) else { Issue.record("\(words) is missing"); continue }
        }
    }

    @Test("tables align columns")
    func tables() {
        var t = Table(["A", "LONGER"], rightAligned: [0])
        t.add(["100", "x"])
        t.add(["2", "yy"])
        #expect(t.render() == "  A  LONGER\n100  x\n  2  yy\n")
        #expect(Table.keyValues([("a", "1"), ("bbb", "2")]) == "a    1\nbbb  2\n")
    }

    @Test("in-process main: exit codes and the error format")
    func main() {
        let console = Console.capture()
        #expect(LogbookCLI.main(["logbook", "--version"], environment: Environment([:]), console: console) == 0)
        #expect(console.outputText == "logbook \(LogbookCLI.version)\n")

        let bad = Console.capture()
        #expect(LogbookCLI.main(["logbook", "run", "list", "--nope"], environment: Environment([:]), console: bad) == 2)
        let lines = bad.capturedError.split(separator: "\n")
        #expect(lines == ["Error: unknown option '--nope'",
                          "Usage: logbook run list [--experiment NAME] [--filter EXPR] [--order-by EXPR] [--limit N] [--all]",
                          "See 'logbook run list --help'."])
        #expect(bad.capturedOutput.isEmpty)

        let dir = TemporaryDirectory("cli-inproc")
        let env = Environment(["LOGBOOK_STORE": dir.appending("s"), "LOGBOOK_NOW": "not-a-time"])
        let c = Console.capture()
        #expect(LogbookCLI.main(["logbook", "init"], environment: env, console: c) == 0)
        let w = Console.capture()
        #expect(LogbookCLI.main(["logbook", "experiment", "create", "x"], environment: env, console: w) == 2)
        #expect(w.capturedError.hasPrefix("Error: LOGBOOK_NOW 'not-a-time'"))
        let r = Console.capture()
        #expect(LogbookCLI.main(["logbook", "experiment", "list"], environment: env, console: r) == 0, "reads ignore LOGBOOK_NOW")

        let actorEnv = Environment(["LOGBOOK_STORE": dir.appending("s"), "USER": "unix-user"])
        #expect(LogbookCLI.main(["logbook", "experiment", "create", "e1"], environment: actorEnv, console: .capture()) == 0)
        let log = Console.capture()
        #expect(LogbookCLI.main(["logbook", "audit", "log", "--json"], environment: actorEnv, console: log) == 0)
        #expect(log.outputText.contains("\"actor\":\"unix-user\""), "$USER when LOGBOOK_ACTOR is unset")
    }
}
