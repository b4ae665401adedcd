import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

/// State version 6: a set of units with outcomes is written as a bitmap over the test's assigned units when that is
/// smaller than its list of unit hashes.
@Suite("A/B units with outcomes as bitmaps (state version 6)")
struct OutcomeBitmapTests {
    /// One A/B test with 203 assigned units (so the bitmap has 3 padding bits), outcomes of the primary metric for
    /// u0...u99 (a bitmap: 26 bytes against 800) and of a guardrail for u0...u2 (a list: 24 bytes against 26).
    static func store() throws -> TestStore {
        let t = try TestStore.withRun(modelVersions: 2)
        try t.store.createABTest(name: "ab", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                                 ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                 metric: "c", guardrails: [ABGuardrail(metric: "latency", higherIsWorse: true)], t.ctx())
        try t.store.startABTest("ab", t.ctx())
        _ = try t.store.assign(test: "ab", units: (0..<203).map { "u\($0)" }, t.ctx())
        try t.store.recordOutcomes(test: "ab", (0..<100).map { ("u\($0)", Double($0 % 2), nil) }, t.ctx())
        try t.store.recordOutcomes(test: "ab", (0..<3).map { ("u\($0)", 20.0 + Double($0), "latency") }, t.ctx())
        return t
    }

    static func hash(_ test: ABTest, _ unit: Int) -> UInt64 { ABTest.unitHash(salt: test.salt, unit: "u\(unit)") }

    /// The bitmap the primary metric's outcomes are written as.
    static func bitmap(_ test: ABTest) throws -> [UInt8] {
        try #require(StateCodec.bitmap(of: test.outcomeUnits[0].sortedArrays().keys, over: test.assignments.sortedArrays().keys))
    }

    @Test("the primary metric's outcomes are a 26-byte bitmap, the sparse guardrail's a list; the state decodes equal, holding the same units")
    func written() throws {
        let t = try Self.store()
        let s = try fullReplay(t)
        let v6 = StateCodec.encode(s), v5 = StateCodec.encode(s, format: 5)
        // 800 bytes of hashes become 26 of bitmap; each set gains a kind byte.
        #expect(v5.count - v6.count == 800 - 26 - 2)
        #expect(v6.firstRange(of: try Self.bitmap(s.abTests[0])) != nil)
        let decoded = try StateCodec.decode(v6)
        #expect(decoded == s)
        #expect(StateCodec.encode(decoded) == v6)
        let test = decoded.abTests[0]
        #expect(test.outcomeUnits[0].count == 100 && test.outcomeUnits[1].count == 3)
        for u in 0..<210 {
            #expect(test.outcomeUnits[0].contains(Self.hash(test, u)) == (u < 100), "u\(u)")
            #expect(test.outcomeUnits[1].contains(Self.hash(test, u)) == (u < 3), "u\(u)")
        }
        let hashes = (0..<210).map { Self.hash(test, $0) }
        let found = test.outcomeUnits[0].values(of: hashes, order: KeyOrder.ascending(hashes))
        #expect(found.map { $0 != nil } == (0..<210).map { $0 < 100 })
        // The older layout still reads, equal.
        #expect(try StateCodec.decode(v5) == s)
    }

    @Test("a store reopened from a version-6 snapshot assigns and records outcomes as a replay of the log does")
    func changedAfterReopen() throws {
        let t = try Self.store()
        try t.store.writeSnapshot()
        try t.reopen()
        #expect(t.store.state.abTests[0].outcomeUnits[0].count == 100)
        // A unit whose outcome the bitmap holds is refused a second one; the others are not.
        #expect(throws: LogbookError.self) { try t.store.recordOutcomes(test: "ab", [("u95", 1.0, nil)], t.ctx()) }
        // The same for the guardrail's list; a unit twice in one call, or not assigned, is refused; nothing appended.
        let before = t.store.state.lastSequence
        for refused in [[("u1", 9.0, "latency")], [("u150", 1.0, nil), ("u150", 0.0, nil)], [("u150", 1.0, nil), ("u300", 1.0, nil)]] {
            #expect(throws: LogbookError.self) { try t.store.recordOutcomes(test: "ab", refused, t.ctx()) }
        }
        #expect(t.store.state.lastSequence == before)
        try t.store.recordOutcomes(test: "ab", [("u151", 1.0, nil), ("u151", 5.0, "latency"), ("u3", 7.0, "latency")], t.ctx())
        // A unit assigned before keeps its variant, found among the snapshot's assignments.
        let variants = try t.store.assign(test: "ab", units: ["u7", "u300", "u7"], t.ctx())
        let test = t.store.state.abTests[0]
        #expect(variants[0] == variants[2])
        #expect(variants[0] == test.variants[try #require(test.assignedVariant(ofUnit: "u7"))].name)
        try t.store.recordOutcomes(test: "ab", (100..<150).map { ("u\($0)", 1.0, nil) }, t.ctx())
        _ = try t.store.assign(test: "ab", units: (203..<260).map { "u\($0)" }, t.ctx())
        try t.store.recordOutcomes(test: "ab", (200..<260).map { ("u\($0)", 0.0, nil) }, t.ctx())
        let replayed = try fullReplay(t)
        #expect(t.store.state == replayed)
        #expect(StateCodec.encode(t.store.state) == StateCodec.encode(replayed))
        #expect(t.store.state.abTests[0].outcomeUnits[0].count == 211)
        _ = try t.store.check()
    }

    @Test("a state read from a version-5 snapshot is written as version 6: its unread A/B part is encoded again, not copied")
    func olderPartNotCopied() throws {
        let t = try Self.store()
        let s = try fullReplay(t)
        let fromV5 = try StateCodec.decode(StateCodec.encode(s, format: 5))
        #expect(fromV5.abPart.isDecoded == false)
        #expect(StateCodec.encode(fromV5) == StateCodec.encode(s))
        // A current part that was not read is copied as it is.
        let fromV6 = try StateCodec.decode(StateCodec.encode(s))
        #expect(fromV6.abPart.unchangedBytes != nil && fromV5.abPart.unchangedBytes == nil)
        #expect(StateCodec.encode(fromV6) == StateCodec.encode(s))
    }

    @Test("a bitmap with a bit set too many, a padding bit set, or a count its bits do not make, or an unknown kind, fails the A/B part")
    func damaged() throws {
        let t = try Self.store()
        let s = try fullReplay(t)
        let sound = StateCodec.encode(s)
        let bits = try Self.bitmap(s.abTests[0])
        let at = try #require(sound.firstRange(of: bits)).lowerBound
        #expect(sound[at - 1] == 100 && sound[at - 2] == 1) // the kind byte, then the count
        // A unit without an outcome.
        let clear = try #require((0..<203).first { bits[$0 >> 3] & (1 << UInt8($0 & 7)) == 0 })
        var extraBit = sound, paddingBit = sound, tooMany = sound, fewer = sound, kind = sound
        extraBit[at + (clear >> 3)] |= 1 << UInt8(clear & 7)
        paddingBit[at + bits.count - 1] |= 0x80 // 203 units: bits 3...7 of the last byte are padding
        tooMany[at - 1] = 0x7F // 127 set bits claimed
        fewer[at - 1] = 99
        kind[at - 2] = 2
        for (name, payload) in [("an extra bit", extraBit), ("a padding bit", paddingBit), ("a count of 127", tooMany),
                                ("a count of 99", fewer), ("kind 2", kind)] {
            var bytes = payload
            StateCodec.fixChecksums(&bytes)
            let state = try StateCodec.decode(bytes)
            // The part fails its decoding when read; with no log to rebuild it from, it reads as empty.
            #expect(state.abTests.isEmpty, "\(name)")
            #expect(state.runs.count == 1, "\(name)")
        }
        var sane = sound
        StateCodec.fixChecksums(&sane)
        #expect(try StateCodec.decode(sane).abTests.count == 1)
    }

    /// The fuzzer's seed of a current payload with packed runs and a bitmap (the older seeds are version 3).
    static let fuzzSeed: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/LogbookTests/OutcomeBitmapTests.swift
        return parts.joined(separator: "/") + "/Fixtures/fuzz/snapshot/v6-runs-ab-bitmap.state"
    }()

    @Test("the fuzzer's version-6 seed reads: runs read in place as decoded, a bitmap (LOGBOOK_RECORD_FIXTURES=1 writes it again)")
    func seed() throws {
        if ProcessInfo.processInfo.environment["LOGBOOK_RECORD_FIXTURES"] == "1" {
            let t = try Self.store()
            for r in 1...3 {
                _ = try t.store.startRun(experiment: "e", id: "r\(r)", parent: r == 2 ? "r1" : nil, t.ctx())
                try t.store.logToRun("r\(r)", params: [KeyValue("lr", "0.\(r)"), KeyValue("caf\u{E9}", "x")],
                                     metrics: [series("acc", [0.5, Double(r) / 4])], tags: [KeyValue("team", "t\(r)")], t.ctx())
            }
            try t.store.endRun("r1", t.ctx())
            try t.store.deleteRun("r3", t.ctx())
            try Data(StateCodec.encode(try fullReplay(t))).write(to: URL(fileURLWithPath: Self.fuzzSeed))
        }
        let bytes = readFile(Self.fuzzSeed)
        #expect(bytes.first == StateCodec.version)
        let s = try StateCodec.decode(bytes)
        #expect(s.runs.count == 4 && s.runs.decodedRuns == 0)
        #expect(s.runs.skimMismatch(in: s) == nil)
        #expect(s.abTests.count == 1 && s.abTests[0].outcomeUnits[0].count == 100)
        #expect(StateCodec.encode(s) == bytes)
    }

    @Test("a bitmap's count beyond the assigned units, or bytes that end before the bitmap does, are refused")
    func bitmapBounds() throws {
        // Three assigned units (u64 hashes), then a set: the count varint and a one-byte bitmap.
        let keys: [UInt8] = (1...3).flatMap { k in (0..<8).map { UInt8(truncatingIfNeeded: UInt64(k) >> (8 * $0)) } }
        func read(_ set: [UInt8]) -> CodecError? {
            let region = ByteRegion(copying: keys + set)
            let assigned = UnitMap.Packed(region: region, keys: 0, count: 3, hasValues: false)
            var r = BinaryReader(UnsafeRawBufferPointer(rebasing: region.bytes[24...]))
            do {
                let map = UnitMap(packed: try StateCodec.bitmapUnits(&r, over: assigned, region, r.base))
                return map.count == 2 && map.contains(1) && !map.contains(2) && map.contains(3) ? nil : .truncated(at: -1, needed: 0)
            } catch { return error }
        }
        #expect(read([2, 0b101]) == nil)
        #expect(read([4, 0b111]).map { "\($0)".contains("4 units with outcomes of 3 assigned") } == true)
        guard case .truncated? = read([2]) else { Issue.record("a bitmap cut short is not refused as truncated"); return }
    }

    @Test("the bitmap of a set over the assigned units: one bit per assigned unit, none when a unit of the set is not assigned")
    func bitmapOf() {
        #expect(StateCodec.bitmap(of: [], over: []) == [])
        #expect(StateCodec.bitmap(of: [], over: [1, 2, 3]) == [0])
        #expect(StateCodec.bitmap(of: [2, 9], over: [1, 2, 3, 5, 7, 8, 9, 10, 11]) == [0b0100_0010, 0])
        #expect(StateCodec.bitmap(of: [4], over: [1, 2, 3]) == nil)
        #expect(StateCodec.bitmap(of: [0], over: [1, 2, 3]) == nil)
        #expect(StateCodec.bitmap(of: [1, 2, 3], over: [1, 2, 3]) == [0b0000_0111])
    }
}
