internal import LogbookEvents
internal import LogbookStats
internal import LogbookStorage

/// A/B tests in a snapshot: their settings, units (searched in place in the mapped snapshot), tallies and events.
extension StateCodec {
    static let statuses: [ABTestStatus] = [.created, .running, .stopped, .concluded]

    static func encode(_ t: ABTest, format: UInt8, _ w: inout BinaryWriter) {
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
        // Version 6: each set of units with outcomes is a kind byte, then as before (0) or a bitmap over the assigned
        // units (1), whichever is smaller (a bitmap only when every unit of the set is assigned, as replay makes them).
        if format >= 4 { for u in t.units { w.int(u) } }
        let (keys, values) = t.assignments.sortedArrays()
        w.varint(UInt64(keys.count))
        for k in keys { w.u64(k) }
        w.bytes.append(contentsOf: values)
        for set in t.outcomeUnits {
            let (units, _) = set.sortedArrays()
            if format >= 6, let bits = bitmap(of: units, over: keys), bits.count < 8 * units.count {
                w.u8(1)
                w.varint(UInt64(units.count))
                w.bytes.append(contentsOf: bits)
                continue
            }
            if format >= 6 { w.u8(0) }
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

    /// The A/B tests (a count, then each); `versions` holds the number of versions of each model.
    static func decodeTests(_ r: inout BinaryReader, version: UInt8, region: ByteRegion, base: UnsafeRawBufferPointer,
                            versions: [Int]) throws(CodecError) -> [ABTest] {
        let count = try r.count(minimumElementSize: 16)
        var tests: [ABTest] = []
        for i in 0..<count {
            let t = try decodeTest(ordinal: i + 1, version: version, region: region, base: base, &r)
            guard t.model >= 1 && t.model <= versions.count,
                  t.variants.allSatisfy({ $0.version >= 1 && $0.version <= versions[t.model - 1] }) else {
                throw CodecError.invalidValue(at: r.offset, "A/B test \(t.name) names a model or version that does not exist")
            }
            tests.append(t)
        }
        return tests
    }

    static func decodeTest(ordinal: Int, version: UInt8, region: ByteRegion, base: UnsafeRawBufferPointer,
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
            for m in 0..<t.outcomeUnits.count {
                let kind = version >= 6 ? try r.u8() : 0
                guard kind <= 1 else { throw CodecError.invalidValue(at: r.offset - 1, "units with outcomes of kind \(kind)") }
                if kind == 1 {
                    t.outcomeUnits[m] = UnitMap(packed: try bitmapUnits(&r, over: packed, region, base))
                } else {
                    t.outcomeUnits[m] = UnitMap(packed: try packedUnits(&r, region, base, hasValues: false))
                }
            }
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

    /// Units, version 3: the count, the sorted unit hashes as u64, then (assignments) one variant byte each; left
    /// where they are in the payload.
    static func packedUnits(_ r: inout BinaryReader, _ region: ByteRegion, _ base: UnsafeRawBufferPointer,
                                    hasValues: Bool) throws(CodecError) -> UnitMap.Packed {
        let n = try r.count(minimumElementSize: hasValues ? 9 : 8)
        let start = r.offset
        r.skip(to: start + n * (hasValues ? 9 : 8))
        // Offsets in the packed units are into the region (the reader's bytes may start past its beginning).
        return UnitMap.Packed(region: region, keys: Self.base(base, region) + start, count: n, hasValues: hasValues)
    }

    /// The bitmap of `units` over `keys` (both ascending): bit `i % 8` of byte `i / 8` set when `keys[i]` is one of
    /// `units`. Nil when some unit is not among `keys`.
    static func bitmap(of units: [UInt64], over keys: [UInt64]) -> [UInt8]? {
        var bits = [UInt8](repeating: 0, count: (keys.count + 7) / 8)
        var i = 0
        for u in units {
            while i < keys.count && keys[i] < u { i += 1 }
            guard i < keys.count && keys[i] == u else { return nil }
            bits[i >> 3] |= 1 << UInt8(i & 7)
            i += 1
        }
        return bits
    }

    /// Units with outcomes, version 6, kind 1: the count, then a bitmap over the assigned units `keys` (one bit each,
    /// padded to a byte with zeros), left where it is in the payload. The bits set must number the count.
    static func bitmapUnits(_ r: inout BinaryReader, over keys: UnitMap.Packed, _ region: ByteRegion,
                            _ base: UnsafeRawBufferPointer) throws(CodecError) -> UnitMap.Packed {
        let at = r.offset
        let n = try r.varint()
        guard n <= UInt64(keys.count) else {
            throw CodecError.invalidValue(at: at, "\(n) units with outcomes of \(keys.count) assigned")
        }
        let members = Int(n)
        let length = (keys.count + 7) / 8
        guard r.remaining >= length else { throw CodecError.truncated(at: r.offset, needed: length) }
        let start = r.offset
        let bits = UnsafeRawBufferPointer(rebasing: base[start..<(start + length)])
        let set = bits.reduce(0) { $0 + $1.nonzeroBitCount }
        let padding = keys.count % 8 == 0 ? 0 : bits[length - 1] >> UInt8(keys.count % 8)
        guard set == members, padding == 0 else {
            throw CodecError.invalidValue(at: at, "a bitmap of units with outcomes has \(set) bits set for \(members) units")
        }
        r.skip(to: start + length)
        return UnitMap.Packed(holding: keys, bitmap: Self.base(base, region) + start, members: members)
    }

    /// Assignments, versions 1 and 2: the count, then per unit the hash as a varint delta and the variant byte.
    static func unitArraysV1(_ r: inout BinaryReader) throws(CodecError) -> ([UInt64], [UInt8]) {
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
    static func unitSetV1(_ r: inout BinaryReader) throws(CodecError) -> [UInt64] {
        let n = try r.count(minimumElementSize: 1)
        var set = [UInt64]()
        set.reserveCapacity(n)
        var last: UInt64 = 0
        for _ in 0..<n { last &+= try r.varint(); set.append(last) }
        return set
    }
}
