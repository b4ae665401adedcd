internal import LogbookEvents
internal import LogbookStorage
import Synchronization

/// The model registry: models by ordinal - 1, and their ordinals by name (derived, not encoded).
///
/// Decoded from a snapshot, the models stay in its bytes: finding their places and names is a skim of the part
/// (no model is built), and a model is decoded when first read. So a command about one model, and a tail of
/// events about a few, decode those models only. `models` (all of them) decodes the rest.
struct Registry: ReplayedPart {
    /// The snapshot's models, read in place.
    private var packed: PackedModels?
    /// Snapshot models changed since, by index.
    private var changed: [Int: Model] = [:]
    /// Models after the snapshot's (all of them when the registry was not read from a snapshot).
    private var tail: [Model] = []
    /// Ordinals by name: of each name, the newest model.
    var byName: [String: Int] = [:]

    init(_ models: [Model] = []) {
        tail = models
        for m in models { byName[m.name] = m.ordinal }
    }

    /// A registry whose models stay in a snapshot's bytes until read.
    init(packed: PackedModels) {
        self.packed = packed
        for (i, name) in packed.names.enumerated() { byName[name] = i + 1 }
    }

    private var packedCount: Int { packed?.count ?? 0 }

    /// The number of models.
    var count: Int { packedCount + tail.count }

    /// Model `i + 1`, decoded when first read.
    subscript(i: Int) -> Model {
        get {
            let p = packedCount
            if i >= p { return tail[i - p] }
            return changed[i] ?? packed!.model(i)
        }
        _modify {
            let p = packedCount
            if i >= p {
                yield &tail[i - p]
            } else {
                if changed[i] == nil { changed[i] = packed!.model(i) }
                yield &changed[i]!
            }
        }
    }

    /// Every model: the snapshot's all decoded (once, then kept), with the changes and additions since. No copy is
    /// made when nothing changed since the snapshot.
    var models: [Model] {
        get {
            guard let packed else { return tail }
            var all = packed.all()
            if changed.isEmpty && tail.isEmpty { return all }
            for (i, m) in changed { all[i] = m }
            return all + tail
        }
        set {
            packed = nil
            changed = [:]
            tail = newValue
        }
    }

    /// Adds a model (its ordinal must be `count + 1`).
    mutating func append(_ model: Model) {
        tail.append(model)
        byName[model.name] = model.ordinal
    }

    /// The name of model `i + 1`, without decoding it.
    func name(_ i: Int) -> String {
        let p = packedCount
        if i >= p { return tail[i - p].name }
        return changed[i]?.name ?? packed!.names[i]
    }

    /// The number of versions of each model, without decoding them (what A/B tests and monitoring check against).
    var versionCounts: [Int] {
        (0..<count).map { i in
            let p = packedCount
            if i >= p { return tail[i - p].versions.count }
            return changed[i]?.versions.count ?? packed!.versionCounts[i]
        }
    }

    /// Writes the models as ``StateCodec`` does, copying the bytes of snapshot models not changed since (never
    /// those of a model that did not decode).
    func encode(_ w: inout BinaryWriter) {
        w.varint(UInt64(count))
        for i in 0..<count {
            if i < packedCount, changed[i] == nil, let bytes = packed!.soundBytes(i) {
                w.bytes.append(contentsOf: bytes)
            } else {
                StateCodec.encode(self[i], &w)
            }
        }
    }

    /// How many of the snapshot's models have been decoded (for tests of what a command reads).
    var decodedModels: Int { packed?.decodedCount ?? 0 }

    /// Applies an event that changes the registry and nothing else (of `version.registered`, the registry's half):
    /// reading nothing but the registry, it can wait until the registry is first read.
    mutating func apply(_ event: Event, timestamp: Int64, actor: String, position: LogPosition) {
        switch event {
        case let .modelCreated(model, name, description, owner, purpose, riskTier):
            guard model == count + 1 else { return }
            append(Model(ordinal: model, name: name, description: description, owner: owner, purpose: purpose,
                         riskTier: riskTier, createdTime: timestamp, events: [position]))
        case let .modelUpdated(model, description, owner, purpose, riskTier, validation):
            withModel(model, position) { m in
                if let description { m.description = description }
                if let owner { m.owner = owner }
                if let purpose { m.purpose = purpose }
                if let riskTier { m.riskTier = riskTier }
                if let validation { m.validation = validation }
            }
        case let .modelDeleted(model):
            withModel(model, position) { m in m.isDeleted = true }
        case let .modelRestored(model):
            withModel(model, position) { m in m.isDeleted = false }
        case let .versionRegistered(model, version, run, artifactPath, artifactSHA256, parent, description, datasets, metrics):
            withModel(model, position) { m in
                guard version == m.versions.count + 1 else { return }
                m.versions.append(ModelVersion(number: version, run: run, artifactPath: artifactPath,
                                               artifactSHA256: artifactSHA256, parent: parent, description: description,
                                               datasets: datasets, metrics: metrics, createdTime: timestamp,
                                               stageTime: timestamp))
            }
        case let .stageChanged(model, version, _, to, archived):
            withModel(model, position) { m in
                for a in archived where a >= 1 && a <= m.versions.count {
                    m.versions[a - 1].stage = .archived
                    m.versions[a - 1].stageTime = timestamp
                }
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].stage = to
                m.versions[version - 1].stageTime = timestamp
                m.versions[version - 1].pendingPromotionBy = nil
            }
        case let .aliasSet(model, alias, version):
            withModel(model, position) { m in m.aliases.set(alias, String(version)) }
        case let .aliasRemoved(model, alias):
            withModel(model, position) { m in m.aliases.remove(alias) }
        case let .policySet(model, policy):
            withModel(model, position) { m in m.policy = policy }
        case let .promotionEvaluated(model, version, evaluation):
            withModel(model, position) { m in
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].pendingPromotionBy = evaluation.decision == .pendingApproval ? actor : nil
            }
        case let .promotionApproved(model, _):
            withModel(model, position) { _ in }
        case let .promotionRejected(model, version):
            withModel(model, position) { m in
                guard version >= 1 && version <= m.versions.count else { return }
                m.versions[version - 1].pendingPromotionBy = nil
            }
        case let .rollbackPerformed(model, _, _):
            withModel(model, position) { _ in }
        case .driftChecked(let model, _, _, _, _, _, _, _, _):
            withModel(model, position) { _ in }
        default:
            preconditionFailure("not a registry event: \(EventCodec.tag(of: event))")
        }
    }

    private mutating func withModel(_ model: Int, _ position: LogPosition, _ body: (inout Model) -> Void) {
        guard model >= 1 && model <= count else { return }
        body(&self[model - 1])
        self[model - 1].events.append(position)
    }
}

/// A snapshot's models in its bytes: where each lies, its name and its number of versions (from a skim of the
/// part, ``StateCodec/skipModel(_:)``); each model decoded when first read, then kept.
final class PackedModels: Sendable {
    private let region: ByteRegion
    private let ranges: [Range<Int>]
    let names: [String]
    let versionCounts: [Int]
    /// How many runs a version may name.
    private let runs: Int
    /// Where a model that does not decode is read from instead.
    private let recovery: SnapshotRecovery?
    /// The models decoded so far, and which of them did not decode.
    private let cache = Mutex<(models: [Int: Model], failed: Set<Int>, all: [Model]?)>(([:], [], nil))

    /// Skims the models at `r` (a reader over `region.bytes[base...]`) to the end of their count.
    init(_ r: inout BinaryReader, region: ByteRegion, base: Int, runs: Int, recovery: SnapshotRecovery?) throws(CodecError) {
        let n = try r.count(minimumElementSize: 8)
        var ranges: [Range<Int>] = [], names: [String] = [], versions: [Int] = []
        ranges.reserveCapacity(n)
        for _ in 0..<n {
            let start = r.offset
            let (name, count) = try StateCodec.skipModel(&r)
            ranges.append((base + start)..<(base + r.offset))
            names.append(name)
            versions.append(count)
        }
        self.region = region
        self.ranges = ranges
        self.names = names
        versionCounts = versions
        self.runs = runs
        self.recovery = recovery
    }

    var count: Int { ranges.count }

    /// Model `i`'s encoded bytes.
    func bytes(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: region.bytes[ranges[i]]) }

    /// Model `i + 1`. The part passed its checksum before it was skimmed, so only bytes a writer of another kind
    /// made fail here: such a model is read as the log rebuilds it (``SnapshotRecovery``), or, when that fails too
    /// or there is no log to rebuild from, as deleted with no versions (`logbook check` reports the snapshot).
    func model(_ i: Int) -> Model {
        if let m = cache.withLock({ $0.models[i] }) { return m }
        var r = BinaryReader(bytes(i))
        var m: Model
        let decoded = try? StateCodec.decodeModel(&r, ordinal: i + 1, runs: runs)
        if let decoded, r.remaining == 0 {
            m = decoded
        } else if let state = recovery?.state(for: "model \(i + 1)"), i < state.registry.value.count {
            m = state.registry.value[i]
        } else {
            m = Model(ordinal: i + 1, name: names[i], description: nil, owner: nil, purpose: nil, riskTier: .unspecified,
                      createdTime: 0)
            m.isDeleted = true
        }
        let failed = decoded == nil || r.remaining != 0
        cache.withLock {
            $0.models[i] = m
            if failed { $0.failed.insert(i) }
        }
        return m
    }

    /// Every model, decoded (once): what a scan of all models reads, as one array.
    func all() -> [Model] {
        if let all = cache.withLock({ $0.all }) { return all }
        let all = (0..<count).map(model)
        cache.withLock { $0.all = all }
        return all
    }

    /// Model `i`'s bytes to copy into the next snapshot: nil when it did not decode (it is then encoded from what
    /// was read instead). A model never read is copied: the part's checksum held.
    func soundBytes(_ i: Int) -> UnsafeRawBufferPointer? {
        cache.withLock { $0.failed.contains(i) } ? nil : bytes(i)
    }

    var decodedCount: Int { cache.withLock { $0.models.count } }
}
