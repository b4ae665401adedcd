import Foundation
import LogbookTestSupport
import Testing

/// The built `logbook` executable: it sits next to the test bundle (with the package's other products).
let logbookExecutable: String = {
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = (exe as NSString).deletingLastPathComponent
    while !dir.isEmpty && dir != "/" {
        let candidate = dir + "/logbook"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return builtProductsDirectory + "/logbook"
}()

/// What one `logbook` process did.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as one JSON object.
    var json: [String: Any] {
        guard let data = stdout.data(using: .utf8),
              let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let object = value as? [String: Any] else {
            Issue.record("stdout is not a JSON object: \(stdout)")
            return [:]
        }
        return object
    }

    /// stdout parsed as JSON Lines of objects.
    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").map { line in
            guard let value = try? JSONSerialization.jsonObject(with: Data(line.utf8)), let object = value as? [String: Any] else {
                Issue.record("not a JSON object line: \(line)")
                return [:]
            }
            return object
        }
    }

    /// stdout without the final newline.
    var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A store in a temporary directory and the environment to run `logbook` against it.
final class CLISession: @unchecked Sendable {
    // @unchecked: `environment` is only changed between runs by the owning test.
    let directory = TemporaryDirectory("cli")
    var environment: [String: String]
    var store: String { directory.appending("store") }

    init(now: String? = "2026-03-01T14:00:00Z", actor: String = "alice") {
        environment = ["LOGBOOK_ACTOR": actor, "HOME": NSTemporaryDirectory()]
        environment["LOGBOOK_STORE"] = directory.appending("store")
        if let now { environment["LOGBOOK_NOW"] = now }
    }

    /// Runs `logbook args...`, optionally with standard input and extra environment variables.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, env extra: [String: String] = [:]) -> CLIResult {
        Self.run(args, environment: environment.merging(extra) { $1 }, stdin: stdin, scratch: directory)
    }

    @discardableResult
    func run(_ args: String..., env extra: [String: String] = [:]) -> CLIResult { run(args, env: extra) }

    /// Runs and expects exit 0.
    @discardableResult
    func ok(_ args: String..., env extra: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let r = run(args, env: extra)
        #expect(r.status == 0, "logbook \(args.joined(separator: " ")): \(r)", sourceLocation: sourceLocation)
        return r
    }

    /// Runs and expects `status`; checks the error message format.
    @discardableResult
    func fails(_ status: Int32, _ args: String..., env extra: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let r = run(args, env: extra)
        #expect(r.status == status, "logbook \(args.joined(separator: " ")): \(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("Error: ") || r.stderr.contains("\nError: "), "no 'Error:' line: \(r)",
                sourceLocation: sourceLocation)
        if status == 2 {
            #expect(r.stderr.contains("\nUsage: logbook"), "no usage line: \(r)", sourceLocation: sourceLocation)
            #expect(r.stderr.contains("\nSee 'logbook"), "no 'See' line: \(r)", sourceLocation: sourceLocation)
        }
        return r
    }

    /// The current digest `N:HEX`.
    func digest() -> String {
        let d = run(["audit", "digest", "--json"]).json
        return "\(d["seq"] as? Int ?? -1):\(d["hash"] as? String ?? "")"
    }

    static let counter = Counter()

    /// Runs the executable with exactly `environment`; output goes through files (no pipe deadlocks). Standard
    /// input is `stdin`'s text, or the raw bytes of the file `stdinFile` (which may be invalid UTF-8), or empty.
    static func run(_ args: [String], environment: [String: String], stdin: String? = nil, stdinFile: String? = nil,
                    scratch: TemporaryDirectory) -> CLIResult {
        let n = counter.next()
        let outPath = scratch.appending(".out-\(n)"), errPath = scratch.appending(".err-\(n)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: logbookExecutable)
        process.arguments = args
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let out = FileHandle(forWritingAtPath: outPath)!, err = FileHandle(forWritingAtPath: errPath)!
        process.standardOutput = out
        process.standardError = err
        var inputPath: String?
        if let stdin {
            let p = scratch.appending(".in-\(n)")
            _ = FileManager.default.createFile(atPath: p, contents: Data(stdin.utf8))
            process.standardInput = FileHandle(forReadingAtPath: p)
            inputPath = p
        } else if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else {
                Issue.record("cannot open \(stdinFile) as standard input")
                return CLIResult(status: -1, stdout: "", stderr: "")
            }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        do {
            try process.run()
        } catch {
            Issue.record("cannot start \(logbookExecutable): \(error)")
            return CLIResult(status: -1, stdout: "", stderr: "")
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        if let inputPath { try? FileManager.default.removeItem(atPath: inputPath) }
        return CLIResult(status: process.terminationStatus,
                         stdout: String(decoding: readFile(outPath), as: UTF8.self),
                         stderr: String(decoding: readFile(errPath), as: UTF8.self))
    }
}

/// A thread-safe counter (unique scratch file names).
final class Counter: @unchecked Sendable {
    // @unchecked: guarded by the lock.
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    /// The current count.
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// A JSON number as Double (NSNumber bridging).
func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }
