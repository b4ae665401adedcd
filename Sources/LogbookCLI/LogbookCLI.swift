import LogbookStorage

/// The `logbook` command line: parses arguments, runs one command, returns the exit status.
public enum LogbookCLI {
    /// The version printed by `logbook --version`.
    public static let version = "0.1.0"

    /// Runs the command line and ends the process with its exit status.
    public static func runAndExit(_ arguments: [String]) -> Never {
        ProcessIO.exit(main(arguments))
    }

    /// Runs the command line; returns the exit status (CLI.md, Exit codes).
    public static func main(_ arguments: [String]) -> Int32 {
        let args = Array(arguments.dropFirst())
        switch args.first {
        case nil, "--help", "-h", "help":
            ProcessIO.writeStandardOutput(usage)
            return 0
        case "--version":
            ProcessIO.writeStandardOutput("logbook \(version)\n")
            return 0
        case "demo":
            return DemoCommand.run(Array(args.dropFirst()))
        default:
            ProcessIO.writeStandardError("Error: unknown command '\(args[0])'\nSee 'logbook --help'.\n")
            return ExitStatus.usage
        }
    }

    static let usage = """
    Usage: logbook <command> [options]

    Commands:
      demo [DIR]     build a demo store in DIR (default: a fresh ./logbook-demo[-N]) and walk through it
      --version      print the version

    See docs/cli.md for the full command reference.

    """
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

    /// The status for a storage error.
    static func of(_ error: StorageError) -> Int32 {
        switch error.code {
        case .corrupted, .tampered, .unsupportedVersion: return integrity
        case .locked: return busy
        case .notFound: return notFound
        case .invalidArgument: return usage
        case .io, .poisoned: return failure
        }
    }
}
