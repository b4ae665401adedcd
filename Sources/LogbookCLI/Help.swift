/// Help texts, built from the command table.
enum Help {
    static func all(_ table: CommandTable) -> String {
        var out = """
        logbook \(LogbookCLI.version): an event-sourced store for experiments, runs, models and their audit history.

        Usage: logbook <command> [options]
               logbook <noun> <verb> [arguments] [options]

        """
        var sections: [(String, [CommandSpec])] = []
        for c in table.commands {
            let section = sectionName(c.noun)
            if let i = sections.firstIndex(where: { $0.0 == section }) {
                sections[i].1.append(c)
            } else {
                sections.append((section, [c]))
            }
        }
        for (name, commands) in sections {
            out += "\n\(name):\n"
            out += Table.plain(commands.map { ["  " + $0.name, $0.summary] })
        }
        out += "\n" + globalOptionsText + "\n" + environmentText + "\n" + exitCodesText
        out += "\nSee 'logbook <noun> --help' and 'logbook <noun> <verb> --help' for the arguments and options of each.\n"
        return out
    }

    static func sectionName(_ noun: String) -> String {
        switch noun {
        case "experiment": "Experiments"
        case "run": "Runs"
        case "artifact": "Artifacts"
        case "dataset": "Datasets"
        case "model": "Models"
        case "ab": "A/B tests"
        case "monitor": "Monitoring"
        case "audit": "Audit"
        case "demo": "Demo"
        default: "Store"
        }
    }

    static func noun(_ noun: String, _ table: CommandTable) -> String {
        var out = "Usage: logbook \(noun) <command> [options]\n\nCommands:\n"
        for c in table.verbs(of: noun) { out += "  \(c.usage)\n      \(c.summary)\n" }
        out += "\n" + globalOptionsText
        out += "\nSee 'logbook \(noun) <command> --help' for details.\n"
        return out
    }

    static func command(_ c: CommandSpec) -> String {
        var out = "Usage: \(c.usage)\n\n\(c.summary)\n"
        if !c.details.isEmpty { out += "\n\(c.details)\n" }
        if !c.options.isEmpty {
            out += "\nOptions:\n"
            out += Table.plain(c.options.map { ["  " + $0.synopsis, $0.help] })
        }
        out += "\n" + globalOptionsText
        return out
    }

    static var globalOptionsText: String {
        "Global options (before or after the command):\n"
            + Table.plain(globalOptions.map { ["  " + $0.synopsis, $0.help] })
    }

    static let environmentText = """
    Environment:
      LOGBOOK_STORE            the store when --store is not given (default ./.logbook)
      LOGBOOK_ACTOR            the actor when --actor is not given (else $USER, else "unknown")
      LOGBOOK_NOW              ISO-8601 time that writes record (tests, imports); earlier than the newest event is refused
      LOGBOOK_LOCK_TIMEOUT_MS  how long a write waits for another writer's lock (default 10000)

    """

    static let exitCodesText = """
    Exit codes:
      0 success   1 other failure   2 usage error   3 not found   4 refused by a rule
      5 integrity failure   6 busy (store locked past the timeout)

    """
}
