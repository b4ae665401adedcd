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

    @Test("forEachSeriesLatest yields each series' latest point (greater step, then time, then value, NaN lowest; the earliest of equals), as a fold of decode's points does, and on damaged bytes throws what decode throws")
    func latestPerSeries() throws {
        var random = RandomEvents(seed: 0x1A7)
        var g = SeededGenerator(seed: 0x1A7)
        var series = 0
        for n in 0..<2000 {
            let event = n % 2 == 0 ? random.metricsLogged() : Self.smallDeltas(&g)
            let payload = Entry(random.string(), nil, event).payload
            var damaged = payload
            damaged[Int(g.next() % UInt64(payload.count))] = UInt8(truncatingIfNeeded: g.next())
            for bytes in [payload, damaged, Array(payload.prefix(Int(g.next() % UInt64(payload.count))))] {
                let latest = Self.latest(bytes), expected = Self.foldedLatest(bytes)
                switch (latest, expected) {
                case (.success(let a), .success(let b)):
                    series += a.count
                    guard a.count == b.count, zip(a, b).allSatisfy({ $0.key == $1.key && $0.point == $1.point }) else {
                        Issue.record("latest points differ for \(hex(bytes)): \(a) vs \(b)")
                        return
                    }
                case (.failure(let a), .failure(let b)):
                    #expect(a == b)
                default:
                    Issue.record("latest and decode disagree on \(hex(bytes)): \(latest) vs \(expected)")
                    return
                }
            }
        }
        #expect(series > 3000)
    }

    /// Series whose steps and times mostly move by a few units (the one-byte deltas replay reads in place), with
    /// ties, NaN values and a key repeated in one event.
    static func smallDeltas(_ g: inout SeededGenerator) -> Event {
        .metricsLogged(run: 1 + Int(g.next() % 100), series: (0..<(1 + g.next() % 4)).map { k in
            var step = Int64(g.next() % 100) - 50
            var time: Int64 = 1_767_225_600_000
            let points = (0..<(g.next() % 300)).map { _ in
                step += Int64(g.next() % 5) - 2
                time += Int64(g.next() % 3 == 0 ? g.next() % 200 : g.next() % 40)
                return MetricPoint(step: step, value: g.next() % 10 == 0 ? .nan : Double(g.next() % 4), time: time)
            }
            return MetricSeries(key: "k\(k % 2)", points: points)
        })
    }

    static func latest(_ payload: [UInt8]) -> Result<[(key: String, point: MetricPoint)], CodecError> {
        var out: [(key: String, point: MetricPoint)] = []
        do {
            try payload.withUnsafeBytes { b in
                try MetricsPayloadView(payload: b).forEachSeriesLatest { key, p in out.append((String(decoding: key, as: UTF8.self), p)) }
            }
            return .success(out)
        } catch let e as CodecError { return .failure(e) } catch { fatalError("unexpected error \(error)") }
    }

    /// Decode's series, each folded to its latest point by the order written out again here.
    static func foldedLatest(_ payload: [UInt8]) -> Result<[(key: String, point: MetricPoint)], CodecError> {
        func later(_ p: MetricPoint, _ q: MetricPoint) -> Bool {
            if (p.step, p.time) != (q.step, q.time) { return (p.step, p.time) > (q.step, q.time) }
            if p.value.isNaN { return false }
            return q.value.isNaN || p.value > q.value
        }
        return decodeResult(tag: 7, payload).map { entry in
            guard case .metricsLogged(_, let series) = entry.event else { fatalError("not metrics") }
            return series.compactMap { s in
                s.points.reduce(nil as MetricPoint?) { l, p in l.map { later(p, $0) ? p : $0 } ?? p }.map { (s.key, $0) }
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
