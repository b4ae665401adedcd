import Foundation
import LogbookEvents
import LogbookTestSupport
import Testing

/// Checks, returning the actor's UTF-8 bytes or the error.
func checkResult(tag: UInt16, _ payload: [UInt8]) -> Result<[UInt8], CodecError> {
    payload.withUnsafeBytes { b in
        Result { () throws(CodecError) in Array(try EventCodec.check(tag: tag, payload: b).utf8) }
    }
}

@Suite("Checking a payload without decoding it (replay keeps big A/B and monitoring events undecoded)")
struct CheckTests {
    /// The tags that `check` walks in place rather than decodes.
    static let walked: Set<UInt16> = [EventCodec.abUnitsAssignedTag, EventCodec.abOutcomesRecordedTag,
                                      EventCodec.predictionsLoggedTag]
    /// Mutations of each walked payload (a tenth of that for others): `LOGBOOK_CHECK_MUTATIONS` for a long run.
    static let mutations = Int(ProcessInfo.processInfo.environment["LOGBOOK_CHECK_MUTATIONS"] ?? "") ?? 400

    @Test("check throws exactly when decode throws, with the same error, and otherwise returns the same actor: every cut and 400 mutations of each A/B units, outcomes or predictions payload (40 of others)")
    func agreesWithDecode() {
        var random = RandomEvents(seed: 0xC4EC)
        var g = SeededGenerator(seed: 0xC4EC)
        var entries = GoldenSamples.all + (0..<RandomEvents.caseCount * 4).map { random.entry(case: $0 % RandomEvents.caseCount) }
        // More of the walked types, which hold lists: long ones and odd strings.
        while entries.filter({ Self.walked.contains($0.tag) }).count < 300 {
            let e = random.entry(case: random.below(RandomEvents.caseCount))
            if Self.walked.contains(e.tag) { entries.append(e) }
        }
        var compared = 0, accepted = 0, walked = 0
        func compare(_ tag: UInt16, _ bytes: [UInt8]) -> Bool {
            let decoded = decodeResult(tag: tag, bytes).map { Array($0.actor.utf8) }
            let checked = checkResult(tag: tag, bytes)
            compared += 1
            if case .success = checked { accepted += 1 }
            guard decoded == checked else {
                Issue.record("tag \(tag): decode gives \(decoded), check gives \(checked) for\n\(hex(bytes))")
                return false
            }
            return true
        }
        for entry in entries {
            let golden = entry.payload
            let tries = Self.walked.contains(entry.tag) ? Self.mutations : Self.mutations / 10
            if Self.walked.contains(entry.tag) { walked += 1 }
            for cut in cuts(golden.count, &g) where !compare(entry.tag, Array(golden.prefix(cut))) { return }
            for _ in 0..<tries {
                var bytes = golden
                for _ in 0...(g.next() % 3) {
                    let at = Int(g.next() % UInt64(bytes.count + 1))
                    switch g.next() % 4 {
                    case 0 where at < bytes.count: bytes[at] = UInt8(truncatingIfNeeded: g.next())
                    case 1 where at < bytes.count: bytes[at] ^= 1 << UInt8(g.next() % 8)
                    case 2 where at < bytes.count: bytes.remove(at: at)
                    default: bytes.insert(UInt8(truncatingIfNeeded: g.next()), at: at)
                    }
                }
                if !compare(entry.tag, bytes) { return }
            }
            if !compare(entry.tag, golden) { return }
        }
        // Other tags, unknown ones and unreadable versions too.
        #expect(compare(200, GoldenSamples.all[0].payload))
        #expect(compare(EventCodec.predictionsLoggedTag, [7]))
        #expect(compare(EventCodec.abUnitsAssignedTag, []))
        #expect(walked >= 300)
        #expect(accepted > compared / 20, "the mutations reach payloads that check out too (\(accepted) of \(compared))")
    }

    @Test("decodeChecked gives what decode gives")
    func decodeChecked() {
        var random = RandomEvents(seed: 0xDEC)
        for i in 0..<RandomEvents.caseCount * 5 {
            let entry = random.entry(case: i % RandomEvents.caseCount)
            let payload = entry.payload
            #expect(checkResult(tag: entry.tag, payload) == .success(Array(entry.actor.utf8)))
            #expect(Entry(entry.actor, entry.reason, EventCodec.decodeChecked(tag: entry.tag, payload: payload)).isIdentical(to: entry))
        }
    }
}
