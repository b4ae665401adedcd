import Logbook

/// One command of the table: its words, arguments, options, help, how it opens the store, and its handler.
struct CommandSpec: Sendable {
    /// `run start` as a key.
    struct Key: Hashable, Sendable {
        var noun: String
        var verb: String?
    }

    /// How the dispatcher opens the store before the handler runs.
    enum Access: Sendable, Equatable {
        /// The handler opens what it needs (init, repair, verify, demo).
        case custom
        /// Read-only open (no lock); `--at` allowed.
        case read
        /// Writable open (the writer lock); the store must exist; `--at` refused.
        case write
    }

    typealias Handler = @Sendable (Invocation) throws(LogbookError) -> Int32

    var noun: String
    var verb: String?
    /// The synopsis after the command words, e.g. `NAME [--tag K=V]...`.
    var synopsis: String
    /// Names of the positionals, in order (for "missing NAME").
    var positionalNames: [String]
    var minPositionals: Int
    /// nil = any number.
    var maxPositionals: Int?
    /// One line.
    var summary: String
    /// More text for `--help`, if any.
    var details: String
    var options: [OptionSpec]
    var access: Access
    /// Whether `--at` applies (reads of the domain state).
    var allowsAt: Bool
    var handler: Handler

    init(_ noun: String, _ verb: String?, _ synopsis: String, positionals: [String], min: Int? = nil, variadic: Bool = false,
         summary: String, details: String = "", options: [OptionSpec] = [], access: Access, allowsAt: Bool? = nil,
         _ handler: @escaping Handler) {
        self.noun = noun
        self.verb = verb
        self.synopsis = synopsis
        positionalNames = positionals
        minPositionals = min ?? positionals.count
        maxPositionals = variadic ? nil : positionals.count
        self.summary = summary
        self.details = details
        self.options = options
        self.access = access
        self.allowsAt = allowsAt ?? (access == .read)
        self.handler = handler
    }

    var key: Key { Key(noun: noun, verb: verb) }

    /// `run start`.
    var name: String { verb.map { "\(noun) \($0)" } ?? noun }

    /// `logbook run start --experiment NAME ...`.
    var usage: String { "logbook \(name)" + (synopsis.isEmpty ? "" : " " + synopsis) }

    func option(_ name: String) -> OptionSpec? { options.first { $0.name == name } }
}

/// Every command, looked up by its words.
struct CommandTable: Sendable {
    static let shared = CommandTable(Commands.all)

    let commands: [CommandSpec]
    private let byKey: [CommandSpec.Key: CommandSpec]
    /// Nouns in the order first listed.
    let nouns: [String]

    init(_ commands: [CommandSpec]) {
        self.commands = commands
        var byKey: [CommandSpec.Key: CommandSpec] = [:]
        var nouns: [String] = []
        for c in commands {
            precondition(byKey[c.key] == nil, "duplicate command \(c.name)")
            byKey[c.key] = c
            if !nouns.contains(c.noun) { nouns.append(c.noun) }
        }
        self.byKey = byKey
        self.nouns = nouns
    }

    enum Resolution {
        case found(CommandSpec)
        case needMore
        case unknown(String)
    }

    /// The command named by the first words.
    func resolve(_ words: [String]) -> Resolution {
        guard let noun = words.first else { return .needMore }
        if let c = byKey[CommandSpec.Key(noun: noun, verb: nil)] { return .found(c) }
        guard isNoun(noun) else { return .unknown("unknown command '\(noun)'") }
        guard words.count >= 2 else { return .needMore }
        if let c = byKey[CommandSpec.Key(noun: noun, verb: words[1])] { return .found(c) }
        return .unknown("unknown command '\(noun) \(words[1])'")
    }

    /// Whether `word` is a noun with verbs (`run`, `model`...).
    func isNoun(_ word: String) -> Bool { commands.contains { $0.noun == word && $0.verb != nil } }

    /// The commands of a noun.
    func verbs(of noun: String) -> [CommandSpec] { commands.filter { $0.noun == noun && $0.verb != nil } }

    func spec(_ key: CommandSpec.Key) -> CommandSpec? { byKey[key] }
}
