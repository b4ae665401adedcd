import Foundation
import LogbookTestSupport
import Testing

@Suite("End to end: concurrent writers")
struct ConcurrencyTests {
    /// Commands per writer; `LOGBOOK_CONCURRENCY_COMMANDS=5000 swift test --filter ConcurrencyTests` for a long run.
    static let perWorker = Int(ProcessInfo.processInfo.environment["LOGBOOK_CONCURRENCY_COMMANDS"] ?? "") ?? 500

    @Test("8 writer processes x 500 'run log' commands and 4 reader processes querying in a loop: every write succeeds with the default lock timeout, all 4,000 results are there, no read fails")
    func concurrentWriters() throws {
        let workers = 8, readers = 4, perWorker = Self.perWorker
        let s = CLISession(now: nil) // the wall clock, clamped to the newest event
        s.ok("init")
        s.ok("experiment", "create", "load")
        s.ok("run", "start", "--experiment", "load", "--id", "r1")
        let failures = Counter(), reads = Counter(), writersDone = Counter()
        let environment = s.environment // the default lock timeout
        // One thread each (not concurrentPerform, which on 2 cores would run the readers only after the writers).
        let finished = DispatchSemaphore(value: 0)
        @Sendable func task(_ w: Int) {
            if w >= workers {
                // A reader: queries in a loop until every writer is done; it never waits for the lock, never fails.
                var seen = 0
                while writersDone.value < workers {
                    let args = w % 2 == 0 ? ["run", "history", "r1", "--metric", "w0", "--json"] : ["stats", "--json"]
                    let r = CLISession.run(args, environment: environment, scratch: s.directory)
                    _ = reads.next()
                    if r.status == 3 && seen == 0 && r.stderr.contains("has no metric 'w0'") {
                        continue // before writer 0's first point: a clear not-found, as it should be
                    } else if r.status != 0 {
                        _ = failures.next()
                        Issue.record("reader \(w): \(r)")
                    } else if w % 2 == 0 {
                        // What a reader sees only grows.
                        let count = (r.json["points"] as? [Any])?.count ?? 0
                        #expect(count >= seen, "reader \(w) saw \(count) points after \(seen)")
                        seen = count
                    }
                }
                return
            }
            for i in 0..<perWorker {
                let r = CLISession.run(["run", "log", "r1", "--metric", "w\(w)=\(i)@\(i)"], environment: environment,
                                       scratch: s.directory)
                if r.status != 0 {
                    _ = failures.next()
                    Issue.record("worker \(w) command \(i): \(r)")
                }
            }
            _ = writersDone.next()
        }
        for w in 0..<(workers + readers) {
            Thread { task(w); finished.signal() }.start()
        }
        for _ in 0..<(workers + readers) { finished.wait() }
        #expect(failures.value == 0, "every command succeeded")
        #expect(reads.value >= readers, "the readers ran")
        for w in 0..<workers {
            let points = s.ok("run", "history", "r1", "--metric", "w\(w)", "--json").json["points"] as? [[String: Any]] ?? []
            #expect(points.count == perWorker)
            #expect(Set(points.compactMap { number($0["step"]) }) == Set((0..<perWorker).map(Double.init)))
            #expect(points.allSatisfy { number($0["step"]) == number($0["value"]) })
        }
        let stats = s.ok("stats", "--json").json
        #expect(number(stats["events"]) == Double(2 + workers * perWorker))
        s.ok("check")
        // Timestamps never decrease.
        let times = s.ok("export").jsonLines.compactMap { $0["time"] as? String }
        #expect(times == times.sorted())
    }
}
