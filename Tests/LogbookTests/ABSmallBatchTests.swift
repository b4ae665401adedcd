@testable import Logbook
import LogbookEvents
import LogbookTestSupport
import Testing

@Suite("A/B events of a few units (applied one by one) and of many (merged as a batch) make the same test")
struct ABSmallBatchTests {
    static func makeTest() -> ABTest {
        var t = ABTest(ordinal: 1, name: "t", model: 1,
                       variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 3000),
                                  ABVariant(name: "b", version: 2, weightBasisPoints: 3000),
                                  ABVariant(name: "c", version: 3, weightBasisPoints: 4000)],
                       metric: "revenue", continuous: true,
                       guardrails: [ABGuardrail(metric: "latency", higherIsWorse: true)], minimumSample: 10,
                       alpha: 0.05, salt: "salt-1", sequential: false, createdTime: 0)
        t.status = .running
        return t
    }

    @Test("units and outcomes cut into events of 1, 3, 8, 9, 64, 65 and 600 give one test, bit for bit: repeats, unassigned units, variants and metrics out of range included")
    func cutsAgree() {
        var g = SeededGenerator(seed: 0xAB5)
        let units = (0..<600).map { _ in "u\(g.next() % 400)" }
        let variants = units.map { _ in Int(g.next() % 4) } // 3 is out of range
        let outcomes = (0..<700).map { _ in
            ABOutcome(unit: "u\(g.next() % 450)", metric: Int(g.next() % 3), // 2 is out of range
                      value: Double(g.next() % 10_000) / 7)
        }
        func cut<T>(_ items: [T], _ size: Int) -> [[T]] {
            stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min($0 + size, items.count)]) }
        }
        var reference: ABTest?
        for size in [600, 1, 3, 8, 9, 64, 65] {
            var t = Self.makeTest()
            for (u, v) in zip(cut(units, size), cut(variants, size)) { t.assign(units: u, variants: v) }
            for o in cut(outcomes, size) { t.record(o) }
            guard let r = reference else {
                #expect(t.units.reduce(0, +) > 200 && t.outcomeUnits.map(\.count).reduce(0, +) > 200)
                reference = t
                continue
            }
            #expect(t == r, "events of \(size)")
            #expect(t.tallies.flatMap { $0.map { $0.summary.mean?.bitPattern } } == r.tallies.flatMap { $0.map { $0.summary.mean?.bitPattern } })
        }
    }
}
