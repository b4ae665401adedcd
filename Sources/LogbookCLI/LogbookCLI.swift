import Logbook
import LogbookEvents
import LogbookStorage

/// The `logbook` command line: parses arguments, opens the store, runs one command, returns the exit status.
public enum LogbookCLI {
    /// The version printed by `logbook --version`.
    public static let version = "0.1.0"

    /// Runs the command line and ends the process with its exit status.
    public static func runAndExit(_ arguments: [String]) -> Never {
        let console = Console.standard()
        let status = main(arguments, environment: .process, console: console, exiting: true)
        console.flush()
        ProcessIO.exit(status)
    }

    /// The last invocation of a process that is about to exit: kept so that its state is not freed piece by piece
    /// just before the process ends (the kernel takes the memory back at once).
    nonisolated(unsafe) private static var exitingInvocation: Invocation?

    /// Runs the command line; returns the exit status (CLI.md, Exit codes). `arguments[0]` is the program name.
    public static func main(_ arguments: [String], environment: Environment = .process,
                            console: Console = .standard(), exiting: Bool = false) -> Int32 {
        defer { console.flush() }
        var tokens = Array(arguments.dropFirst())
        let table = CommandTable.shared
        // `logbook help [NOUN [VERB]]` is `logbook [NOUN [VERB]] --help`.
        if tokens.first == "help" {
            tokens.removeFirst()
            tokens.append("--help")
        }
        let parsed: ParsedArguments
        let found: CommandSpec?
        do {
            (parsed, found) = try ArgumentParser.parse(tokens, commands: table)
        } catch {
            reportUsage(error.message, command: error.command.flatMap { table.spec($0) }, noun: error.noun, console)
            return ExitStatus.usage
        }
        if parsed.help {
            if let found {
                console.out(Help.command(found))
            } else if let noun = parsed.words.first, table.isNoun(noun) {
                console.out(Help.noun(noun, table))
            } else {
                console.out(Help.all(table))
            }
            return ExitStatus.success
        }
        if parsed.version {
            console.line("logbook \(version)")
            return ExitStatus.success
        }
        guard let command = found else {
            console.out(Help.all(table))
            return ExitStatus.success
        }
        let invocation: Invocation
        do {
            invocation = try Invocation(command, parsed, environment: environment, console: console)
        } catch {
            report(error, command: command, console)
            return error.code.rawValue
        }
        if exiting { exitingInvocation = invocation }
        do {
            let status = try invocation.run()
            return status
        } catch {
            report(error, command: command, console)
            return error.code.rawValue
        }
    }

    /// `Error: ...`, and for usage errors the usage lines.
    static func report(_ error: LogbookError, command: CommandSpec, _ console: Console) {
        if error.code == .usage {
            reportUsage(error.message, command: command, noun: nil, console)
        } else {
            console.err("Error: \(error.message)\n")
        }
    }

    /// `Error: <what is wrong>`, `Usage: ...`, `See 'logbook ... --help'.` on standard error.
    static func reportUsage(_ message: String, command: CommandSpec?, noun: String?, _ console: Console) {
        var text = "Error: \(message)\n"
        if let command {
            text += "Usage: \(command.usage)\nSee 'logbook \(command.name) --help'.\n"
        } else if let noun {
            text += "Usage: logbook \(noun) <command> [options]\nSee 'logbook \(noun) --help'.\n"
        } else {
            text += "Usage: logbook <command> [options]\nSee 'logbook --help'.\n"
        }
        console.err(text)
    }
}

/// Exit statuses of the contract (../shared/CLI.md, "Exit codes").
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let notFound: Int32 = 3
    static let refused: Int32 = 4
    static let integrity: Int32 = 5
    static let busy: Int32 = 6
}

/// One run of one command: the parsed words and options, the resolved global options, the open store.
final class Invocation {
    let command: CommandSpec
    let arguments: ParsedArguments
    let environment: Environment
    let console: Console
    /// `--store`, else `$LOGBOOK_STORE`, else `./.logbook`.
    let storePath: String
    /// `--json`.
    let json: Bool
    /// `--at`.
    let moment: Moment?
    /// Who, why and when for writes (`--actor`, `--reason`, `LOGBOOK_NOW`).
    var context: WriteContext
    /// How stores are opened (`LOGBOOK_LOCK_TIMEOUT_MS`, `LOGBOOK_SEGMENT_BYTES`).
    var storeOptions = StoreOptions()
    private var opened: LogbookStore?
    private var readState: LogbookState?

    init(_ command: CommandSpec, _ arguments: ParsedArguments, environment: Environment,
         console: Console) throws(LogbookError) {
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.console = console
        storePath = arguments.value("--store") ?? environment["LOGBOOK_STORE"] ?? "./.logbook"
        json = arguments.flag("--json")
        if let at = arguments.value("--at") {
            guard command.allowsAt else {
                throw LogbookError(.usage, command.access == .write
                    ? "--at applies to reads; 'logbook \(command.name)' is a write (writes always happen now)"
                    : "--at does not apply to 'logbook \(command.name)'")
            }
            moment = try ValueParser.moment(at, "--at")
        } else {
            moment = nil
        }
        // A command with its own --actor option (audit log's filter) reads it itself.
        let actorOption = command.option("--actor") == nil ? arguments.value("--actor") : nil
        let actor = actorOption ?? environment["LOGBOOK_ACTOR"] ?? environment["USER"] ?? "unknown"
        context = WriteContext(actor: actor, reason: arguments.value("--reason"))
        // `repair` is a write too: it records the cut.
        if command.access == .write || command.name == "repair" {
            if let now = environment["LOGBOOK_NOW"] {
                guard let t = Timestamp.parse(now) else {
                    throw LogbookError(.usage, "LOGBOOK_NOW '\(now)' is not an ISO-8601 time (e.g. 2026-03-01T14:00:00Z); fix or unset it")
                }
                context.time = t
            }
        }
        if command.access != .read {
            // Small segments make retention and pruning testable without writing 64 MiB.
            if let size = environment["LOGBOOK_SEGMENT_BYTES"], command.access == .write || command.name == "init" {
                guard let bytes = Int(size), bytes >= 4096 else {
                    throw LogbookError(.usage, "LOGBOOK_SEGMENT_BYTES '\(size)' is not a number of bytes of at least 4096")
                }
                storeOptions.segmentSize = bytes
            }
            if let timeout = environment["LOGBOOK_LOCK_TIMEOUT_MS"] {
                guard let ms = Int(timeout), ms >= 0 else {
                    throw LogbookError(.usage, "LOGBOOK_LOCK_TIMEOUT_MS '\(timeout)' is not a number of milliseconds")
                }
                storeOptions.lockTimeoutMilliseconds = ms
            }
        }
    }

    /// Opens the store as the command needs, runs it, closes the store.
    func run() throws(LogbookError) -> Int32 {
        switch command.access {
        case .custom:
            return try command.handler(self)
        case .read:
            try requireStore()
            let store = try LogbookStore(at: storePath, writable: false, options: storeOptions)
            opened = store
            warn(store.warnings)
            defer { warn(store.takeSnapshotRepairs()) }
            return try command.handler(self)
        case .write:
            try requireStore()
            let store = try LogbookStore(at: storePath, writable: true, options: storeOptions)
            opened = store
            warn(store.warnings)
            defer { warn(store.takeSnapshotRepairs()) }
            let shown = store.warnings.count
            let status: Int32
            do {
                status = try command.handler(self)
            } catch {
                try? store.close()
                warn(Array(store.warnings.dropFirst(shown)))
                throw error
            }
            try store.close()
            // Warnings raised by the command itself (a snapshot that could not be written...).
            warn(Array(store.warnings.dropFirst(shown)))
            return status
        }
    }

    /// Refuses a missing store (exit 3) with the fix.
    func requireStore() throws(LogbookError) {
        guard Self.storeExists(storePath) else {
            throw LogbookError(.notFound, "No Logbook store at '\(storePath)'; run 'logbook init' "
                               + "(or give --store DIR, or set LOGBOOK_STORE)")
        }
    }

    /// Whether a store is there: its log directory, or anything in its place (which opening reports as damage).
    static func storeExists(_ path: String) -> Bool { FileIO().exists(StorePaths(root: path).log) }

    func warn(_ warnings: [String]) {
        for w in warnings { console.err("Warning: \(w)\n") }
    }

    /// The open store (read or write commands).
    var store: LogbookStore { opened! }

    /// The state reads see: now, or as of `--at` (loaded on first use, so that a command with a faster path to a
    /// past read, such as `model show --at`, does not load it).
    var state: LogbookState {
        get throws(LogbookError) {
            guard let moment else { return opened!.state }
            if let readState { return readState }
            let past = try opened!.state(at: moment)
            readState = past
            return past
        }
    }

    /// The state for reading model `name`: with `--at`, that model as of then (see `LogbookStore.state(at:forModel:)`).
    func state(forModel name: String) throws(LogbookError) -> LogbookState {
        guard let moment else { return opened!.state }
        return try opened!.state(at: moment, forModel: name)
    }

    /// The state for reading A/B test `name`: with `--at`, that test as of then (see
    /// `LogbookStore.state(at:forABTest:)`).
    func state(forABTest name: String) throws(LogbookError) -> LogbookState {
        guard let moment else { return opened!.state }
        return try opened!.state(at: moment, forABTest: name)
    }

    /// An event as output shows it: the actor's name where the pseudonym map has it.
    func shown(_ e: EventEnvelope) -> EventEnvelope {
        var shown = e
        shown.actor = store.displayName(ofActor: e.actor)
        return shown
    }

    /// The state a read helper of the library should be given: nil for now, the past state for `--at`.
    var pastState: LogbookState? {
        get throws(LogbookError) { moment == nil ? nil : try state }
    }

    // MARK: Arguments

    /// Positional `i` (after the command words).
    func positional(_ i: Int) -> String { arguments.positionals[i] }

    var positionals: [String] { arguments.positionals }

    func value(_ name: String) -> String? { arguments.value(name) }

    func values(_ name: String) -> [String] { arguments.values(name) }

    func flag(_ name: String) -> Bool { arguments.flag(name) }

    /// A required option's value.
    func require(_ name: String) throws(LogbookError) -> String {
        guard let v = arguments.value(name) else {
            let spec = command.option(name)
            throw LogbookError(.usage, "missing \(spec?.synopsis ?? name)")
        }
        return v
    }

    /// An optional sequence-number option.
    func sequenceOption(_ name: String) throws(LogbookError) -> UInt64? {
        guard let v = value(name) else { return nil }
        return try ValueParser.sequence(v, name)
    }

    /// An optional count option (0 or more).
    func countOption(_ name: String) throws(LogbookError) -> Int? {
        guard let v = value(name) else { return nil }
        return try ValueParser.count(v, name)
    }

    /// An optional number option (finite).
    func doubleOption(_ name: String) throws(LogbookError) -> Double? {
        guard let v = value(name) else { return nil }
        return try ValueParser.double(v, name)
    }

    /// An optional version-number option.
    func versionOption(_ name: String) throws(LogbookError) -> Int? {
        guard let v = value(name) else { return nil }
        return try ValueParser.version(v)
    }

    /// An optional moment option (ISO-8601 or #N).
    func momentOption(_ name: String) throws(LogbookError) -> Moment? {
        guard let v = value(name) else { return nil }
        return try ValueParser.moment(v, name)
    }

    /// An optional ISO-8601 time option.
    func timeOption(_ name: String) throws(LogbookError) -> Int64? {
        guard let v = value(name) else { return nil }
        return try ValueParser.time(v, name)
    }

    /// `--opt K=V` repeated, as key-value pairs.
    func keyValues(_ name: String) throws(LogbookError) -> [KeyValue] {
        var out: [KeyValue] = []
        for v in values(name) { out.append(try ValueParser.keyValue(v, name)) }
        return out
    }

    // MARK: Output

    /// A result line on standard output.
    func line(_ text: String) { console.line(text) }

    /// A result on standard output (text as is).
    func out(_ text: String) { console.out(text) }

    /// A message on standard error.
    func message(_ text: String) { console.err(text + "\n") }

    /// The JSON document on standard output.
    func printJSON(_ value: JSON) { console.line(value) }
}
