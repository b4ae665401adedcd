public import LogbookEvents
package import LogbookStats
package import LogbookStorage

/// Where an A/B test stands.
public enum ABTestStatus: String, Sendable, Equatable {
    case created, running, stopped, concluded
}

/// An A/B test as the projection knows it: its definition, and streaming tallies so that its status is
/// O(variants) to compute however many units it has.
public struct ABTest: Equatable, Sendable {
    /// Its ordinal (1, 2, ...).
    public var ordinal: Int
    /// Its name.
    public var name: String
    /// The model (ordinal) whose versions it compares.
    public var model: Int
    /// The variants; the first is the control.
    public var variants: [ABVariant]
    /// The primary metric.
    public var metric: String
    /// Whether the primary metric is continuous (else a 0/1 conversion per unit).
    public var continuous: Bool
    /// Guardrail metrics.
    public var guardrails: [ABGuardrail]
    /// Units per arm before a fixed-horizon decision.
    public var minimumSample: Int
    /// Significance level.
    public var alpha: Double
    /// The assignment salt.
    public var salt: String
    /// Decisions on always-valid p-values.
    public var sequential: Bool
    /// Status.
    public var status: ABTestStatus = .created
    /// When it was created, started, stopped.
    public var createdTime: Int64
    public var startedTime: Int64?
    public var stoppedTime: Int64?
    /// The conclusion, once concluded.
    public var decision: String?
    /// The variant whose version was promoted at the conclusion.
    public var promotedVariant: Int?
    /// The variant of each assigned unit, by the unit's hash (the first 8 bytes of SHA-256 of `SALT.UNIT`).
    package var assignments = UnitMap()
    /// Units assigned per variant.
    public var units: [Int]
    /// Per metric (0 = primary, then guardrails): the unit hashes that have an outcome for it.
    package var outcomeUnits: [UnitMap]
    /// Per variant, per metric: the tallies.
    package var tallies: [[MetricTally]]
    /// Per treatment: the running minimum of the always-valid p-value over the looks where it was ahead, and where
    /// it was behind, updated after every outcome batch; and its mixing variance τ², fixed at its first look.
    package var sequentialMinimumPositive: [Double?]
    package var sequentialMinimumNegative: [Double?]
    package var sequentialTauSquared: [Double?]
    /// Positions of its events.
    package var events: [LogPosition] = []

    init(ordinal: Int, name: String, model: Int, variants: [ABVariant], metric: String, continuous: Bool,
         guardrails: [ABGuardrail], minimumSample: Int, alpha: Double, salt: String, sequential: Bool, createdTime: Int64) {
        self.ordinal = ordinal
        self.name = name
        self.model = model
        self.variants = variants
        self.metric = metric
        self.continuous = continuous
        self.guardrails = guardrails
        self.minimumSample = minimumSample
        self.alpha = alpha
        self.salt = salt
        self.sequential = sequential
        self.createdTime = createdTime
        units = Array(repeating: 0, count: variants.count)
        outcomeUnits = Array(repeating: UnitMap(), count: 1 + guardrails.count)
        tallies = Array(repeating: Array(repeating: MetricTally(), count: 1 + guardrails.count), count: variants.count)
        sequentialMinimumPositive = Array(repeating: nil, count: max(0, variants.count - 1))
        sequentialMinimumNegative = sequentialMinimumPositive
        sequentialTauSquared = sequentialMinimumPositive
    }

    /// The hash that buckets a unit: the first 8 bytes of SHA-256 of `SALT.UNIT`, big-endian.
    public static func unitHash(salt: String, unit: String) -> UInt64 {
        var salt = salt, unit = unit
        return salt.withUTF8 { s in
            unit.withUTF8 { u in
                withUnsafeBytes(of: UInt8(ascii: ".")) { dot in
                    SHA256.hash(UnsafeRawBufferPointer(s), dot, UnsafeRawBufferPointer(u)).prefix64
                }
            }
        }
    }

    /// ``unitHash(salt:unit:)`` of every unit, in order: two at a time with the SHA extensions
    /// (`SHA256.PrefixHasher`), and the `SALT.` prefix built once.
    package static func unitHashes<Units: Collection<String>>(salt: String, _ units: Units) -> [UInt64] {
        var prefix = Array(salt.utf8)
        prefix.append(UInt8(ascii: "."))
        let n = units.count
        return [UInt64](unsafeUninitializedCapacity: n) { out, initialized in
            prefix.withUnsafeBytes { p in
                SHA256.withPrefixHasher(prefix: p, into: out) { hasher in
                    var i = 0
                    for unit in units {
                        var unit = unit
                        unit.withUTF8 { hasher.add(UnsafeRawBufferPointer($0), at: i) }
                        i += 1
                    }
                }
            }
            initialized = n
        }
    }

    /// The variant a unit hashes to (deterministic across processes and machines): bucket = hash mod 10,000,
    /// mapped through the cumulative basis-point weights.
    public func variantIndex(forHash hash: UInt64) -> Int? {
        Assignment.variantIndex(bucket: Assignment.bucket(fromSHA256Prefix: hash),
                                weightsBasisPoints: variants.map(\.weightBasisPoints))
    }

    /// The recorded variant of a unit, if it was assigned.
    public func assignedVariant(ofUnit unit: String) -> Int? {
        assignments[Self.unitHash(salt: salt, unit: unit)].map(Int.init)
    }

    /// The tallies in the analysis' form.
    package var arms: [ArmTally] {
        variants.indices.map { v in
            ArmTally(name: variants[v].name, weightBasisPoints: variants[v].weightBasisPoints, units: units[v],
                     primary: tallies[v][0], guardrails: Array(tallies[v].dropFirst()))
        }
    }

    /// The analysis settings of this test.
    package var settings: AnalysisSettings {
        var s = AnalysisSettings(binary: !continuous, alpha: alpha, minimumSample: minimumSample,
                                 guardrailDirections: guardrails.map { $0.higherIsWorse ? .higher : .lower },
                                 sequential: sequential, sequentialMinimumPositive: sequentialMinimumPositive,
                                 sequentialMinimumNegative: sequentialMinimumNegative)
        s.sequentialTauSquared = sequentialTauSquared
        return s
    }

    /// Batches of at most this many units are applied unit by unit: what a batch does, without its arrays.
    static let smallBatch = 8

    /// Records the variants of `units` (hashed here), as ``assign(_:variants:)`` does.
    mutating func assign(units new: [String], variants chosen: [Int]) {
        guard new.count <= Self.smallBatch else {
            assign(Self.unitHashes(salt: salt, new), variants: chosen)
            return
        }
        for (unit, v) in zip(new, chosen) where v >= 0 && v < variants.count {
            guard let small = UInt8(exactly: v) else { continue }
            if assignments.insert(Self.unitHash(salt: salt, unit: unit), small) { units[v] += 1 }
        }
    }

    /// Applies assignments (first time only; a repeated unit is ignored, as replay of a valid log never has one).
    mutating func assign(_ hashes: [UInt64], variants chosen: [Int]) {
        var batch: [(key: UInt64, value: UInt8)] = []
        batch.reserveCapacity(hashes.count)
        for (h, v) in zip(hashes, chosen) where v >= 0 && v < variants.count {
            if let small = UInt8(exactly: v) { batch.append((h, small)) }
        }
        for i in assignments.insert(batch: batch) { units[Int(batch[i].value)] += 1 }
    }

    /// Applies outcomes of assigned units, then updates the always-valid p-values.
    mutating func record(_ outcomes: [ABOutcome]) {
        if outcomes.count <= Self.smallBatch {
            // One by one, which a batch equals: an accumulator takes its outcomes in the event's order either way.
            for o in outcomes where o.metric >= 0 && o.metric < outcomeUnits.count {
                let h = Self.unitHash(salt: salt, unit: o.unit)
                guard let v = assignments[h] else { continue }
                if outcomeUnits[o.metric].insert(h, 0) { tallies[Int(v)][o.metric].add(o.value) }
            }
        } else {
            recordBatch(outcomes)
        }
        updateSequentialPValues()
    }

    private mutating func recordBatch(_ outcomes: [ABOutcome]) {
        // Per metric, the event's assigned units are merged into the outcome set at once; the tallies then take
        // the new outcomes in the event's order, as one-by-one inserts would.
        // The hashes are sorted once: that order looks up their variants in one walk of the assignments and,
        // filtered per metric, merges them into the outcome sets.
        let hashes = Self.unitHashes(salt: salt, outcomes.lazy.map(\.unit))
        let order = KeyOrder.ascending(hashes)
        let assigned = assignments.values(of: hashes, order: order)
        var perMetric: [[(key: UInt64, value: UInt8)]] = Array(repeating: [], count: outcomeUnits.count)
        var chosen: [[(variant: UInt8, value: Double)]] = Array(repeating: [], count: outcomeUnits.count)
        var place = [Int](repeating: -1, count: outcomes.count) // an outcome's position in its metric's batch
        for (i, o) in outcomes.enumerated() where o.metric >= 0 && o.metric < outcomeUnits.count {
            guard let v = assigned[i] else { continue }
            place[i] = perMetric[o.metric].count
            perMetric[o.metric].append((hashes[i], 0))
            chosen[o.metric].append((v, o.value))
        }
        for m in perMetric.indices where !perMetric[m].isEmpty {
            let metricOrder = order.compactMap { place[$0] >= 0 && outcomes[$0].metric == m ? place[$0] : nil }
            for i in outcomeUnits[m].insert(batch: perMetric[m], order: metricOrder) {
                tallies[Int(chosen[m][i].variant)][m].add(chosen[m][i].value)
            }
        }
    }

    /// The always-valid p-values after new outcomes.
    private mutating func updateSequentialPValues() {
        if sequential {
            let arms = self.arms
            for t in 1..<max(1, arms.count) {
                if sequentialTauSquared[t - 1] == nil {
                    sequentialTauSquared[t - 1] = ExperimentAnalysis.mixingVariance(arms[0], arms[t], binary: !continuous)
                }
                guard let tau2 = sequentialTauSquared[t - 1],
                      let look = ExperimentAnalysis.sequentialPValue(arms[0], arms[t], binary: !continuous, tauSquared: tau2) else { continue }
                if look.difference > 0 {
                    sequentialMinimumPositive[t - 1] = min(sequentialMinimumPositive[t - 1] ?? 1, look.pValue)
                } else if look.difference < 0 {
                    sequentialMinimumNegative[t - 1] = min(sequentialMinimumNegative[t - 1] ?? 1, look.pValue)
                }
            }
        }
    }

    public static func == (a: ABTest, b: ABTest) -> Bool {
        a.ordinal == b.ordinal && a.name == b.name && a.model == b.model && a.variants == b.variants
            && a.metric == b.metric && a.continuous == b.continuous && a.guardrails == b.guardrails
            && a.minimumSample == b.minimumSample && a.alpha.bitPattern == b.alpha.bitPattern && a.salt == b.salt
            && a.sequential == b.sequential && a.status == b.status && a.createdTime == b.createdTime
            && a.startedTime == b.startedTime && a.stoppedTime == b.stoppedTime && a.decision == b.decision
            && a.promotedVariant == b.promotedVariant && a.assignments == b.assignments && a.units == b.units
            && a.outcomeUnits == b.outcomeUnits && a.tallies == b.tallies
            && a.sequentialMinimumPositive.map { $0?.bitPattern } == b.sequentialMinimumPositive.map { $0?.bitPattern }
            && a.sequentialMinimumNegative.map { $0?.bitPattern } == b.sequentialMinimumNegative.map { $0?.bitPattern }
            && a.sequentialTauSquared.map { $0?.bitPattern } == b.sequentialTauSquared.map { $0?.bitPattern }
            && a.events == b.events
    }
}
