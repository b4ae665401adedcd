import Foundation
import LogbookTestSupport
import Testing

@Suite("End to end: concurrent writers")
struct ConcurrencyTests {
    @Test("5 processes x 200 'run log' commands each on one store: all succeed, all 1000 results are there")
    func concurrentWriters() throws {
        let workers = 5, perWorker = 200
        let s = CLISession(now: nil) // the wall clock, clamped to the newest event
        s.ok("init")
        s.ok("experiment", "create", "load")
        s.ok("run", "start", "--experiment", "load", "--id", "r1")
        let failures = Counter()
        let environment = s.environment // the default lock timeout
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in 0..<perWorker {
                let r = CLISession.run(["run", "log", "r1", "--metric", "w\(w)=\(i)@\(i)"], environment: environment,
                                       scratch: s.directory)
                if r.status != 0 {
                    _ = failures.next()
                    Issue.record("worker \(w) command \(i): \(r)")
                }
            }
        }
        #expect(failures.next() == 1, "every command succeeded")
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
