internal import LogbookEvents
internal import LogbookStats
internal import LogbookStorage

/// Monitoring in a snapshot: per-version minutes (latency histograms, prediction summaries), alerts, thresholds.
extension StateCodec {
    static func encodeMonitoring(_ s: Monitoring, _ w: inout BinaryWriter) {
        w.varint(UInt64(s.monitors.count))
        for m in s.monitors {
            w.int(m.model); w.int(m.version)
            w.varint(UInt64(m.minutes.count))
            for minute in m.minutes {
                w.zigzag(minute.minute)
                let h = minute.latency
                w.varint(h.zeroCount)
                w.double(h.minimum); w.double(h.maximum)
                let buckets = h.sortedBuckets
                w.varint(UInt64(buckets.count))
                for b in buckets { w.zigzag(Int64(b.index)); w.varint(b.count) }
                let p = minute.predictions.storedParts
                w.int(p.count); w.double(p.shift); w.double(p.shiftedMean); w.double(p.sumOfSquares)
                w.int(minute.withActuals); w.int(minute.hits); w.u8(minute.allBinary ? 1 : 0); w.double(minute.absoluteErrorSum)
            }
            positions(m.predictionEvents, &w)
            w.varint(UInt64(m.predictionEventTimes.count))
            for t in m.predictionEventTimes { w.zigzag(t) }
            w.optional(m.baseline) { w, p in positions([p], &w) }
            w.int(m.baselineSize)
        }
        w.varint(UInt64(s.alerts.count))
        for a in s.alerts {
            w.int(a.model); w.int(a.version); w.zigzag(a.time); w.varint(a.sequence); w.string(a.kind); w.string(a.metric)
            w.double(a.threshold); w.double(a.observed); w.string(a.message)
        }
        let thresholds = s.thresholds.sorted { $0.key < $1.key }
        w.varint(UInt64(thresholds.count))
        for (model, t) in thresholds { w.int(model); w.double(t.psi); w.double(t.ksPValue); w.double(t.relativeDrop) }
    }

    /// Decodes the monitoring part; `versions` holds the number of versions of each model.
    static func decodeMonitoring(versions: [Int], _ r: inout BinaryReader) throws(CodecError) -> Monitoring {
        var s = Monitoring()
        let monitors = try r.count(minimumElementSize: 6)
        for _ in 0..<monitors {
            let model = try r.int(), version = try r.int()
            guard model >= 1 && model <= versions.count, version >= 1 && version <= versions[model - 1],
                  s.monitors.last.map({ ($0.model, $0.version) < (model, version) }) ?? true else {
                throw CodecError.invalidValue(at: r.offset, "a monitor names model \(model) version \(version) out of order or range")
            }
            var m = VersionMonitor(model: model, version: version)
            let minutes = try r.count(minimumElementSize: 40)
            for _ in 0..<minutes {
                var stats = MinuteStats(minute: try r.zigzag())
                let zero = try r.varint(), minimum = try r.double(), maximum = try r.double()
                let bucketCount = try r.count(minimumElementSize: 2)
                var buckets: [(index: Int32, count: UInt64)] = []
                for _ in 0..<bucketCount {
                    let index = try r.zigzag()
                    guard let i = Int32(exactly: index) else { throw CodecError.invalidValue(at: r.offset, "bucket index \(index)") }
                    buckets.append((i, try r.varint()))
                }
                guard let h = LogHistogram(zeroCount: zero, buckets: buckets, minimum: minimum, maximum: maximum) else {
                    throw CodecError.invalidValue(at: r.offset, "a latency histogram does not add up")
                }
                stats.latency = h
                let parts = (count: try r.int(), shift: try r.double(), shiftedMean: try r.double(), sumOfSquares: try r.double())
                stats.predictions = RunningSummary(storedParts: parts)
                stats.withActuals = try r.int(); stats.hits = try r.int(); stats.allBinary = try bool(&r)
                stats.absoluteErrorSum = try r.double()
                m.minutes.append(stats)
            }
            m.predictionEvents = try positions(&r)
            let times = try r.count(minimumElementSize: 1)
            guard times == m.predictionEvents.count else { throw CodecError.invalidValue(at: r.offset, "prediction event times") }
            for _ in 0..<times { m.predictionEventTimes.append(try r.zigzag()) }
            if try r.presence() {
                let p = try positions(&r)
                guard p.count == 1 else { throw CodecError.invalidValue(at: r.offset, "a baseline position") }
                m.baseline = p[0]
            }
            m.baselineSize = try r.int()
            s.monitors.append(m)
        }
        let alerts = try r.count(minimumElementSize: 10)
        for _ in 0..<alerts {
            let model = try r.int(), version = try r.int(), time = try r.zigzag(), sequence = try r.varint()
            let kind = try r.string(), metric = try r.string(), threshold = try r.double(), observed = try r.double()
            s.alerts.append(MonitorAlert(model: model, version: version, time: time, sequence: sequence, kind: kind,
                                         metric: metric, threshold: threshold, observed: observed, message: try r.string()))
        }
        let thresholds = try r.count(minimumElementSize: 25)
        for _ in 0..<thresholds {
            let model = try r.int()
            var t = MonitorThresholds()
            t.psi = try r.double(); t.ksPValue = try r.double(); t.relativeDrop = try r.double()
            s.thresholds[model] = t
        }
        return s
    }
}
