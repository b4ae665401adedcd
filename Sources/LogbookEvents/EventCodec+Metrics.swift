/// A `metrics.logged` payload read in place, for the replay hot path: no `String`, array or box is made per event,
/// series or point. The view borrows the payload; use it only while the payload's memory is valid (inside the log
/// reader's closure).
///
/// ```swift
/// let view = try MetricsPayloadView(payload: record.payload)   // checks version, envelope, run, series count
/// try view.forEachPoint { key, point in ... }                    // key: the series key's UTF-8 bytes
/// ```
///
/// It checks exactly what ``EventCodec/decode(tag:payload:)`` checks, in the same order (UTF-8 of the actor,
/// reason and keys included), so it throws the same ``CodecError`` for the same bytes. Points are yielded as they
/// are read: on a damaged payload `body` has been called for the points before the damage when the error is
/// thrown.
public struct MetricsPayloadView {
    /// The payload.
    public let payload: UnsafeRawBufferPointer
    /// The run the points belong to.
    public let run: Int
    /// The number of series (keys).
    public let seriesCount: Int
    /// Offset of the first series.
    let seriesOffset: Int

    /// Reads the header of a `metrics.logged` payload: version, actor and reason (checked and skipped), run and
    /// series count.
    public init(payload: UnsafeRawBufferPointer) throws(CodecError) {
        var r = BinaryReader(payload)
        let type = EventType.metricsLogged
        let version = try r.u8()
        guard version == type.currentVersion else {
            throw .unsupportedVersion(type: type.rawValue, version: version)
        }
        _ = try r.stringBytes()
        if try r.presence() { _ = try r.stringBytes() }
        self.payload = payload
        run = try r.int()
        seriesCount = try r.count(minimumElementSize: MetricsLayout.minimumSeriesSize)
        seriesOffset = r.offset
    }

    /// Calls `body` for every point of every series, in order, with the series key's UTF-8 bytes (the same buffer,
    /// same `baseAddress`, for every point of a series, so a caller can cache its key lookup per series). Throws
    /// what `body` throws, or a ``CodecError`` for damaged bytes (including bytes after the last series).
    public func forEachPoint(_ body: (_ key: UnsafeRawBufferPointer, _ point: MetricPoint) throws -> Void) throws {
        try forEachSeries { key, n, r in
            var step: Int64 = 0
            var time: Int64 = 0
            for _ in 0..<n {
                step = step &+ (try r.zigzag())
                time = time &+ (try r.zigzag())
                try body(key, MetricPoint(step: step, value: try r.double(), time: time))
            }
        }
    }

    /// Calls `body` with each series' key bytes, its point count and the reader at its first point (which `body`
    /// reads past the series' points), then checks that nothing follows the last series.
    @inline(__always)
    private func forEachSeries(_ body: (_ key: UnsafeRawBufferPointer, _ count: Int, _ r: inout BinaryReader) throws -> Void) throws {
        var r = BinaryReader(payload)
        r.skip(to: seriesOffset)
        for _ in 0..<seriesCount {
            let key = try r.stringBytes()
            let n = try r.count(minimumElementSize: MetricsLayout.minimumPointSize)
            try body(key, n, &r)
        }
        try r.finish()
    }

    /// Calls `body` once per series, in order, with its key's UTF-8 bytes and its latest point
    /// (``MetricPoint/isLater(than:)``; the earliest of equals): the replay path, which keeps only the latest point
    /// of each series. Checks the bytes exactly as ``forEachPoint(_:)`` does; on damaged bytes `body` has been called
    /// for the series before the damaged one when the error is thrown.
    public func forEachSeriesLatest(_ body: (_ key: UnsafeRawBufferPointer, _ latest: MetricPoint) throws -> Void) throws {
        try forEachSeries { key, n, r in
            var step: Int64 = 0
            var time: Int64 = 0
            var latest: MetricPoint?
            var i = 0
            while i < n {
                let p: MetricPoint
                // The common point (one-byte step and time deltas) read in place; any other through the reader,
                // which checks it (and throws for damaged bytes) as forEachPoint does.
                if let fast = Self.shortPoint(payload, at: r.offset, step: step, time: time) {
                    p = fast
                    r.skip(to: r.offset &+ 10)
                } else {
                    let s = step &+ (try r.zigzag())
                    let t = time &+ (try r.zigzag())
                    p = MetricPoint(step: s, value: try r.double(), time: t)
                }
                step = p.step
                time = p.time
                if latest.map({ p.isLater(than: $0) }) ?? true { latest = p }
                i &+= 1
            }
            if let latest { try body(key, latest) }
        }
    }

    /// The point at `offset` when its step and time deltas take one byte each (a one-byte varint is always in its
    /// shortest form) and its 8 value bytes are there; nil otherwise.
    @inline(__always)
    private static func shortPoint(_ payload: UnsafeRawBufferPointer, at offset: Int, step: Int64, time: Int64) -> MetricPoint? {
        guard payload.count &- offset >= 10 else { return nil }
        let s = payload[offset], t = payload[offset &+ 1]
        guard s | t < 0x80 else { return nil }
        let bits = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: offset &+ 2, as: UInt64.self))
        return MetricPoint(step: step &+ zigzag(s), value: Double(bitPattern: bits), time: time &+ zigzag(t))
    }

    @inline(__always)
    private static func zigzag(_ b: UInt8) -> Int64 { Int64(b >> 1) ^ (0 &- Int64(b & 1)) }
}

extension EventCodec {
    /// For a metricsLogged payload: the actor/reason are skipped, `run` is returned, and `body` is called for every
    /// series key (as an UnsafeRawBufferPointer of its UTF-8 bytes, no String made) and each of its points, in
    /// order. Returns `run` too (for a payload with no points). Allocates nothing per event or point. See
    /// ``MetricsPayloadView``.
    @discardableResult
    public static func forEachMetricPoint(
        payload: UnsafeRawBufferPointer,
        _ body: (_ run: Int, _ key: UnsafeRawBufferPointer, _ point: MetricPoint) throws -> Void
    ) throws -> Int {
        let view = try MetricsPayloadView(payload: payload)
        let run = view.run
        try view.forEachPoint { key, point in try body(run, key, point) }
        return run
    }
}
