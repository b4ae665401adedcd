import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("Registry: a snapshot's models found by a skim and decoded one by one when read")
struct RegistryTableTests {
    /// A model with every field set, and one with every optional field empty.
    static func sampleModels() -> [Model] {
        var full = Model(ordinal: 1, name: "fraud-ü", description: "all fields", owner: "team", purpose: "p",
                         riskTier: .high, createdTime: -5)
        full.validation = .validated
        full.isDeleted = true
        for n in 1...3 {
            var v = ModelVersion(number: n, run: n, artifactPath: "s3://x/\(n)", artifactSHA256: String(repeating: "a", count: 64),
                                 parent: n > 1 ? n - 1 : nil, description: "v\(n) ✓", datasets: [KeyValue("train", "d\(n)")],
                                 metrics: [KeyValue("auc", "0.9\(n)"), KeyValue("loss", "0.1")], createdTime: 1_000 * Int64(n),
                                 stageTime: 1_000 * Int64(n) + 1)
            v.stage = [.staging, .production, .archived][n - 1]
            v.pendingPromotionBy = n == 2 ? "alice" : nil
            full.versions.append(v)
        }
        full.aliases = [KeyValue("champion", "2"), KeyValue("shadow", "3")]
        full.policy = PromotionPolicy(metric: "auc", lowerIsBetter: true, minimum: 0.5, improvementPercent: 1,
                                      maxLatencyMs: 40, requiresApproval: true, separateApprover: true)
        full.events = [LogPosition(segment: 1, offset: 80), LogPosition(segment: 1, offset: 400), LogPosition(segment: 9, offset: 81)]
        let empty = Model(ordinal: 2, name: "m", description: nil, owner: nil, purpose: nil, riskTier: .unspecified, createdTime: 0)
        return [full, empty]
    }

    @Test("a skim steps over exactly the bytes decoding reads, and finds the name and the number of versions")
    func skimMatchesDecode() throws {
        var models = Self.sampleModels()
        // And every model of a random history's registry.
        let t = try TestStore()
        randomHistory(t, seed: 9, steps: 300)
        models += t.store.state.models
        #expect(models.count > 4)
        for m in models {
            var w = BinaryWriter()
            StateCodec.encode(m, &w)
            let bytes = w.bytes
            try bytes.withUnsafeBytes { b in
                var skim = BinaryReader(b)
                let (name, versions) = try StateCodec.skipModel(&skim)
                #expect(skim.remaining == 0 && name == m.name && versions == m.versions.count, "\(m.name)")
                var decode = BinaryReader(b)
                #expect(try StateCodec.decodeModel(&decode, ordinal: m.ordinal, runs: 1_000) == m)
                #expect(decode.remaining == 0)
            }
        }
    }

    /// Five models of three versions, snapshotted; then a tail that moves an alias of m2.
    static func store() throws -> TestStore {
        let t = try TestStore()
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.startRun(experiment: "e", id: "r", t.ctx())
        for i in 1...5 {
            for v in 1...3 { try t.store.registerVersion(model: "m\(i)", run: "r", description: "m\(i) v\(v) SENTINEL-\(i)-\(v)", t.ctx()) }
        }
        try t.store.writeSnapshot()
        try t.store.setAlias(model: "m2", alias: "champion", version: 3, t.ctx("moved"))
        return t
    }

    @Test("a command about one model decodes that model (and those the tail changed) only, and equals a replay")
    func oneModelDecoded() throws {
        let t = try Self.store()
        try t.reopen(writable: false)
        let s = t.store.state
        #expect(!s.registry.isDecoded)
        #expect(s.model(named: "m4")?.versions.count == 3)
        // m2's alias move waited in the registry and was applied to m2 alone.
        #expect(s.registry.value.decodedModels == 2)
        #expect(s.model(named: "m2")?.version(forAlias: "champion") == 3)
        #expect(s.registry.value.decodedModels == 2)
        // As of before the alias moved: the same model as a replay up to then, still decoding only that model.
        let before = s.lastSequence - 1
        let then = try t.store.state(at: .sequence(before), forModel: "m2")
        #expect(then.model(named: "m2") == (try fullReplay(t, through: before)).model(named: "m2"))
        #expect(then.registry.value.decodedModels <= 2)
        #expect(s == (try fullReplay(t)))
        // Versions counts for A/B tests and monitoring, without decoding.
        var fresh = try StateCodec.decode(Array(readFile(t.store.snapshots.path(for: s.lastSequence - 1))[96...]))
        #expect(fresh.registry.value.versionCounts == [3, 3, 3, 3, 3])
        #expect(fresh.registry.value.decodedModels == 0)
        fresh.apply(.aliasSet(model: 5, alias: "a", version: 1), timestamp: t.now, actor: "alice",
                    position: LogPosition(segment: 1, offset: 1 << 30))
        #expect(fresh.model(named: "m5")?.version(forAlias: "a") == 1 && fresh.registry.value.decodedModels == 1)
    }

    @Test("a snapshot's unchanged models are copied into the next snapshot as they are: the bytes equal a replay's")
    func unchangedModelsCopied() throws {
        let t = try Self.store()
        try t.reopen()
        try t.store.setAlias(model: "m4", alias: "x", version: 1, t.ctx("x"))
        try t.store.writeSnapshot()
        #expect(t.store.state.registry.value.decodedModels == 2) // m2 (the tail) and m4 (the command)
        let written = Array(readFile(t.store.snapshots.path(for: t.store.state.lastSequence))[96...])
        #expect(written == StateCodec.encode(try fullReplay(t)))
    }

    @Test("a model whose bytes pass the part's checksum but do not decode reads as deleted with no versions; the others as written")
    func undecodableModel() throws {
        let t = try Self.store()
        let state = t.store.state
        var payload = StateCodec.encode(state)
        let sentinel = Array("SENTINEL-3-2".utf8)
        let at = try #require(payload.firstRange(of: sentinel)).lowerBound
        payload[at] = 0xFF // invalid UTF-8: the skim steps over it, decoding refuses it
        StateCodec.fixChecksums(&payload)
        let read = try StateCodec.decode(payload)
        let m3 = try #require(read.model(named: "m3"))
        #expect(m3.isDeleted && m3.versions.isEmpty && m3.ordinal == 3)
        #expect(read.model(named: "m4") == state.model(named: "m4"))
        #expect(read.registry.value.versionCounts == [3, 3, 3, 3, 3])
    }

    @Test("in a snapshot file, such a model is rebuilt from the log (a warning says so), and a writer's next snapshot does not copy its bytes")
    func undecodableModelRebuilt() throws {
        let t = try Self.store()
        let expected = try fullReplay(t)
        let path = t.store.snapshots.path(for: expected.lastSequence - 1)
        var file = readFile(path)
        var payload = Array(file[96...])
        let at = try #require(payload.firstRange(of: Array("SENTINEL-3-2".utf8))).lowerBound
        payload[at] = 0xFF
        StateCodec.fixChecksums(&payload)
        file.replaceSubrange(96..., with: payload)
        writeFile(path, file)
        try t.reopen(writable: false)
        #expect(t.store.state.model(named: "m3") == expected.model(named: "m3"))
        #expect(t.store.takeSnapshotRepairs().contains { $0.contains("model 3") })
        #expect(t.store.state == expected)
        try t.reopen()
        try t.store.createExperiment(name: "later", t.ctx())
        _ = t.store.state.model(named: "m3")
        try t.store.writeSnapshot()
        let next = Array(readFile(t.store.snapshots.path(for: t.store.state.lastSequence))[96...])
        #expect(next == StateCodec.encode(try fullReplay(t)))
    }
}
