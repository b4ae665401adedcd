package import LogbookEvents
internal import LogbookStats
internal import LogbookStorage

/// The snapshot encoding of ``LogbookState``: canonical (the same state always gives the same bytes), versioned,
/// and decoded with bounds checks (a damaged snapshot throws, never traps).
///
/// Versions 5 and 6 (docs/format.md) are a checksummed head, which opening reads, and checksummed parts, which stay in
/// the mapped snapshot until a command reads them: the runs (each with its own checksum), the registry, the A/B tests,
/// monitoring and the per-actor event positions. So opening costs the same however much history the store holds.
/// Version 6 differs in the A/B part only: a set of units with outcomes may be a bitmap over the assigned units.
/// Derived lookups (name -> ordinal dictionaries) are not stored; they are rebuilt after decoding. Position lists
/// are delta-encoded.
package enum StateCodec {
    /// The version written; older versions are decoded by frozen code paths beside this one.
    static let version: UInt8 = 6

    /// The parts after the run table, in their order in the snapshot.
    enum Part: Int, CaseIterable {
        case registry, abTests, monitoring, audit
        var name: String { ["registry", "A/B tests", "monitoring", "per-actor event positions"][rawValue] }
    }

    /// Encodes a state; `format` 3, 4 or 5 writes an older layout (what older versions read), for tests.
    package static func encode(_ s: LogbookState, format: UInt8 = version) -> [UInt8] {
        guard format >= 5 else { return encodeLegacy(s, format: format) }
        var head = BinaryWriter(), body = BinaryWriter()
        head.varint(s.lastSequence)
        head.zigzag(s.lastTimestamp)
        head.strings(s.metricKeys.strings)
        head.strings(s.actors.strings)
        encodeExperiments(s, withRuns: true, &head)
        head.optional(s.retentionSetting) { $0.int($1) }
        head.optional(s.pruned) { w, p in w.varint(p.throughSequence); w.zigzag(p.throughTime); w.string(p.chain) }
        head.strings(s.erasedPseudonyms)
        let runs = s.runs.encode(&body)
        head.varint(UInt64(s.runs.count))
        head.varint(UInt64(runs.length))
        u32(runs.indexChecksum, &head)
        for part in Part.allCases {
            let start = body.bytes.count
            if format == version, let bytes = unchangedBytes(part, s) {
                body.bytes.append(contentsOf: bytes)
            } else {
                encode(part, s, format: format, &body)
            }
            head.varint(UInt64(body.bytes.count - start))
            u32(body.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }, &head)
        }
        var w = BinaryWriter()
        w.bytes.reserveCapacity(9 + head.bytes.count + body.bytes.count)
        w.u8(format)
        u32(UInt32(head.bytes.count), &w)
        u32(CRC32C.checksum(head.bytes), &w)
        w.bytes.append(contentsOf: head.bytes)
        w.bytes.append(contentsOf: body.bytes)
        return w.bytes
    }

    /// The experiments (a count, then each with its own event positions and, from version 4, its runs).
    static func encodeExperiments(_ s: LogbookState, withRuns: Bool, _ w: inout BinaryWriter) {
        w.varint(UInt64(s.experiments.count))
        for (e, events) in zip(s.experiments, s.experimentEvents) {
            w.string(e.name)
            w.keyValues(e.tags)
            w.u8(e.isDeleted ? 1 : 0)
            w.zigzag(e.createdTime)
            positions(events, &w)
            if withRuns { ascending(e.runs, &w) }
        }
    }

    static func decodeExperiments(into s: inout LogbookState, withRuns: Bool, _ r: inout BinaryReader) throws(CodecError) {
        let count = try r.count(minimumElementSize: withRuns ? 6 : 5)
        for i in 0..<count {
            var e = Experiment(id: i + 1, name: try r.string(), tags: try r.keyValues(), createdTime: 0)
            e.isDeleted = try bool(&r)
            e.createdTime = try r.zigzag()
            s.experimentEvents.append(try positions(&r))
            if withRuns { e.runs = try ascending(&r) }
            s.experiments.append(e)
        }
    }

    private static func unchangedBytes(_ part: Part, _ s: LogbookState) -> UnsafeRawBufferPointer? {
        switch part {
        case .registry: s.registry.unchangedBytes
        case .abTests: s.abPart.unchangedBytes
        case .monitoring: s.monitoring.unchangedBytes
        case .audit: nil
        }
    }

    static func encode(_ part: Part, _ s: LogbookState, format: UInt8 = version, _ w: inout BinaryWriter) {
        switch part {
        case .registry:
            s.registry.value.encode(&w)
        case .abTests:
            w.varint(UInt64(s.abTests.count))
            for t in s.abTests { encode(t, format: format, &w) }
        case .monitoring:
            encodeMonitoring(s.monitoring.value, &w)
        case .audit:
            let lists = s.actorEvents.all
            w.varint(UInt64(lists.count))
            for list in lists { positions(list, &w) }
        }
    }

    /// Decodes a state written by ``encode(_:format:)``, checking every checksum first.
    package static func decode(_ bytes: [UInt8]) throws(CodecError) -> LogbookState {
        var result: Result<LogbookState, CodecError> = .failure(.truncated(at: 0, needed: 1))
        let region = ByteRegion(copying: bytes)
        result = Result { () throws(CodecError) in try decode(region: region, from: 0, recovery: nil) }
        return try result.get()
    }

    /// Decodes a state whose bytes are `region.bytes[offset...]` (a mapped snapshot file). Version 5 checks its head
    /// here; with a `recovery`, each part is checked when first read and rebuilt through it when it fails, and
    /// without one every checksum is checked here. Older versions are checked by the file's payload checksum.
    static func decode(region: ByteRegion, from offset: Int, recovery: SnapshotRecovery?) throws(CodecError) -> LogbookState {
        let b = UnsafeRawBufferPointer(rebasing: region.bytes[offset...])
        guard let v = b.first else { throw CodecError.truncated(at: 0, needed: 1) }
        guard v >= 1 && v <= version else { throw CodecError.invalidValue(at: 0, "snapshot state version \(v) is not supported") }
        return v >= 5 ? try decodeParts(b, region: region, recovery: recovery) : try decodeLegacy(b, region: region)
    }

    /// Whether a payload checks its own parts (version 5 and later): opening then need not check all of it.
    package static func checksItsParts(_ payload: UnsafeRawBufferPointer) -> Bool { (payload.first ?? 0) >= 5 }

    /// A version-5 or 6 head: the state's small fields, and where and how long the run table and each part are.
    private struct Head {
        var state = LogbookState()
        var runCount = 0, runLength = 0
        var indexChecksum: UInt32 = 0
        var parts: [(length: Int, checksum: UInt32)] = []
        /// Where the body starts in the region.
        var body = 0
        /// Where the run index's checksum and each part's lie in the payload.
        var checksumOffsets: [Int] = []
    }

    private static func decodeHead(_ b: UnsafeRawBufferPointer, region: ByteRegion,
                                   checked: Bool = true) throws(CodecError) -> Head {
        guard b.count >= 9 else { throw CodecError.truncated(at: 0, needed: 9) }
        let headLength = Int(u32(b, 1))
        guard headLength <= b.count - 9 else { throw CodecError.truncated(at: 9, needed: headLength) }
        let headBytes = UnsafeRawBufferPointer(rebasing: b[9..<(9 + headLength)])
        guard !checked || CRC32C.checksum(headBytes) == u32(b, 5) else {
            throw CodecError.invalidValue(at: 5, "the snapshot's head fails its checksum")
        }
        var r = BinaryReader(headBytes)
        var head = Head()
        var s = LogbookState()
        s.lastSequence = try r.varint()
        s.lastTimestamp = try r.zigzag()
        s.metricKeys = StringTable(try r.strings())
        s.actors = StringTable(try r.strings())
        try decodeExperiments(into: &s, withRuns: true, &r)
        if try r.presence() { s.retentionSetting = try r.int() }
        if try r.presence() {
            let through = try r.varint(), time = try r.zigzag()
            s.pruned = PruneCheckpoint(throughSequence: through, throughTime: time, chain: try r.string())
        }
        s.erasedPseudonyms = try r.strings()
        head.runCount = try size(&r)
        head.runLength = try size(&r)
        head.checksumOffsets.append(9 + r.offset)
        head.indexChecksum = try u32(&r)
        for _ in Part.allCases {
            let length = try size(&r)
            head.checksumOffsets.append(9 + r.offset)
            head.parts.append((length, try u32(&r)))
        }
        try r.finish()
        head.state = s
        head.body = base(b, region) + 9 + headLength
        return head
    }

    private static func packedRuns(_ head: Head, region: ByteRegion, recovery: SnapshotRecovery?) throws(CodecError) -> PackedRuns {
        try PackedRuns(region: region, at: head.body, count: head.runCount, length: head.runLength,
                       indexChecksum: head.indexChecksum, experiments: head.state.experiments.count,
                       metricKeys: head.state.metricKeys.strings.count, recovery: recovery)
    }

    /// The run table of a payload the writer has just encoded: its runs then read from those bytes, so
    /// the next snapshot copies the unchanged ones instead of encoding them again.
    static func encodedRuns(_ region: ByteRegion) throws(CodecError) -> RunTable {
        RunTable(packed: try packedRuns(try decodeHead(region.bytes, region: region), region: region, recovery: nil))
    }

    /// Rewrites every checksum of a version-5 or 6 payload to match its bytes (each run's, the run index's, each part's,
    /// then the head's), so that a fuzzer's mutations reach the decoders behind them. A payload whose head does not
    /// decode, or whose run table does not fit, is left as it is.
    package static func fixChecksums(_ payload: inout [UInt8]) {
        guard let v = payload.first, v >= 5 && v <= version else { return }
        let region = ByteRegion(copying: payload)
        let b = region.bytes
        guard let head = try? decodeHead(b, region: region, checked: false) else { return }
        let n = head.runCount, table = head.body
        guard n <= (b.count - table) / 24, b.count - table - (24 * n + 8) >= head.runLength else { return }
        func put(_ value: UInt32, at offset: Int) {
            for i in 0..<4 { payload[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
        let (sums, _, start) = PackedRuns.layout(table: table, count: n)
        for i in 0..<n {
            let from = Int(truncatingIfNeeded: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: table + 8 * i, as: UInt64.self)))
            let to = Int(truncatingIfNeeded: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: table + 8 * i + 8, as: UInt64.self)))
            guard from >= 0, from <= to, to <= head.runLength else { continue }
            put(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[(start + from)..<(start + to)])), at: sums + 4 * i)
        }
        payload.withUnsafeBytes { put(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[table..<start])), at: head.checksumOffsets[0]) }
        var at = start + head.runLength
        for (p, offset) in zip(head.parts, head.checksumOffsets.dropFirst()) {
            guard p.length <= b.count - at else { break }
            put(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[at..<(at + p.length)])), at: offset)
            at += p.length
        }
        let headLength = Int(u32(b, 1))
        payload.withUnsafeBytes { put(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[9..<(9 + headLength)])), at: 5) }
    }

    private static func decodeParts(_ b: UnsafeRawBufferPointer, region: ByteRegion,
                                    recovery: SnapshotRecovery?) throws(CodecError) -> LogbookState {
        let head = try decodeHead(b, region: region)
        let version = b[0]
        var s = head.state
        let runCount = head.runCount, parts = head.parts

        // The body: the run table, then the parts, each where the head says.
        let base = base(b, region)
        var at = head.body
        let packed = try packedRuns(head, region: region, recovery: recovery)
        for e in s.experiments where !(e.runs.last.map { $0 <= runCount } ?? true) {
            throw CodecError.invalidValue(at: 0, "experiment \(e.id) lists a run that does not exist")
        }
        s.runs = RunTable(packed: packed)
        at = packed.end
        var ranges: [Range<Int>] = []
        for p in parts {
            guard p.length <= base + b.count - at else { throw CodecError.truncated(at: at - base, needed: p.length) }
            ranges.append(at..<(at + p.length))
            at += p.length
        }
        guard at == base + b.count else { throw CodecError.invalidValue(at: at - base, "bytes after the snapshot's last part") }
        if recovery == nil {
            try packed.checkAll()
            for (p, range) in zip(Part.allCases, ranges)
            where CRC32C.checksum(UnsafeRawBufferPointer(rebasing: region.bytes[range])) != parts[p.rawValue].checksum {
                throw CodecError.invalidValue(at: range.lowerBound - base, "the snapshot's \(p.name) fail their checksum")
            }
        }
        func source<T>(_ part: Part, empty: @autoclosure @escaping @Sendable () -> T,
                       from recovered: @escaping @Sendable (LogbookState) -> T,
                       decode: @escaping @Sendable (inout BinaryReader) throws(CodecError) -> T) -> LazyPart<T> {
            // A part of an older version is encoded again into the next snapshot, never copied.
            LazyPart(source: .init(region: region, range: ranges[part.rawValue], checksum: parts[part.rawValue].checksum,
                                   copyable: version == Self.version, decode: { bytes in decodeWhole(bytes, decode) },
                                   rebuild: { recovery?.state(for: "\(part.name)").map(recovered) ?? empty() }))
        }
        let runs = runCount, actors = s.actors.strings.count
        let registry = source(.registry, empty: Registry(), from: { $0.registry.value }) { r throws(CodecError) in
            Registry(packed: try PackedModels(&r, region: region, base: StateCodec.base(r.base, region), runs: runs,
                                              recovery: recovery))
        }
        s.registry = registry
        s.abPart = source(.abTests, empty: ABTests(), from: { $0.abPart.value }) { r throws(CodecError) in
            let bytes = r.base
            return ABTests(try decodeTests(&r, version: version, region: region, base: bytes,
                                           versions: registry.value.versionCounts))
        }
        s.monitoring = source(.monitoring, empty: Monitoring(), from: { $0.monitoring.value }) { r throws(CodecError) in
            try decodeMonitoring(versions: registry.value.versionCounts, &r)
        }
        s.actorEvents = ActorEvents(snapshot: source(.audit, empty: [], from: { $0.actorEvents.all }) { r throws(CodecError) in
            let n = try r.count(minimumElementSize: 1)
            guard n == actors else { throw CodecError.invalidValue(at: r.offset, "\(n) actor event lists for \(actors) actors") }
            var lists: [[LogPosition]] = []
            for _ in 0..<n { lists.append(try positions(&r)) }
            return lists
        })
        s.rebuildLookups()
        return s
    }

    /// Decodes a part that must use all of its bytes; nil when it does not decode.
    static func decodeWhole<T>(_ bytes: UnsafeRawBufferPointer,
                               _ body: (inout BinaryReader) throws(CodecError) -> T) -> T? {
        var r = BinaryReader(bytes)
        guard let value = try? body(&r), r.remaining == 0 else { return nil }
        return value
    }

    // MARK: Models

    static func encode(_ m: Model, _ w: inout BinaryWriter) {
        w.string(m.name)
        w.optionalString(m.description)
        w.optionalString(m.owner)
        w.optionalString(m.purpose)
        w.enumValue(m.riskTier)
        w.enumValue(m.validation)
        w.u8(m.isDeleted ? 1 : 0)
        w.zigzag(m.createdTime)
        w.varint(UInt64(m.versions.count))
        for v in m.versions {
            w.int(v.run)
            w.optionalString(v.artifactPath)
            w.optionalString(v.artifactSHA256)
            w.optionalInt(v.parent)
            w.optionalString(v.description)
            w.keyValues(v.datasets)
            w.keyValues(v.metrics)
            w.enumValue(v.stage)
            w.zigzag(v.createdTime)
            w.zigzag(v.stageTime)
            w.optionalString(v.pendingPromotionBy)
        }
        w.keyValues(m.aliases)
        w.optional(m.policy) { w, p in
            w.string(p.metric)
            w.u8(p.lowerIsBetter ? 1 : 0)
            w.optionalDouble(p.minimum)
            w.optionalDouble(p.improvementPercent)
            w.optionalDouble(p.maxLatencyMs)
            w.u8(p.requiresApproval ? 1 : 0)
            w.u8(p.separateApprover ? 1 : 0)
        }
        positions(m.events, &w)
    }

    /// The models (a count, then each); `runs` is how many runs a version may name.
    static func decodeModels(_ r: inout BinaryReader, runs: Int) throws(CodecError) -> [Model] {
        let count = try r.count(minimumElementSize: 8)
        var models: [Model] = []
        for i in 0..<count { models.append(try decodeModel(&r, ordinal: i + 1, runs: runs)) }
        return models
    }

    /// One model, as ``encode(_:_:)`` wrote it.
    static func decodeModel(_ r: inout BinaryReader, ordinal: Int, runs: Int) throws(CodecError) -> Model {
        let name = try r.string()
        var m = Model(ordinal: ordinal, name: name, description: try r.optionalString(), owner: try r.optionalString(),
                      purpose: try r.optionalString(), riskTier: try r.enumValue(RiskTier.self, "risk tier"),
                      createdTime: 0)
        m.validation = try r.enumValue(ValidationStatus.self, "validation status")
        m.isDeleted = try bool(&r)
        m.createdTime = try r.zigzag()
        let versions = try r.count(minimumElementSize: 10)
        m.versions.reserveCapacity(versions)
        for n in 0..<versions {
            var v = ModelVersion(number: n + 1, run: try r.int(), artifactPath: try r.optionalString(),
                                 artifactSHA256: try r.optionalString(), parent: try r.optionalInt(),
                                 description: try r.optionalString(), datasets: try r.keyValues(),
                                 metrics: try r.keyValues(), createdTime: 0, stageTime: 0)
            v.stage = try r.enumValue(Stage.self, "stage")
            v.createdTime = try r.zigzag()
            v.stageTime = try r.zigzag()
            v.pendingPromotionBy = try r.optionalString()
            guard v.run >= 1 && v.run <= runs, v.parent.map({ $0 >= 1 && $0 <= n }) ?? true else {
                throw CodecError.invalidValue(at: r.offset, "version \(n + 1) of model \(name) names a run or parent that does not exist")
            }
            m.versions.append(v)
        }
        m.aliases = try r.keyValues()
        if try r.presence() {
            m.policy = PromotionPolicy(metric: try r.string(), lowerIsBetter: try bool(&r), minimum: try r.optionalDouble(),
                                       improvementPercent: try r.optionalDouble(), maxLatencyMs: try r.optionalDouble(),
                                       requiresApproval: try bool(&r), separateApprover: try bool(&r))
        }
        m.events = try positions(&r)
        return m
    }

    /// Steps over one model as ``decodeModel(_:ordinal:runs:)`` reads it, making nothing but its name: what a
    /// registry needs to find a model by name, and A/B tests and monitoring to check a version, without decoding
    /// every model. Strings are skipped unchecked; reading the model decodes and checks it.
    static func skipModel(_ r: inout BinaryReader) throws(CodecError) -> (name: String, versions: Int) {
        let name = try r.string()
        try r.skipOptionalString() // description
        try r.skipOptionalString() // owner
        try r.skipOptionalString() // purpose
        try r.skip(3) // risk tier, validation, deleted
        _ = try r.varint() // created
        let versions = try r.count(minimumElementSize: 10)
        for _ in 0..<versions {
            _ = try r.varint() // run
            try r.skipOptionalString() // artifact path
            try r.skipOptionalString() // artifact digest
            if try r.presence() { _ = try r.varint() } // parent
            try r.skipOptionalString() // description
            try r.skipKeyValues() // datasets
            try r.skipKeyValues() // metrics
            try r.skip(1) // stage
            _ = try r.varint() // created
            _ = try r.varint() // stage time
            try r.skipOptionalString() // pending promotion by
        }
        try r.skipKeyValues() // aliases
        if try r.presence() { // policy
            try r.skipString()
            try r.skip(1)
            for _ in 0..<3 where try r.presence() { try r.skip(8) }
            try r.skip(2)
        }
        let events = try r.count(minimumElementSize: 2)
        for _ in 0..<(2 * events) { _ = try r.varint() }
        return (name, versions)
    }

    // MARK: Primitives

    /// A length or count of the body, which the head cannot bound: checked against the body where it is used.
    private static func size(_ r: inout BinaryReader) throws(CodecError) -> Int {
        let v = try r.varint()
        guard v <= UInt64(Int32.max) else { throw CodecError.invalidValue(at: r.offset, "a part of \(v) bytes") }
        return Int(v)
    }

    static func u32(_ value: UInt32, _ w: inout BinaryWriter) {
        withUnsafeBytes(of: value.littleEndian) { w.bytes.append(contentsOf: $0) }
    }

    static func u32(_ r: inout BinaryReader) throws(CodecError) -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(try r.u8()) << (8 * i) }
        return v
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// Where the reader's bytes start in the region (they may start past its beginning).
    static func base(_ b: UnsafeRawBufferPointer, _ region: ByteRegion) -> Int {
        region.bytes.baseAddress.map { b.baseAddress! - $0 } ?? 0
    }

    /// Strictly ascending positive integers (run ordinals) as deltas.
    static func ascending(_ list: [Int], _ w: inout BinaryWriter) {
        w.varint(UInt64(list.count))
        var last = 0
        for x in list { w.varint(UInt64(x - last)); last = x }
    }

    static func ascending(_ r: inout BinaryReader) throws(CodecError) -> [Int] {
        let n = try r.count(minimumElementSize: 1)
        var list: [Int] = []
        list.reserveCapacity(n)
        var last: UInt64 = 0
        for _ in 0..<n {
            let d = try r.varint()
            guard d >= 1, d <= UInt64(Int32.max) - last else { throw CodecError.invalidValue(at: r.offset, "run ordinals out of order") }
            last += d
            list.append(Int(last))
        }
        return list
    }

    static func bool(_ r: inout BinaryReader) throws(CodecError) -> Bool {
        let v = try r.u8()
        guard v <= 1 else { throw CodecError.invalidValue(at: 0, "a flag is \(v), not 0 or 1") }
        return v == 1
    }

    /// Positions in log order: segment as a delta from the previous one; offset as a delta within a segment.
    static func positions(_ list: [LogPosition], _ w: inout BinaryWriter) {
        w.varint(UInt64(list.count))
        var segment: UInt64 = 0, offset: UInt64 = 0
        for p in list {
            let ds = p.segment &- segment
            w.varint(ds)
            w.varint(ds == 0 ? p.offset &- offset : p.offset)
            segment = p.segment
            offset = p.offset
        }
    }

    static func positions(_ r: inout BinaryReader) throws(CodecError) -> [LogPosition] {
        let n = try r.count(minimumElementSize: 2)
        var list: [LogPosition] = []
        list.reserveCapacity(n)
        var segment: UInt64 = 0, offset: UInt64 = 0
        for _ in 0..<n {
            let ds = try r.varint()
            let o = try r.varint()
            segment &+= ds
            offset = ds == 0 ? offset &+ o : o
            list.append(LogPosition(segment: segment, offset: offset))
        }
        return list
    }
}
