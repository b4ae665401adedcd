import LogbookEvents
import LogbookTestSupport
import Testing

/// What `decode` yields for a metrics payload, flattened like the streaming walk.
func decodedPoints(_ payload: [UInt8]) -> Result<[(run: Int, key: String, point: MetricPoint)], CodecError> {
    decodeResult(tag: 7, payload).map { entry in
        guard case .metricsLogged(let run, let series) = entry.event else { fatalError("not metrics") }
        return series.flatMap { s in s.points.map { (run, s.key, $0) } }
    }
}

func samePoints(_ a: [(run: Int, key: String, point: MetricPoint)], _ b: [(run: Int, key: String, point: MetricPoint)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        x.run == y.run && Array(x.key.utf8) == Array(y.key.utf8) && x.point == y.point
    }
}

struct Stop: Error {}

@Suite("Streaming metric decode")
struct MetricsStreamingTests {
    @Test("forEachMetricPoint yields exactly the points decode yields, for 1,000 random metrics events")
    func matchesDecode() throws {
        var random = RandomEvents(seed: 0x3E7)
        var total = 0
        for _ in 0..<1000 {
            let entry = Entry(random.string(), random.optional { $0.string() }, random.metricsLogged())
            let payload = entry.payload
            let streamed = try streamMetrics(payload).get()
            let decoded = try decodedPoints(payload).get()
            total += streamed.count
            guard samePoints(streamed, decoded) else {
                Issue.record("streamed points differ from decoded ones for \(entry)")
                return
            }
            let run = try payload.withUnsafeBytes { b in try EventCodec.forEachMetricPoint(payload: b) { _, _, _ in } }
            guard case .metricsLogged(let expectedRun, let series) = entry.event else { return }
            #expect(run == expectedRun)
            let view = try payload.withUnsafeBytes { try MetricsPayloadView(payload: $0) }
            #expect(view.run == expectedRun && view.seriesCount == series.count)
        }
        #expect(total > 10_000)
    }

    @Test("the key buffer is the payload's own bytes, the same for every point of a series")
    func keysAreBorrowed() throws {
        let payload = GoldenSamples.all[6].payload
        try payload.withUnsafeBytes { b in
            var keys: [(UnsafeRawPointer?, Int)] = []
            try EventCodec.forEachMetricPoint(payload: b) { _, key, _ in
                keys.append((key.baseAddress, key.count))
                #expect(key.baseAddress! >= b.baseAddress! && key.baseAddress! + key.count <= b.baseAddress! + b.count)
            }
            #expect(keys.count == 5)
            #expect(keys[0] == keys[1] && keys[1] == keys[2] && keys[3] == keys[4] && keys[2] != keys[3])
        }
    }

    @Test("on truncated and damaged payloads it throws what decode throws, never traps")
    func damagedPayloads() {
        var random = RandomEvents(seed: 0xDA)
        var g = SeededGenerator(seed: 0xDA)
        for n in 0..<300 {
            let payload = n == 0 ? GoldenSamples.all[6].payload : Entry(random.string(), nil, random.metricsLogged()).payload
            for cut in cuts(payload.count, &g) {
                let prefix = Array(payload.prefix(cut))
                guard let e = streamMetrics(prefix).failure, isTruncated(e), e == decodeResult(tag: 7, prefix).failure else {
                    Issue.record("cut at \(cut) of \(payload.count): \(streamMetrics(prefix).failure as Any)")
                    return
                }
            }
            for _ in 0..<50 {
                var bytes = payload
                let at = Int(g.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: g.next())
                if g.next() % 4 == 0 { bytes.append(0) }
                let streamed = streamMetrics(bytes)
                let decoded = decodedPoints(bytes)
                switch (streamed, decoded) {
                case (.success(let a), .success(let b)):
                    #expect(samePoints(a, b))
                case (.failure(let a), .failure(let b)):
                    #expect(a == b)
                default:
                    Issue.record("stream and decode disagree on \(hex(bytes)): \(streamed.failure as Any) vs \(decoded.failure as Any)")
                    return
                }
            }
        }
    }

    @Test("another version throws .unsupportedVersion; body's own error comes through and stops the walk")
    func versionsAndBodyErrors() throws {
        var payload = GoldenSamples.all[6].payload
        var calls = 0
        #expect(throws: Stop.self) {
            try payload.withUnsafeBytes { b in
                try EventCodec.forEachMetricPoint(payload: b) { _, _, _ in
                    calls += 1
                    if calls == 2 { throw Stop() }
                }
            }
        }
        #expect(calls == 2)
        payload[0] = 2
        #expect(streamMetrics(payload).failure == .unsupportedVersion(type: 7, version: 2))
        #expect(streamMetrics([]).failure == .truncated(at: 0, needed: 1))
    }
}
