import LogbookEvents
import LogbookTestSupport
import Testing

@Suite("Codec compactness")
struct CompactnessTests {
    @Test("bulk metric logging (5 keys x 200 steps, 1 s apart, random values) takes at most 12 bytes per point")
    func bulkMetrics() throws {
        var g = SeededGenerator(seed: 12)
        let keys = ["train/loss", "train/accuracy", "val/loss", "val/accuracy", "learning_rate"]
        let start: Int64 = 1_767_225_600_000
        let series = keys.map { key in
            MetricSeries(key: key, points: (0..<200).map { step in
                MetricPoint(step: Int64(step), value: Double.random(in: 0..<1, using: &g), time: start + Int64(step) * 1000)
            })
        }
        let event = Event.metricsLogged(run: 42, series: series)
        let payload = EventCodec.encode(event, actor: "training-script", reason: nil)
        let points = keys.count * 200
        let perPoint = Double(payload.count) / Double(points)
        print("metrics.logged bulk: \(payload.count) bytes for \(points) points = \(perPoint) bytes/point "
            + "(+ \(Double(28 + 32) / Double(points)) frame overhead)")
        #expect(perPoint <= 12, "\(perPoint) bytes per point")
        #expect(Entry(try EventCodec.decode(tag: 7, payload: payload)).isIdentical(to: Entry("training-script", nil, event)))
    }
}
