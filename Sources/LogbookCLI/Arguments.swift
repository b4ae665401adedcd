import Logbook
import LogbookEvents

/// One option a command (or every command) accepts.
struct OptionSpec: Sendable {
    enum Kind: Sendable, Equatable {
        /// `--flag` alone.
        case flag
        /// `--opt VALUE` or `--opt=VALUE`, at most once.
        case value
        /// `--opt VALUE`, any number of times (values kept in order).
        case repeated
    }

    /// The spelling with its dashes, e.g. `--tag`.
    var name: String
    var kind: Kind
    /// The value's placeholder in help text (`K=V`, `NAME`).
    var placeholder: String
    /// One line of help.
    var help: String

    /// A flag (or an option without a placeholder).
    init(_ name: String, _ kind: Kind, _ help: String) {
        self.init(name, kind, "", help)
    }

    init(_ name: String, _ kind: Kind, _ placeholder: String, _ help: String) {
        self.name = name
        self.kind = kind
        self.placeholder = placeholder
        self.help = help
    }

    /// `--tag K=V` as written in a synopsis.
    var synopsis: String { kind == .flag ? name : "\(name) \(placeholder)" }
}

/// The options every command accepts, before or after the noun and verb.
let globalOptions: [OptionSpec] = [
    OptionSpec("--store", .value, "DIR", "the store; default $LOGBOOK_STORE, else ./.logbook"),
    OptionSpec("--json", .flag, "machine output: one JSON document on stdout (JSON Lines for streams)"),
    OptionSpec("--at", .value, "WHEN", "a read as of a moment: ISO-8601 time or #N (sequence number, inclusive)"),
    OptionSpec("--actor", .value, "NAME", "who does a write; default $LOGBOOK_ACTOR, else $USER"),
    OptionSpec("--reason", .value, "TEXT", "why; required for stage changes, alias moves, rollbacks, approvals"),
    OptionSpec("--help", .flag, "help for any noun or verb (also -h)"),
]

/// What the command line asked for, before anything is opened.
struct ParsedArguments: Equatable {
    /// The words that are not options: the noun, the verb (when the command has one), then the positionals.
    var words: [String] = []
    /// Option values by name (with dashes). A flag has one empty value per occurrence.
    var options: [String: [String]] = [:]
    /// `--help` or `-h` was given.
    var help = false
    /// `--version` was given (top level only).
    var version = false
    /// How many of `words` name the command (1 for `init`, 2 for `run start`; 0 when none was recognised).
    var commandWords = 0

    /// The positionals after the command's noun and verb.
    var positionals: [String] { Array(words.dropFirst(commandWords)) }

    /// The value of a single-valued option.
    func value(_ name: String) -> String? { options[name]?.last }
    /// Every value of a repeated option, in order.
    func values(_ name: String) -> [String] { options[name] ?? [] }
    /// Whether a flag was given.
    func flag(_ name: String) -> Bool { options[name] != nil }
}

/// A usage error found while parsing: the message, and the command (or noun) it concerns, for the usage lines.
struct UsageError: Error, Equatable {
    var message: String
    /// The command the words named, if any.
    var command: CommandSpec.Key?
    /// The noun named when no command could be found.
    var noun: String?
}

/// The hand-written parser: noun, verb, positionals, `--opt value`, `--opt=value`, repeated options, flags,
/// `--` ending options, and global options anywhere.
enum ArgumentParser {
    /// Parses `tokens` (without the program name) against the command table.
    static func parse(_ tokens: [String], commands: CommandTable = .shared) throws(UsageError) -> (ParsedArguments, CommandSpec?) {
        var parsed = ParsedArguments()
        var command: CommandSpec?
        var optionsEnded = false
        var pendingError: UsageError?
        var i = 0

        func fail(_ message: String) -> UsageError {
            UsageError(message: message, command: command?.key, noun: command == nil ? parsed.words.first : nil)
        }

        while i < tokens.count {
            let token = tokens[i]
            i += 1
            if optionsEnded || !token.hasPrefix("-") || token == "-" || looksNumeric(token) {
                parsed.words.append(token)
                if command == nil && pendingError == nil {
                    switch commands.resolve(parsed.words) {
                    case .found(let spec):
                        command = spec
                        parsed.commandWords = spec.verb == nil ? 1 : 2
                    case .needMore:
                        break
                    case .unknown(let message):
                        pendingError = UsageError(message: message, command: nil,
                                                  noun: commands.isNoun(parsed.words[0]) ? parsed.words[0] : nil)
                    }
                }
                continue
            }
            if token == "--" {
                optionsEnded = true
                continue
            }
            if token == "-h" || token == "--help" {
                parsed.help = true
                continue
            }
            if token == "--version" && command == nil {
                parsed.version = true
                continue
            }
            guard token.hasPrefix("--"), token.count > 2 else {
                if pendingError == nil { pendingError = fail("unknown option '\(token)'") }
                continue
            }
            var name = token
            var inline: String?
            if let eq = token.firstIndex(of: "=") {
                name = String(token[..<eq])
                inline = String(token[token.index(after: eq)...])
            }
            guard let spec = command?.option(name) ?? globalOptions.first(where: { $0.name == name }) else {
                if pendingError == nil {
                    if command == nil, !parsed.words.isEmpty, commands.isNoun(parsed.words[0]) && parsed.words.count == 1 {
                        pendingError = fail("unknown option '\(name)' (or a missing verb before it)")
                    } else {
                        pendingError = fail("unknown option '\(name)'")
                    }
                }
                continue
            }
            switch spec.kind {
            case .flag:
                if inline != nil {
                    if pendingError == nil { pendingError = fail("\(name) takes no value") }
                    continue
                }
                parsed.options[name, default: []].append("")
            case .value, .repeated:
                let value: String
                if let inline {
                    value = inline
                } else if i < tokens.count {
                    value = tokens[i]
                    i += 1
                } else {
                    if pendingError == nil { pendingError = fail("\(name) needs a value (\(spec.synopsis))") }
                    continue
                }
                if spec.kind == .value, parsed.options[name] != nil {
                    if pendingError == nil { pendingError = fail("\(name) is given more than once") }
                    continue
                }
                parsed.options[name, default: []].append(value)
            }
        }
        if parsed.help {
            // Help wins over other mistakes, as long as the words name a command or a noun.
            if command != nil || parsed.words.isEmpty || commands.isNoun(parsed.words[0]) { return (parsed, command) }
            throw pendingError ?? UsageError(message: "unknown command '\(parsed.words[0])'", command: nil, noun: nil)
        }
        if let pendingError { throw pendingError }
        if parsed.version {
            guard parsed.words.isEmpty else { throw fail("--version takes no command") }
            return (parsed, nil)
        }
        guard let command else {
            if let noun = parsed.words.first {
                throw UsageError(message: "'\(noun)' needs a command", command: nil, noun: noun)
            }
            return (parsed, nil)
        }
        let count = parsed.positionals.count
        if count < command.minPositionals {
            let missing = command.positionalNames.dropFirst(count).first ?? "an argument"
            throw fail("missing \(missing)")
        }
        if let max = command.maxPositionals, count > max {
            throw fail("unexpected argument '\(parsed.positionals[max])'")
        }
        return (parsed, command)
    }

    /// `-1`, `-0.5`, `-inf`: a negative number is a positional, not an option.
    static func looksNumeric(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        let rest = token.dropFirst()
        if let first = rest.first, first.isNumber || first == "." { return Double(rest) != nil }
        return false
    }
}

/// Parsers of option values; each failure is a usage error naming the option and the expected form.
enum ValueParser {
    /// An integer.
    static func int(_ text: String, _ what: String) throws(LogbookError) -> Int {
        guard let v = Int(text) else { throw LogbookError(.usage, "\(what) must be a whole number, not '\(text)'") }
        return v
    }

    /// A non-negative integer.
    static func count(_ text: String, _ what: String) throws(LogbookError) -> Int {
        let v = try int(text, what)
        guard v >= 0 else { throw LogbookError(.usage, "\(what) must be 0 or more, not '\(text)'") }
        return v
    }

    /// A sequence number (0 or more).
    static func sequence(_ text: String, _ what: String) throws(LogbookError) -> UInt64 {
        guard let v = UInt64(text) else { throw LogbookError(.usage, "\(what) must be a sequence number (0, 1, 2...), not '\(text)'") }
        return v
    }

    /// A model version number (1 or more).
    static func version(_ text: String) throws(LogbookError) -> Int {
        guard let v = Int(text), v >= 1 else {
            throw LogbookError(.usage, "'\(text)' is not a version number (1, 2, ...)")
        }
        return v
    }

    /// A number; `nan`, `inf`, `-inf`, `infinity` in any case are accepted when `allowNonFinite`.
    static func double(_ text: String, _ what: String, allowNonFinite: Bool = false) throws(LogbookError) -> Double {
        let t = text.trimmingSpaces
        let lower = t.lowercased()
        let special: Double? = switch lower {
        case "nan", "+nan", "-nan": .nan
        case "inf", "+inf", "infinity", "+infinity": .infinity
        case "-inf", "-infinity": -.infinity
        default: nil
        }
        if let special {
            guard allowNonFinite else { throw LogbookError(.usage, "\(what) must be a finite number, not '\(text)'") }
            return special
        }
        // Plain decimal numbers only: no hex floats, no spaces.
        guard !t.isEmpty, t.unicodeScalars.allSatisfy({ "0123456789+-.eE".unicodeScalars.contains($0) }),
              let v = Double(t), v.isFinite else {
            throw LogbookError(.usage, "\(what) must be a number, not '\(text)'")
        }
        return v
    }

    /// `K=V` (the value may contain '=').
    static func keyValue(_ text: String, _ option: String) throws(LogbookError) -> KeyValue {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw LogbookError(.usage, "\(option) '\(text)' is not KEY=VALUE")
        }
        return KeyValue(String(text[..<eq]), String(text[text.index(after: eq)...]))
    }

    /// `K=V[@STEP]` of `run log --metric`.
    static func metric(_ text: String) throws(LogbookError) -> (key: String, value: Double, step: Int64) {
        let kv = try keyValue(text, "--metric")
        var valueText = kv.value
        var step: Int64 = 0
        if let at = valueText.lastIndex(of: "@") {
            let stepText = String(valueText[valueText.index(after: at)...])
            guard let s = Int64(stepText) else {
                throw LogbookError(.usage, "--metric '\(text)': the step '\(stepText)' is not a whole number")
            }
            step = s
            valueText = String(valueText[..<at])
        }
        let value = try double(valueText, "--metric '\(text)': the value", allowNonFinite: true)
        return (kv.key, value, step)
    }

    /// `--at`/`--to` moments: ISO-8601 or `#N`.
    static func moment(_ text: String, _ what: String) throws(LogbookError) -> Moment {
        if text.hasPrefix("#") {
            guard let n = UInt64(text.dropFirst()) else {
                throw LogbookError(.usage, "\(what) '\(text)' is not #N (a sequence number)")
            }
            return .sequence(n)
        }
        return .time(try time(text, what))
    }

    /// An ISO-8601 time.
    static func time(_ text: String, _ what: String) throws(LogbookError) -> Int64 {
        guard let t = Timestamp.parse(text) else {
            throw LogbookError(.usage, "\(what) '\(text)' is not an ISO-8601 time (e.g. 2026-03-01 or 2026-03-01T14:00:00Z)")
        }
        return t
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
