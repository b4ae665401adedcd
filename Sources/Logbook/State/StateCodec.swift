package import LogbookEvents
internal import LogbookStats
package import LogbookStorage

/// The snapshot encoding of ``LogbookState``: canonical (the same state always gives the same bytes), versioned,
/// and decoded with bounds checks (a damaged snapshot throws, never traps).
///
/// Derived lookups (name -> ordinal dictionaries) are not stored; they are rebuilt after decoding. Position lists
/// are delta-encoded, which keeps snapshots small even with millions of metric events.
package enum StateCodec {
    /// The version written; older versions are decoded by frozen code paths added beside this one.
    static let version: UInt8 = 4

    /// Encodes a state; `format` 3 writes the layout before the run table (what older versions read), for tests.
    package static func encode(_ s: LogbookState, format: UInt8 = version) -> [UInt8] {
        precondition(format == 3 || format == version, "state format \(format) is not written")
        var w = BinaryWriter()
        w.u8(format)
        w.varint(s.lastSequence)
        w.zigzag(s.lastTimestamp)
        w.strings(s.metricKeys.strings)
        w.strings(s.actors.strings)
        w.varint(UInt64(s.actorEvents.count))
        for list in s.actorEvents { positions(list, &w) }
        w.varint(UInt64(s.experiments.count))
        for (e, events) in zip(s.experiments, s.experimentEvents) {
            w.string(e.name)
            w.keyValues(e.tags)
            w.u8(e.isDeleted ? 1 : 0)
            w.zigzag(e.createdTime)
            positions(events, &w)
            if format >= 4 { ascending(e.runs, &w) }
        }
        // Version 4: the runs as a table whose entries are decoded on access.
        if format >= 4 {
            s.runs.encode(&w)
        } else {
            w.varint(UInt64(s.runs.count))
            for r in s.runs { RunCodec.encode(r, &w) }
        }
        w.varint(UInt64(s.models.count))
        for m in s.models {
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
        w.varint(UInt64(s.abTests.count))
        for t in s.abTests { encode(t, format: format, &w) }
        if format >= 4 {
            // Version 4: the monitoring part's length first, so that opening can leave it in the snapshot.
            if let bytes = s.monitoring.unchangedBytes {
                w.varint(UInt64(bytes.count))
                w.bytes.append(contentsOf: bytes)
            } else {
                var part = BinaryWriter()
                encodeMonitoring(s.monitoring.value, &part)
                w.varint(UInt64(part.bytes.count))
                w.bytes.append(contentsOf: part.bytes)
            }
        } else {
            encodeMonitoring(s.monitoring.value, &w)
        }
        // Version 2: the store's own facts.
        w.optional(s.retentionSetting) { $0.int($1) }
        w.optional(s.pruned) { w, p in w.varint(p.throughSequence); w.zigzag(p.throughTime); w.string(p.chain) }
        w.strings(s.erasedPseudonyms)
        return w.bytes
    }

    /// Decodes a state written by ``encode(_:)``.
    package static func decode(_ bytes: [UInt8]) throws(CodecError) -> LogbookState {
        var result: Result<LogbookState, CodecError> = .failure(.truncated(at: 0, needed: 1))
        let region = ByteRegion(copying: bytes)
        result = Result { () throws(CodecError) in try decode(region.bytes, region: region) }
        return try result.get()
    }

    /// Decodes a state whose bytes are `region.bytes[offset...]` (a mapped snapshot file): A/B units are kept in
    /// the region and searched in place.
    package static func decode(region: ByteRegion, from offset: Int) throws(CodecError) -> LogbookState {
        try decode(UnsafeRawBufferPointer(rebasing: region.bytes[offset...]), region: region)
    }

    private static func decode(_ b: UnsafeRawBufferPointer, region: ByteRegion) throws(CodecError) -> LogbookState {
        var r = BinaryReader(b)
        let v = try r.u8()
        guard v >= 1 && v <= version else { throw CodecError.invalidValue(at: 0, "snapshot state version \(v) is not supported") }
        var s = LogbookState()
        s.lastSequence = try r.varint()
        s.lastTimestamp = try r.zigzag()
        s.metricKeys = StringTable(try r.strings())
        s.actors = StringTable(try r.strings())
        let actorLists = try r.count(minimumElementSize: 1)
        guard actorLists == s.actors.strings.count else {
            throw CodecError.invalidValue(at: r.offset, "\(actorLists) actor event lists for \(s.actors.strings.count) actors")
        }
        for _ in 0..<actorLists { s.actorEvents.append(try positions(&r)) }
        let experiments = try r.count(minimumElementSize: 4)
        for i in 0..<experiments {
            var e = Experiment(id: i + 1, name: try r.string(), tags: try r.keyValues(), createdTime: 0)
            e.isDeleted = try bool(&r)
            e.createdTime = try r.zigzag()
            s.experiments.append(e)
            s.experimentEvents.append(try positions(&r))
            if v >= 4 { s.experiments[i].runs = try ascending(&r) }
        }
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
        let models = try r.count(minimumElementSize: 8)
        for i in 0..<models {
            let name = try r.string()
            var m = Model(ordinal: i + 1, name: name, description: try r.optionalString(), owner: try r.optionalString(),
                          purpose: try r.optionalString(), riskTier: try r.enumValue(RiskTier.self, "risk tier"),
                          createdTime: 0)
            m.validation = try r.enumValue(ValidationStatus.self, "validation status")
            m.isDeleted = try bool(&r)
            m.createdTime = try r.zigzag()
            let versions = try r.count(minimumElementSize: 10)
            for n in 0..<versions {
                var v = ModelVersion(number: n + 1, run: try r.int(), artifactPath: try r.optionalString(),
                                     artifactSHA256: try r.optionalString(), parent: try r.optionalInt(),
                                     description: try r.optionalString(), datasets: try r.keyValues(),
                                     metrics: try r.keyValues(), createdTime: 0, stageTime: 0)
                v.stage = try r.enumValue(Stage.self, "stage")
                v.createdTime = try r.zigzag()
                v.stageTime = try r.zigzag()
                v.pendingPromotionBy = try r.optionalString()
                guard v.run >= 1 && v.run <= s.runs.count, v.parent.map({ $0 >= 1 && $0 <= n }) ?? true else {
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
            s.models.append(m)
        }
        let tests = try r.count(minimumElementSize: 16)
        for i in 0..<tests {
            let t = try decodeTest(ordinal: i + 1, version: v, region: region, base: b, &r)
            guard t.model >= 1 && t.model <= s.models.count,
                  t.variants.allSatisfy({ $0.version >= 1 && $0.version <= s.models[t.model - 1].versions.count }) else {
                throw CodecError.invalidValue(at: r.offset, "A/B test \(t.name) names a model or version that does not exist")
            }
            s.abTests.append(t)
        }
        let versions = s.models.map(\.versions.count)
        if v >= 4 {
            let length = try r.count(minimumElementSize: 1)
            let start = base(b, region) + r.offset
            r.skip(to: r.offset + length)
            s.monitoring = LazyPart(source: .init(region: region, range: start..<(start + length)) { bytes in
                var part = BinaryReader(bytes)
                // A part whose checksum holds but that does not decode (not written by Logbook) reads as empty;
                // `logbook check` compares every snapshot byte for byte with a replay.
                guard let m = try? decodeMonitoring(versions: versions, &part), part.remaining == 0 else { return Monitoring() }
                return m
            })
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

    private static let statuses: [ABTestStatus] = [.created, .running, .stopped, .concluded]

    private static func encode(_ t: ABTest, format: UInt8, _ w: inout BinaryWriter) {
        w.string(t.name)
        w.int(t.model)
        w.varint(UInt64(t.variants.count))
        for v in t.variants { w.string(v.name); w.int(v.version); w.int(v.weightBasisPoints) }
        w.string(t.metric)
        w.u8(t.continuous ? 1 : 0)
        w.varint(UInt64(t.guardrails.count))
        for g in t.guardrails { w.string(g.metric); w.u8(g.higherIsWorse ? 1 : 0) }
        w.int(t.minimumSample)
        w.double(t.alpha)
        w.string(t.salt)
        w.u8(t.sequential ? 1 : 0)
        w.u8(UInt8(statuses.firstIndex(of: t.status)!))
        w.zigzag(t.createdTime)
        w.optional(t.startedTime) { $0.zigzag($1) }
        w.optional(t.stoppedTime) { $0.zigzag($1) }
        w.optionalString(t.decision)
        w.optionalInt(t.promotedVariant)
        // Assignments sorted by unit hash, hashes delta-encoded (units per variant are derived from them).
        // Version 3: unit hashes as sorted fixed-width u64 arrays (decoding is a copy), then the variants.
        // Version 4: the units per variant first, so that decoding need not count them.
        if format >= 4 { for u in t.units { w.int(u) } }
        let (keys, values) = t.assignments.sortedArrays()
        w.varint(UInt64(keys.count))
        for k in keys { w.u64(k) }
        w.bytes.append(contentsOf: values)
        for set in t.outcomeUnits {
            let (units, _) = set.sortedArrays()
            w.varint(UInt64(units.count))
            for k in units { w.u64(k) }
        }
        for perVariant in t.tallies {
            for tally in perVariant {
                let p = tally.summary.storedParts
                w.int(p.count); w.double(p.shift); w.double(p.shiftedMean); w.double(p.sumOfSquares)
                w.int(tally.conversions)
            }
        }
        for p in t.sequentialMinimumPositive { w.optionalDouble(p) }
        for p in t.sequentialMinimumNegative { w.optionalDouble(p) }
        for p in t.sequentialTauSquared { w.optionalDouble(p) }
        positions(t.events, &w)
    }

    private static func decodeTest(ordinal: Int, version: UInt8, region: ByteRegion, base: UnsafeRawBufferPointer,
                                   _ r: inout BinaryReader) throws(CodecError) -> ABTest {
        let name = try r.string()
        let model = try r.int()
        let variantCount = try r.count(minimumElementSize: 3)
        guard variantCount >= 2 && variantCount <= 255 else {
            throw CodecError.invalidValue(at: r.offset, "an A/B test has \(variantCount) variants")
        }
        var variants: [ABVariant] = []
        for _ in 0..<variantCount {
            let n = try r.string(), v = try r.int()
            variants.append(ABVariant(name: n, version: v, weightBasisPoints: try r.int()))
        }
        let metric = try r.string()
        let continuous = try bool(&r)
        let guardrailCount = try r.count(minimumElementSize: 2)
        var guardrails: [ABGuardrail] = []
        for _ in 0..<guardrailCount {
            let m = try r.string()
            guardrails.append(ABGuardrail(metric: m, higherIsWorse: try bool(&r)))
        }
        let minimumSample = try r.int(), alpha = try r.double(), salt = try r.string(), sequential = try bool(&r)
        var t = ABTest(ordinal: ordinal, name: name, model: model, variants: variants, metric: metric, continuous: continuous,
                       guardrails: guardrails, minimumSample: minimumSample, alpha: alpha, salt: salt,
                       sequential: sequential, createdTime: 0)
        let status = Int(try r.u8())
        guard status < statuses.count else { throw CodecError.invalidValue(at: r.offset, "A/B status \(status)") }
        t.status = statuses[status]
        t.createdTime = try r.zigzag()
        t.startedTime = try r.optionalZigzag()
        t.stoppedTime = try r.optionalZigzag()
        t.decision = try r.optionalString()
        t.promotedVariant = try r.optionalInt()
        if version >= 4 {
            // The units stay in the snapshot's bytes, searched in place: opening reads their counts, and checks only
            // that every variant byte names a variant (a binary search of keys out of order would find wrong
            // entries, never read out of bounds; `logbook check` compares the bytes with a replay).
            for v in 0..<variants.count { t.units[v] = try r.int() }
            let packed = try packedUnits(&r, region, base, hasValues: true)
            guard t.units.allSatisfy({ $0 >= 0 }), t.units.reduce(0, &+) == packed.count,
                  packed.largestValue() < variants.count else {
                throw CodecError.invalidValue(at: r.offset, "the assigned units do not match their counts or variants")
            }
            t.assignments = UnitMap(packed: packed)
            for m in 0..<t.outcomeUnits.count { t.outcomeUnits[m] = UnitMap(packed: try packedUnits(&r, region, base, hasValues: false)) }
        } else if version >= 3 {
            // The units stay in the snapshot's bytes (searched in place): check them, count them, copy nothing.
            let packed = try packedUnits(&r, region, base, hasValues: true)
            for i in 0..<packed.count {
                let v = packed.value(i)
                guard Int(v) < variants.count else { throw CodecError.invalidValue(at: r.offset, "variant index \(v)") }
                guard i == 0 || packed.key(i - 1) < packed.key(i) else {
                    throw CodecError.invalidValue(at: r.offset, "unit hashes out of order")
                }
                t.units[Int(v)] += 1
            }
            t.assignments = UnitMap(packed: packed)
            for m in 0..<t.outcomeUnits.count {
                let set = try packedUnits(&r, region, base, hasValues: false)
                for i in 1..<max(1, set.count) where set.key(i - 1) >= set.key(i) {
                    throw CodecError.invalidValue(at: r.offset, "outcome unit hashes out of order")
                }
                t.outcomeUnits[m] = UnitMap(packed: set)
            }
        } else {
            let (keys, values) = try unitArraysV1(&r)
            for (i, v) in values.enumerated() {
                guard Int(v) < variants.count else { throw CodecError.invalidValue(at: r.offset, "variant index \(v)") }
                guard i == 0 || keys[i - 1] < keys[i] else { throw CodecError.invalidValue(at: r.offset, "unit hashes out of order") }
                t.units[Int(v)] += 1
            }
            t.assignments = UnitMap(sortedKeys: keys, values: values)
            for m in 0..<t.outcomeUnits.count {
                let set = try unitSetV1(&r)
                guard zip(set, set.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw CodecError.invalidValue(at: r.offset, "outcome unit hashes out of order")
                }
                t.outcomeUnits[m] = UnitMap(sortedKeys: set, values: [UInt8](repeating: 0, count: set.count))
            }
        }
        for v in 0..<variants.count {
            for m in 0..<(1 + guardrails.count) {
                let parts = (count: try r.int(), shift: try r.double(), shiftedMean: try r.double(), sumOfSquares: try r.double())
                t.tallies[v][m].summary = RunningSummary(storedParts: parts)
                t.tallies[v][m].conversions = try r.int()
            }
        }
        for i in t.sequentialMinimumPositive.indices { t.sequentialMinimumPositive[i] = try r.optionalDouble() }
        for i in t.sequentialMinimumNegative.indices { t.sequentialMinimumNegative[i] = try r.optionalDouble() }
        for i in t.sequentialTauSquared.indices { t.sequentialTauSquared[i] = try r.optionalDouble() }
        t.events = try positions(&r)
        return t
    }

    private static func encodeMonitoring(_ s: Monitoring, _ w: inout BinaryWriter) {
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

    /// Units, version 3: the count, the sorted unit hashes as u64, then (assignments) one variant byte each; left
    /// where they are in the payload.
    private static func packedUnits(_ r: inout BinaryReader, _ region: ByteRegion, _ base: UnsafeRawBufferPointer,
                                    hasValues: Bool) throws(CodecError) -> UnitMap.Packed {
        let n = try r.count(minimumElementSize: hasValues ? 9 : 8)
        let start = r.offset
        r.skip(to: start + n * (hasValues ? 9 : 8))
        // Offsets in the packed units are into the region (the reader's bytes may start past its beginning).
        return UnitMap.Packed(region: region, keys: Self.base(base, region) + start, count: n, hasValues: hasValues)
    }

    /// Assignments, versions 1 and 2: the count, then per unit the hash as a varint delta and the variant byte.
    private static func unitArraysV1(_ r: inout BinaryReader) throws(CodecError) -> ([UInt64], [UInt8]) {
        let n = try r.count(minimumElementSize: 2)
        var keys = [UInt64](), values = [UInt8]()
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
        var h: UInt64 = 0
        for _ in 0..<n {
            h &+= try r.varint()
            keys.append(h)
            values.append(try r.u8())
        }
        return (keys, values)
    }

    /// Outcome units, versions 1 and 2: the count, then varint deltas.
    private static func unitSetV1(_ r: inout BinaryReader) throws(CodecError) -> [UInt64] {
        let n = try r.count(minimumElementSize: 1)
        var set = [UInt64]()
        set.reserveCapacity(n)
        var last: UInt64 = 0
        for _ in 0..<n { last &+= try r.varint(); set.append(last) }
        return set
    }

    /// Where the reader's bytes start in the region (they may start past its beginning).
    private static func base(_ b: UnsafeRawBufferPointer, _ region: ByteRegion) -> Int {
        region.bytes.baseAddress.map { b.baseAddress! - $0 } ?? 0
    }

    /// Strictly ascending positive integers (run ordinals) as deltas.
    private static func ascending(_ list: [Int], _ w: inout BinaryWriter) {
        w.varint(UInt64(list.count))
        var last = 0
        for x in list { w.varint(UInt64(x - last)); last = x }
    }

    private static func ascending(_ r: inout BinaryReader) throws(CodecError) -> [Int] {
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
