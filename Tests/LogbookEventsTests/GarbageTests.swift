import LogbookEvents
import LogbookTestSupport
import Testing

/// `[version 1][actor ""][no reason]` followed by `fields`.
func payloadV1(_ fields: [UInt8]) -> [UInt8] { [1, 0, 0] + fields }

/// Every cut point of a payload up to 1,000 bytes; 1,000 random ones (with the first and last 100) of a longer one.
func cuts(_ count: Int, _ g: inout SeededGenerator) -> [Int] {
    guard count > 1000 else { return Array(0..<count) }
    return Array(0..<100) + Array((count - 100)..<count) + (0..<800).map { _ in Int(g.next() % UInt64(count)) }
}

func isTruncated(_ e: CodecError) -> Bool {
    if case .truncated = e { return true }
    return false
}

func isInvalidValue(_ e: CodecError, at offset: Int) -> Bool {
    if case .invalidValue(let at, _) = e { return at == offset }
    return false
}

@Suite("Codec on damaged and hostile bytes")
struct GarbageTests {
    @Test("every proper prefix of every golden payload, and of random payloads, throws .truncated")
    func truncations() {
        var random = RandomEvents(seed: 7)
        var g = SeededGenerator(seed: 7)
        let entries = GoldenSamples.all + (0..<300).map { random.entry(case: $0 % RandomEvents.caseCount) }
        for entry in entries {
            let payload = entry.payload
            for cut in cuts(payload.count, &g) {
                switch decodeResult(tag: entry.tag, Array(payload.prefix(cut))) {
                case .success:
                    Issue.record("\(entry.typeName) cut at \(cut) of \(payload.count) decoded")
                    return
                case .failure(let error):
                    if !isTruncated(error) {
                        Issue.record("\(entry.typeName) cut at \(cut): \(error), expected truncated")
                        return
                    }
                }
            }
        }
    }

    @Test("10,000 random byte strings and 10,000 mutated golden payloads per tag decode or throw, never trap; what decodes re-encodes to the same bytes")
    func randomBytes() {
        var g = SeededGenerator(seed: 0xBAD_B17E5)
        var decodedCount = 0
        for sample in GoldenSamples.all {
            let tag = sample.tag
            let versions = EventCodec.readableVersions(ofTag: tag)
            let golden = sample.payload
            for i in 0..<20_000 {
                var bytes: [UInt8]
                if i < 10_000 {
                    bytes = g.bytes(Int(g.next() % 48))
                    // Most start with a readable version, so the field decoders are reached.
                    if !bytes.isEmpty && g.next() % 4 != 0 { bytes[0] = versions[Int(g.next() % UInt64(versions.count))] }
                } else {
                    bytes = golden
                    for _ in 0...(g.next() % 4) {
                        let at = Int(g.next() % UInt64(bytes.count + 1))
                        switch g.next() % 3 {
                        case 0 where at < bytes.count: bytes[at] = UInt8(truncatingIfNeeded: g.next())
                        case 1 where at < bytes.count: bytes.remove(at: at)
                        default: bytes.insert(UInt8(truncatingIfNeeded: g.next()), at: at)
                        }
                    }
                }
                if case .success(let entry) = decodeResult(tag: tag, bytes) {
                    decodedCount += 1
                    if bytes.first == EventCodec.currentVersion(ofTag: tag) && entry.payload != bytes {
                        Issue.record("tag \(tag): decoded bytes do not re-encode the same:\n\(hex(bytes))\n\(hex(entry.payload))")
                        return
                    }
                }
            }
        }
        #expect(decodedCount > 1000, "the mutations reach valid payloads too (\(decodedCount))")
    }

    @Test("an unknown tag throws .unknownType with that tag")
    func unknownTags() {
        let known = Set(EventCodec.allTags)
        let payload = GoldenSamples.all[0].payload
        for tag in UInt16.min...UInt16.max where !known.contains(tag) {
            guard case .failure(.unknownType(tag)) = decodeResult(tag: tag, payload) else {
                Issue.record("tag \(tag) did not throw unknownType")
                return
            }
        }
        #expect(CodecError.unknownType(57).description
            == "Unknown event type 57 (written by a newer Logbook?); upgrade to read this store")
    }

    @Test("a version byte that is not readable throws .unsupportedVersion, for every tag")
    func unknownVersions() {
        for sample in GoldenSamples.all {
            let readable = EventCodec.readableVersions(ofTag: sample.tag)
            for version in UInt8.min...UInt8.max where !readable.contains(version) {
                var bytes = sample.payload
                bytes[0] = version
                guard case .failure(.unsupportedVersion(type: sample.tag, version: version)) = decodeResult(tag: sample.tag, bytes)
                else {
                    Issue.record("\(sample.typeName) v\(version) did not throw unsupportedVersion")
                    return
                }
            }
            // Also with nothing after the version byte: the version is checked first.
            #expect(decodeResult(tag: sample.tag, [200]) == .failure(.unsupportedVersion(type: sample.tag, version: 200)))
        }
    }

    @Test("invalid UTF-8 in the actor, the reason, a field or a metric key throws .invalidUTF8 at its offset")
    func invalidUTF8() {
        // experiment.renamed: [1][actor][reason?][id][name]
        #expect(decodeResult(tag: 2, [1, 2, 0xC3, 0x28, 0, 1, 0]) == .failure(.invalidUTF8(at: 2)))
        #expect(decodeResult(tag: 2, [1, 1, 0x61, 1, 3, 0x61, 0xED, 0xA0, 0x80, 1, 0]) == .failure(.invalidUTF8(at: 6)))
        #expect(decodeResult(tag: 2, payloadV1([1, 4, 0x61, 0x62, 0xE2, 0x82])) == .failure(.invalidUTF8(at: 7)))
        #expect(decodeResult(tag: 2, payloadV1([1, 2, 0xC0, 0xAF])) == .failure(.invalidUTF8(at: 5)))
        #expect(decodeResult(tag: 2, payloadV1([1, 4, 0xF4, 0x90, 0x80, 0x80])) == .failure(.invalidUTF8(at: 5)))
        #expect(decodeResult(tag: 2, payloadV1([1, 1, 0xFF])) == .failure(.invalidUTF8(at: 5)))
        // metrics.logged: [run 1][1 series][key "\x80"][0 points]
        let metrics = payloadV1([1, 1, 1, 0x80, 0])
        #expect(decodeResult(tag: 7, metrics) == .failure(.invalidUTF8(at: 6)))
        #expect(streamMetrics(metrics).failure == .invalidUTF8(at: 6))
        #expect(CodecError.invalidUTF8(at: 6).description == "Event payload has invalid UTF-8 at byte 6")
    }

    @Test("the UTF-8 check agrees with the standard library on 20,000 random byte strings")
    func utf8AgreesWithStandardLibrary() {
        var g = SeededGenerator(seed: 0x07F8)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                    0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var valid = 0
        for _ in 0..<20_000 {
            let n = Int(g.next() % 10)
            let bytes: [UInt8] = (0..<n).map { _ in
                g.next() % 3 == 0 ? UInt8(truncatingIfNeeded: g.next()) : interesting[Int(g.next() % UInt64(interesting.count))]
            }
            let expectedValid = String(validating: bytes, as: UTF8.self) != nil
            switch decodeResult(tag: 2, payloadV1([1, UInt8(n)] + bytes)) {
            case .success(let entry):
                valid += 1
                guard expectedValid, case .experimentRenamed(_, let name) = entry.event, Array(name.utf8) == bytes else {
                    Issue.record("accepted \(hex(bytes))")
                    return
                }
            case .failure(.invalidUTF8(let at)):
                // Everything before the reported byte is valid, and the sequence there is not.
                let bad = at - 5
                guard !expectedValid, bad >= 0, bad < n, String(validating: bytes[..<bad], as: UTF8.self) != nil else {
                    Issue.record("rejected \(hex(bytes)) at \(at)")
                    return
                }
            case .failure(let other):
                Issue.record("\(hex(bytes)): \(other)")
                return
            }
        }
        #expect(valid > 1000)
    }

    @Test("a trailing byte after the last field throws .invalidValue at its offset")
    func trailingBytes() {
        for sample in GoldenSamples.all + [GoldenSamples.modelCreatedV1Upcast] {
            let payload = sample.payload
            for extra in [[0x00], [0x01, 0x02]] as [[UInt8]] {
                guard case .failure(let e) = decodeResult(tag: sample.tag, payload + extra),
                      isInvalidValue(e, at: payload.count) else {
                    Issue.record("\(sample.typeName) + \(extra) did not throw invalidValue at \(payload.count)")
                    continue
                }
            }
        }
        let s = GoldenSamples.modelCreatedV1
        let v1 = GoldenSamples.modelCreatedV1Payload(actor: s.actor, reason: s.reason, model: s.model, name: s.name,
                                                     description: nil)
        #expect(decodeResult(tag: 32, v1 + [0]).failure.map { isInvalidValue($0, at: v1.count) } == true)
        #expect(CodecError.invalidValue(at: 9, "1 trailing byte after the last field").description
            == "Event payload has an invalid value at byte 9: 1 trailing byte after the last field")
    }

    @Test("bad presence bytes, enum raw values, flag bits and varints throw .invalidValue at their offset")
    func invalidValues() {
        // reason presence byte 2
        #expect(decodeResult(tag: 3, [1, 0, 2, 1]) == .failure(.invalidValue(at: 2, "presence byte must be 0 or 1, found 2")))
        // run.ended with status 4
        #expect(decodeResult(tag: 12, payloadV1([7, 4])) == .failure(.invalidValue(at: 4, "run status 4 is out of range")))
        // stage.changed with to = 9
        #expect(decodeResult(tag: 37, payloadV1([1, 1, 0, 9, 0])) == .failure(.invalidValue(at: 6, "stage 9 is out of range")))
        // model.created with risk tier 4; model.updated with validation 4
        #expect(decodeResult(tag: 32, [2, 0, 0, 1, 0, 0, 0, 0, 4]) == .failure(.invalidValue(at: 8, "risk tier 4 is out of range")))
        #expect(decodeResult(tag: 33, payloadV1([1, 0, 0, 0, 0, 1, 4]))
            == .failure(.invalidValue(at: 9, "validation status 4 is out of range")))
        // promotion.evaluated with decision 3
        #expect(decodeResult(tag: 41, payloadV1([1, 1, 0, 0, 0, 0, 0, 3, 0]))
            == .failure(.invalidValue(at: 10, "promotion decision 3 is out of range")))
        // policy.set with flag bit 3
        #expect(decodeResult(tag: 40, payloadV1([1, 0, 0x08, 0, 0, 0])) == .failure(.invalidValue(at: 5, "unknown flag bits 0x8")))
        // a varint of more than 64 bits, in 10 and in 11 bytes
        let ten: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x02]
        #expect(decodeResult(tag: 3, payloadV1(ten)) == .failure(.invalidValue(at: 3, "varint overflows 64 bits")))
        let eleven: [UInt8] = Array(repeating: 0x80, count: 10) + [0x01]
        #expect(decodeResult(tag: 3, payloadV1(eleven)) == .failure(.invalidValue(at: 3, "varint overflows 64 bits")))
        // the largest varint is fine: UInt64.max as toSequence
        let maxVarint: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x01]
        #expect(decodeResult(tag: 44, payloadV1([1, 0, 1] + maxVarint))
            == .success(Entry("", nil, .rollbackPerformed(model: 1, toTime: nil, toSequence: .max))))
        // a varint not in its shortest form
        #expect(decodeResult(tag: 3, payloadV1([0x81, 0x00])) == .failure(.invalidValue(at: 3, "varint is not in its shortest form")))
        #expect(decodeResult(tag: 3, payloadV1([0x80, 0x80, 0x00])).failure.map { isInvalidValue($0, at: 3) } == true)
    }

    @Test("a huge count or length is truncation, checked before anything is allocated")
    func hugeCounts() {
        let huge: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x01] // UInt64.max
        // tags.deleted with UInt64.max keys
        #expect(decodeResult(tag: 9, payloadV1([1] + huge)) == .failure(.truncated(at: 14, needed: Int.max)))
        // experiment.renamed with a name of 2^62 bytes
        let big: [UInt8] = Array(repeating: 0x80, count: 8) + [0x40]
        #expect(decodeResult(tag: 2, payloadV1([1] + big)) == .failure(.truncated(at: 13, needed: 1 << 62)))
        // metrics.logged: 1,000 points claimed, 20 bytes left
        let metrics = payloadV1([1, 1, 1, 0x6B, 0xE8, 0x07] + Array(repeating: 0, count: 20))
        #expect(decodeResult(tag: 7, metrics) == .failure(.truncated(at: 9, needed: 10_000)))
        #expect(streamMetrics(metrics).failure == .truncated(at: 9, needed: 10_000))
    }

    @Test("error descriptions are stable")
    func descriptions() {
        #expect(CodecError.truncated(at: 12, needed: 8).description == "Event payload is truncated: the field at byte 12 needs 8 bytes")
        #expect(CodecError.truncated(at: 0, needed: 1).description == "Event payload is truncated: the field at byte 0 needs 1 byte")
        #expect(CodecError.unsupportedVersion(type: 32, version: 3).description
            == "Event type 32 (model.created) has schema version 3, which this Logbook cannot read (written by a newer Logbook?); upgrade to read this store")
        #expect(CodecError.unsupportedVersion(type: 7, version: 0).description
            == "Event type 7 (metrics.logged) has schema version 0, which no Logbook writes (damaged record?)")
        #expect(CodecError.invalidValue(at: 4, "presence byte must be 0 or 1, found 7").description
            == "Event payload has an invalid value at byte 4: presence byte must be 0 or 1, found 7")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}

extension Entry: Equatable {
    static func == (a: Entry, b: Entry) -> Bool { a.isIdentical(to: b) }
}
