internal import LogbookEvents
internal import LogbookStorage

/// Snapshot states of versions 1 to 4, still read (and versions 3 and 4 written, for tests).
extension StateCodec {
    /// Encodes a state in the layout of version 3 or 4 (what older versions read), for tests.
    static func encodeLegacy(_ s: LogbookState, format: UInt8) -> [UInt8] {
        precondition(format == 3 || format == 4, "state format \(format) is not written")
        var w = BinaryWriter()
        w.u8(format)
        w.varint(s.lastSequence)
        w.zigzag(s.lastTimestamp)
        w.strings(s.metricKeys.strings)
        w.strings(s.actors.strings)
        let actorEvents = s.actorEvents.all
        w.varint(UInt64(actorEvents.count))
        for list in actorEvents { positions(list, &w) }
        encodeExperiments(s, withRuns: format >= 4, &w)
        // Version 4: the runs as a table whose entries are decoded on access.
        if format >= 4 {
            s.runs.encodeV4(&w)
        } else {
            w.varint(UInt64(s.runs.count))
            for r in s.runs { RunCodec.encode(r, &w) }
        }
        w.varint(UInt64(s.models.count))
        for m in s.models { encode(m, &w) }
        w.varint(UInt64(s.abTests.count))
        for t in s.abTests { encode(t, format: format, &w) }
        if format >= 4 {
            // Version 4: the monitoring part's length first, so that opening can leave it in the snapshot.
            var part = BinaryWriter()
            encodeMonitoring(s.monitoring.value, &part)
            w.varint(UInt64(part.bytes.count))
            w.bytes.append(contentsOf: part.bytes)
        } else {
            encodeMonitoring(s.monitoring.value, &w)
        }
        // Version 2: the store's own facts.
        w.optional(s.retentionSetting) { $0.int($1) }
        w.optional(s.pruned) { w, p in w.varint(p.throughSequence); w.zigzag(p.throughTime); w.string(p.chain) }
        w.strings(s.erasedPseudonyms)
        return w.bytes
    }

    /// Decodes versions 1 to 4 (`b` starts with the version byte).
    static func decodeLegacy(_ b: UnsafeRawBufferPointer, region: ByteRegion) throws(CodecError) -> LogbookState {
        var r = BinaryReader(b)
        let v = try r.u8()
        var s = LogbookState()
        s.lastSequence = try r.varint()
        s.lastTimestamp = try r.zigzag()
        s.metricKeys = StringTable(try r.strings())
        s.actors = StringTable(try r.strings())
        let actorLists = try r.count(minimumElementSize: 1)
        guard actorLists == s.actors.strings.count else {
            throw CodecError.invalidValue(at: r.offset, "\(actorLists) actor event lists for \(s.actors.strings.count) actors")
        }
        var actorEvents: [[LogPosition]] = []
        for _ in 0..<actorLists { actorEvents.append(try positions(&r)) }
        s.actorEvents = ActorEvents(snapshot: LazyPart(actorEvents))
        try decodeExperiments(into: &s, withRuns: v >= 4, &r)
        let experiments = s.experiments.count
        if v >= 4 {
            let packed = try PackedRuns(&r, region: region, base: base(b, region), experiments: experiments,
                                        metricKeys: s.metricKeys.strings.count)
            for e in s.experiments where !(e.runs.last.map { $0 <= packed.count } ?? true) {
                throw CodecError.invalidValue(at: r.offset, "experiment \(e.id) lists a run that does not exist")
            }
            s.runs = RunTable(packed: packed)
        } else {
            let runs = try r.count(minimumElementSize: 8)
            for i in 0..<runs {
                let run = try RunCodec.decode(ordinal: i + 1, experiments: experiments,
                                              metricKeys: s.metricKeys.strings.count, &r)
                s.experiments[run.experiment - 1].runs.append(i + 1)
                s.runs.append(run)
            }
        }
        s.registry = LazyPart(Registry(try decodeModels(&r, runs: s.runs.count)))
        let versions = s.models.map(\.versions.count)
        s.abPart = LazyPart(ABTests(try decodeTests(&r, version: v, region: region, base: b, versions: versions)))
        if v >= 4 {
            let length = try r.count(minimumElementSize: 1)
            let start = base(b, region) + r.offset
            r.skip(to: r.offset + length)
            // A part that does not decode (not written by Logbook, as the payload's checksum holds) reads as empty;
            // `logbook check` compares every snapshot byte for byte with a replay.
            let decode: @Sendable (UnsafeRawBufferPointer) -> Monitoring? = { bytes in
                decodeWhole(bytes) { r throws(CodecError) in try decodeMonitoring(versions: versions, &r) }
            }
            s.monitoring = LazyPart(source: .init(region: region, range: start..<(start + length), checksum: nil,
                                                  copyable: false, decode: decode, rebuild: { Monitoring() }))
        } else {
            s.monitoring = LazyPart(try decodeMonitoring(versions: versions, &r))
        }
        if v >= 2 {
            if try r.presence() { s.retentionSetting = try r.int() }
            if try r.presence() {
                let through = try r.varint(), time = try r.zigzag()
                s.pruned = PruneCheckpoint(throughSequence: through, throughTime: time, chain: try r.string())
            }
            s.erasedPseudonyms = try r.strings()
        }
        try r.finish()
        s.rebuildLookups()
        return s
    }
}
