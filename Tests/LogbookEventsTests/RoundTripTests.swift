import LogbookEvents
import LogbookTestSupport
import Testing

@Suite("Codec round trip")
struct RoundTripTests {
    @Test("2,700 seeded random events over all cases: encode, decode, identical (Doubles bit for bit)")
    func randomEventsRoundTrip() throws {
        var random = RandomEvents(seed: 0x10_6B00C)
        var tagsSeen: Set<UInt16> = []
        var buffer: [UInt8] = []
        for i in 0..<(100 * RandomEvents.caseCount) {
            let entry = random.entry(case: i % RandomEvents.caseCount)
            tagsSeen.insert(entry.tag)
            buffer.removeAll(keepingCapacity: true)
            EventCodec.encode(entry.event, actor: entry.actor, reason: entry.reason, into: &buffer)
            #expect(buffer.first == EventCodec.currentVersion(ofTag: entry.tag))
            switch decodeResult(tag: entry.tag, buffer) {
            case .success(let decoded):
                if !decoded.isIdentical(to: entry) {
                    Issue.record("event \(i) differs after a round trip:\n\(entry)\n\(decoded)")
                    return
                }
            case .failure(let error):
                Issue.record("event \(i) does not decode: \(error)\n\(entry)")
                return
            }
        }
        #expect(tagsSeen == Set(EventCodec.allTags), "the generator covers every case")
    }

    @Test("encode appends to what the buffer holds")
    func encodeAppends() throws {
        var buffer: [UInt8] = [0xAA, 0xBB]
        let sample = GoldenSamples.all[0]
        EventCodec.encode(sample.event, actor: sample.actor, reason: sample.reason, into: &buffer)
        #expect(Array(buffer.prefix(2)) == [0xAA, 0xBB])
        #expect(Array(buffer.dropFirst(2)) == sample.payload)
        let decoded = try buffer.withUnsafeBytes { b in
            try EventCodec.decode(tag: sample.tag, payload: UnsafeRawBufferPointer(rebasing: b[2...]))
        }
        #expect(Entry(decoded).isIdentical(to: sample))
    }

    @Test("special values keep their exact bits and extremes survive")
    func specialValues() throws {
        let nanPayload = Double(bitPattern: 0x7FF4_0000_0000_1234)
        let entries = [
            Entry("", "", .policySet(model: Int.max, policy: PromotionPolicy(
                metric: "", lowerIsBetter: true, minimum: nanPayload, improvementPercent: -0.0, maxLatencyMs: -.infinity,
                requiresApproval: false, separateApprover: true))),
            Entry("é\u{301}", nil, .rollbackPerformed(model: Int.min, toTime: Int64.min, toSequence: UInt64.max)),
            Entry("x", nil, .metricsLogged(run: 0, series: [MetricSeries(key: "k", points: [
                MetricPoint(step: Int64.max, value: -.nan, time: Int64.min),
                MetricPoint(step: Int64.min, value: Double(bitPattern: 1), time: Int64.max),
            ])])),
            Entry("x", nil, .artifactRecorded(run: -1, path: String(repeating: "日本", count: 10_000), size: Int64.min, sha256: "")),
        ]
        for entry in entries {
            let decoded = Entry(try EventCodec.decode(tag: entry.tag, payload: entry.payload))
            #expect(decoded.isIdentical(to: entry), "\(entry)")
        }
        // The checker itself sees a single changed NaN payload bit and a precomposed/decomposed difference.
        let a = Entry("x", nil, .policySet(model: 1, policy: PromotionPolicy(metric: "m", minimum: .nan)))
        let b = Entry("x", nil, .policySet(model: 1, policy: PromotionPolicy(metric: "m", minimum: nanPayload)))
        #expect(!a.isIdentical(to: b))
        #expect(!Entry("é", nil, .runDeleted(run: 1)).isIdentical(to: Entry("e\u{301}", nil, .runDeleted(run: 1))))
    }

    @Test("a metric series' steps and times are deltas: sequential points take 11 bytes each")
    func metricDeltas() {
        let points = (0..<100).map { MetricPoint(step: Int64($0), value: 1, time: 1_767_225_600_000 + Int64($0) * 1000) }
        let one = EventCodec.encode(.metricsLogged(run: 1, series: [MetricSeries(key: "k", points: Array(points.prefix(1)))]),
                                    actor: "a", reason: nil)
        let hundred = EventCodec.encode(.metricsLogged(run: 1, series: [MetricSeries(key: "k", points: points)]),
                                        actor: "a", reason: nil)
        // step delta 1 (1 byte) + time delta 1000 (zigzag 2000: 2 bytes) + value (8 bytes).
        #expect(hundred.count - one.count == 99 * 11)
    }
}
