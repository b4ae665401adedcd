import Foundation
import LogbookTestSupport
import Testing

/// kill -9 through the binary users run: `ingest` of a 100,000-line file is all or nothing however it is killed,
/// and `snapshot` and `compact` killed at any moment leave a store that opens with the same state and verifies.
@Suite("End to end: kill -9")
struct BinaryCrashTests {
    /// Cycles of the ingest loop: 25 in the normal suite (a debug-build ingest of 100,000 lines takes about 2 s);
    /// `LOGBOOK_CRASH_CYCLES=100 swift test --filter BinaryCrashTests` for the full run (about 6 minutes).
    static let cycles = Int(ProcessInfo.processInfo.environment["LOGBOOK_CRASH_CYCLES"] ?? "") ?? 25

    /// Starts `logbook args...` without waiting.
    static func start(_ s: CLISession, _ args: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: logbookExecutable)
        process.arguments = args
        process.environment = s.environment
        process.currentDirectoryURL = URL(fileURLWithPath: s.directory.path)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `logbook args...` and kills it with SIGKILL after `delay` seconds (if it is still running).
    static func runAndKill(_ s: CLISession, _ args: [String], after delay: Double) throws -> Bool {
        let process = try start(s, args)
        usleep(UInt32(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
    }

    /// How long `logbook args...` takes when left alone, in seconds.
    static func duration(_ s: CLISession, _ args: [String]) -> Double {
        let t0 = Date()
        let r = s.run(args)
        #expect(r.status == 0, "\(args): \(r)")
        return Date().timeIntervalSince(t0)
    }

    static func sequence(_ s: CLISession) -> Int { Int(s.digest().split(separator: ":")[0]) ?? -1 }

    /// A kill moment: half the time anywhere in the run, half near its end (the write, the sync, the snapshot).
    static func moment(_ g: inout SeededGenerator, within d: Double) -> Double {
        let u = Double(g.next() % 10_000) / 10_000
        return g.next() % 2 == 0 ? u * d : d * (0.75 + 0.4 * u)
    }

    @Test("kill -9 at random moments of 'logbook ingest' of a 100,000-line file: afterwards all of its lines are there or none")
    func ingestIsAllOrNothing() throws {
        let s = CLISession(now: nil)
        s.ok("init")
        s.ok("experiment", "create", "load")
        s.ok("run", "start", "--experiment", "load", "--id", "r1")
        let file = s.directory.appending("lines.jsonl")
        var text = ""
        text.reserveCapacity(100_000 * 80)
        for i in 0..<100_000 {
            text += "{\"op\":\"run.log\",\"run\":\"r1\",\"metrics\":[{\"key\":\"loss\",\"value\":\(1.0 / Double(i + 1)),\"step\":\(i)}]}\n"
        }
        try text.write(toFile: file, atomically: false, encoding: .utf8)

        // One whole ingest: how many events it appends and how long it takes.
        var before = Self.sequence(s)
        // The first run's time, shortened after each run that finished before its kill: a first run slowed by the
        // rest of the suite must not leave the later kills landing after the end.
        var d = Self.duration(s, ["ingest", file])
        let whole = Self.sequence(s) - before
        #expect(whole == 100_000)
        var completed = 1, killed = 0
        var g = SeededGenerator(seed: 0x1A6E57)
        for cycle in 0..<Self.cycles {
            before = Self.sequence(s)
            if try Self.runAndKill(s, ["ingest", file], after: Self.moment(&g, within: d)) { killed += 1 } else { d *= 0.7 }
            let added = Self.sequence(s) - before
            #expect(added == 0 || added == whole, "cycle \(cycle): \(added) events appended, not 0 or \(whole)")
            if added == whole { completed += 1 }
            if cycle % 25 == 24 { s.ok("check") }
        }
        #expect(killed > Self.cycles / 2, "\(killed) of \(Self.cycles) ingests were killed before they finished")
        let stats = s.ok("stats", "--json").json
        #expect(number(stats["events"]) == Double(2 + completed * whole))
        let points = s.ok("run", "history", "r1", "--metric", "loss", "--json").json["points"] as? [Any] ?? []
        #expect(points.count == completed * whole)
        s.ok("check")
        s.ok("audit", "verify")
    }

    @Test("kill -9 at random moments of 'logbook snapshot' and 'logbook compact': the store opens with the same state and verifies")
    func snapshotAndCompactSurviveKills() throws {
        let s = CLISession(now: nil)
        s.environment["LOGBOOK_SEGMENT_BYTES"] = "65536"
        s.ok("init")
        s.ok("experiment", "create", "load")
        s.ok("run", "start", "--experiment", "load", "--id", "r1")
        func write(_ name: String, lines count: Int) throws -> String {
            var lines = ""
            for i in 0..<count {
                lines += "{\"op\":\"run.log\",\"run\":\"r1\",\"metrics\":[{\"key\":\"m\(i % 50)\",\"value\":\(i),\"step\":\(i)}],\"tags\":{\"t\(i % 7)\":\"\(i)\"}}\n"
            }
            let file = s.directory.appending(name)
            try lines.write(toFile: file, atomically: false, encoding: .utf8)
            return file
        }
        s.ok("ingest", try write("big.jsonl", lines: 20_000))
        let small = try write("small.jsonl", lines: 1_000)
        let first = s.digest()
        var g = SeededGenerator(seed: 0x5AFE)
        var killed = 0
        for cycle in 0..<30 {
            let command = cycle % 2 == 0 ? "snapshot" : "compact"
            // Something new to snapshot and archive, a run left alone to time the command, then more and the kill.
            s.ok("ingest", small)
            let d = Self.duration(s, [command])
            s.ok("ingest", small)
            let digest = s.digest(), shown = s.ok("run", "show", "r1", "--json").stdout
            if try Self.runAndKill(s, [command], after: Self.moment(&g, within: d)) { killed += 1 }
            #expect(s.digest() == digest, "cycle \(cycle) (\(command)): the log changed")
            #expect(s.ok("run", "show", "r1", "--json").stdout == shown, "cycle \(cycle) (\(command)): the state changed")
            s.ok("check")
        }
        #expect(killed > 5, "\(killed) of 30 runs were killed before they finished")
        #expect(first != s.digest())
        let stats = s.ok("stats", "--json").json
        // Two events per line (the metric and the tag).
        #expect(number(stats["events"]) == Double(2 + 2 * (20_000 + 60 * 1_000)))
        s.ok("audit", "verify")
    }
}
