import Foundation
@testable import Logbook
import LogbookEvents
import LogbookStorage
import LogbookTestSupport
import Testing

/// A pseudonymized store: enabled before its first event.
private func pseudonymizedStore() throws -> TestStore {
    let t = try TestStore()
    try t.store.close()
    #expect(try LogbookStore.enablePseudonyms(at: t.dir.path + "/store"))
    try t.reopen()
    return t
}

/// Every actor string recorded in the log, read from the raw payloads.
private func recordedActors(_ t: TestStore) throws -> Set<String> {
    var actors: Set<String> = []
    try t.store.forEachEvent { e in actors.insert(e.actor); return true }
    return actors
}

@Suite("Pseudonymous actors")
struct PseudonymTests {
    @Test("the log records keyed pseudonyms; reads show names; the same person keeps one pseudonym")
    func pseudonymsInTheLog() throws {
        let t = try pseudonymizedStore()
        try t.store.createExperiment(name: "e", t.ctx(actor: "ana"))
        _ = try t.store.startRun(experiment: "e", id: "r", t.ctx(actor: "bob"))
        try t.store.logToRun("r", params: [KeyValue("lr", "0.1")], t.ctx(actor: "ana"))
        let actors = try recordedActors(t)
        #expect(actors.count == 2)
        #expect(actors.allSatisfy { $0.hasPrefix("p-") && $0.count == 26 })
        #expect(!actors.contains("ana") && !actors.contains("bob"))
        // No name appears anywhere in the log's bytes.
        for path in listFiles(t.dir.path + "/store/log").filter({ $0.hasSuffix(".seg") }) {
            let bytes = readFile(t.dir.path + "/store/log/" + path)
            #expect(bytes.firstRange(of: Array("ana".utf8)) == nil && bytes.firstRange(of: Array("bob".utf8)) == nil)
        }
        let events = try t.store.auditEvents(AuditQuery())
        #expect(Set(events.map { t.store.displayName(ofActor: $0.actor) }) == ["ana", "bob"])
        #expect(try t.store.auditEvents(AuditQuery(actor: "ana")).count == 2)
        // After a reopen, and for a reader, the same pseudonyms and names.
        try t.reopen()
        try t.store.createExperiment(name: "f", t.ctx(actor: "ana"))
        #expect(try recordedActors(t).count == 2)
        let reader = try LogbookStore(at: t.dir.path + "/store", writable: false)
        #expect(reader.displayName(ofActor: events[0].actor) == "ana")
        // The map lives outside the log, never in it: the key and names files.
        #expect(FileManager.default.fileExists(atPath: t.dir.path + "/store/identity/key"))
        #expect(String(decoding: readFile(t.dir.path + "/store/identity/names"), as: UTF8.self).contains("\tana\n"))
    }

    @Test("a separate approver is still enforced when both are pseudonyms")
    func separateApproverWithPseudonyms() throws {
        let t = try pseudonymizedStore()
        try t.store.createExperiment(name: "e", t.ctx(actor: "ana"))
        _ = try t.store.startRun(experiment: "e", id: "r", t.ctx(actor: "ana"))
        try t.store.logToRun("r", metrics: [series("acc", [0.9])], t.ctx(actor: "ana"))
        try t.store.registerVersion(model: "m", run: "r", t.ctx(actor: "ana"))
        try t.store.setPolicy(model: "m", PromotionPolicy(metric: "acc", requiresApproval: true, separateApprover: true),
                              t.ctx(actor: "ana"))
        _ = try t.store.promote(model: "m", version: 1, t.ctx(actor: "ana"))
        expectRefusal(t, .refused, "separate approver") { try t.store.approve(model: "m", version: 1, t.ctx("ok", actor: "ana")) }
        try t.store.approve(model: "m", version: 1, t.ctx("ok", actor: "bob"))
    }

    @Test("erasure destroys the map entry, records the pseudonym only, and the chain still verifies")
    func eraseThenVerify() throws {
        let t = try pseudonymizedStore()
        try t.store.createExperiment(name: "e", t.ctx(actor: "bob"))
        try t.store.createExperiment(name: "f", t.ctx(actor: "ana"))
        let bobs = try #require(t.store.auditEvents(AuditQuery()).first?.actor)
        let digest = try t.store.digest()
        expectRefusal(t, .usage, "--reason is required") { try t.store.eraseIdentity("bob", t.ctx(actor: "dpo")) }
        expectRefusal(t, .notFound, "no person named 'carol'") { try t.store.eraseIdentity("carol", t.ctx("x", actor: "dpo")) }
        let erased = try t.store.eraseIdentity("bob", t.ctx("GDPR Art. 17 request #42", actor: "dpo"))
        #expect(erased == bobs)
        #expect(t.store.displayName(ofActor: bobs) == bobs) // no name any more
        let last = try #require(t.store.auditEvents(AuditQuery()).last)
        #expect(last.event == .identityErased(pseudonym: bobs))
        #expect(!String(decoding: readFile(t.dir.path + "/store/identity/names"), as: UTF8.self).contains("bob"))
        // The log was appended to, never rewritten: the old digest still proves its prefix.
        #expect(try LogbookStore.verifyLog(at: t.dir.path + "/store", upTo: digest).matchedDigest)
        expectRefusal(t, .notFound) { try t.store.eraseIdentity("bob", t.ctx("again", actor: "dpo")) }
        // Bob acting again gets a new pseudonym, unlinkable to the old one.
        try t.store.createExperiment(name: "g", t.ctx(actor: "bob"))
        let fresh = try #require(t.store.auditEvents(AuditQuery()).last?.actor)
        #expect(fresh != bobs && t.store.displayName(ofActor: fresh) == "bob")
    }

    @Test("an erasure recorded but not yet applied to the map (a crash between) is finished by the next writer")
    func interruptedErasure() throws {
        let t = try pseudonymizedStore()
        try t.store.createExperiment(name: "e", t.ctx(actor: "bob"))
        let bobs = try #require(t.store.auditEvents(AuditQuery()).first?.actor)
        try t.store.append([.identityErased(pseudonym: bobs)], t.ctx("recorded, then the process died", actor: "dpo"))
        #expect(String(decoding: readFile(t.dir.path + "/store/identity/names"), as: UTF8.self).contains("\tbob\n"))
        let reader = try LogbookStore(at: t.dir.path + "/store", writable: false)
        #expect(reader.displayName(ofActor: bobs) == bobs, "a reader already hides the erased name")
        try t.reopen()
        #expect(t.store.displayName(ofActor: bobs) == bobs)
        #expect(!String(decoding: readFile(t.dir.path + "/store/identity/names"), as: UTF8.self).contains("bob"))
    }

    @Test("an erasure whose map rewrite fails is still acknowledged, with a warning, and the next writer finishes it")
    func erasureWithFailedMapWrite() throws {
        let faults = FaultInjector()
        let t = try TestStore()
        try t.store.close()
        #expect(try LogbookStore.enablePseudonyms(at: t.dir.path + "/store"))
        var options = StoreOptions()
        options.io = FileIO(faults: faults)
        try t.reopen(options: options)
        try t.store.createExperiment(name: "e", t.ctx(actor: "bob"))
        try t.store.createExperiment(name: "f", t.ctx(actor: "dpo"))
        faults.inject(.fail(.ioError), everyCallOf: .rename)
        let pseudonym = try t.store.eraseIdentity("bob", t.ctx("request 9", actor: "dpo"))
        faults.clear()
        #expect(t.store.warnings.contains { $0.contains("erasure is recorded") }, "\(t.store.warnings)")
        #expect(t.store.displayName(ofActor: pseudonym) == pseudonym)
        try t.reopen()
        #expect(!String(decoding: readFile(t.dir.path + "/store/identity/names"), as: UTF8.self).contains("bob"))
    }

    @Test("a store with events cannot switch to pseudonyms; one without pseudonyms cannot erase")
    func enableRules() throws {
        let t = try TestStore()
        expectRefusal(t, .refused, "only a store created with") { try t.store.eraseIdentity("alice", t.ctx("x")) }
        try t.store.createExperiment(name: "e", t.ctx())
        try t.store.close()
        #expect(throws: LogbookError.self) { _ = try LogbookStore.enablePseudonyms(at: t.dir.path + "/store") }
        #expect(!FileManager.default.fileExists(atPath: t.dir.path + "/store/identity"))
        // Idempotent on a store that already records pseudonyms.
        let p = try pseudonymizedStore()
        try p.store.close()
        #expect(try LogbookStore.enablePseudonyms(at: p.dir.path + "/store") == false)
        // A missing key is an integrity failure, not a silent switch to names.
        try FileManager.default.removeItem(atPath: p.dir.path + "/store/identity/key")
        #expect(throws: LogbookError.self) { _ = try LogbookStore(at: p.dir.path + "/store", writable: true) }
        _ = try LogbookStore(at: p.dir.path + "/store", writable: false) // reads need only the names
    }

    @Test("HMAC-SHA256 matches RFC 4231 test cases 1, 2 and 6")
    func hmacVectors() {
        #expect(HMACSHA256.mac(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)).hex
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HMACSHA256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)).hex
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.mac(key: [UInt8](repeating: 0xaa, count: 131),
                               message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)).hex
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}

@Suite("Inventory and change record")
struct ChangeRecordTests {
    /// Model "m" with two versions and the whole lifecycle of version 1, at distinct moments.
    private func lifecycle() throws -> (TestStore, moments: [String: Int64]) {
        let t = try TestStore()
        var at: [String: Int64] = [:]
        try t.store.createExperiment(name: "e", t.ctx())
        _ = try t.store.startRun(experiment: "e", id: "r", gitCommit: "0123abcd", t.ctx())
        try t.store.logToRun("r", metrics: [series("acc", [0.91])], t.ctx())
        try t.store.linkDataset("r", name: "train", digest: String(repeating: "a", count: 64), t.ctx())
        try t.store.createModel(name: "m", owner: "risk-team", purpose: "credit scoring", riskTier: .high, t.ctx())
        at["created"] = t.now
        try t.store.registerVersion(model: "m", run: "r", t.ctx())
        try t.store.registerVersion(model: "m", run: "r", t.ctx())
        try t.store.setPolicy(model: "m", PromotionPolicy(metric: "acc", requiresApproval: true), t.ctx())
        _ = try t.store.promote(model: "m", version: 1, t.ctx(actor: "ana"))
        try t.store.updateModel("m", validation: .validated, t.ctx("independent validation done", actor: "val"))
        try t.store.approve(model: "m", version: 1, t.ctx("validated", actor: "bob"))
        at["production"] = t.now
        try t.store.setAlias(model: "m", alias: "champion", version: 1, t.ctx("first"))
        try t.store.setAlias(model: "m", alias: "champion", version: 2, t.ctx("moved"))
        try t.store.setStage(model: "m", version: 2, stage: .production, t.ctx("v2 out"))
        _ = try t.store.rollback(model: "m", t.ctx("v2 broke checkout"))
        at["rolledBack"] = t.now
        try t.store.deleteModel("m", t.ctx("retired"))
        at["deleted"] = t.now
        try t.store.restoreModel("m", t.ctx("still needed"))
        return (t, at)
    }

    @Test("audit trail lists registration, evaluation, approval, stage, alias and rollback events of one version, in order")
    func trailOfVersion() throws {
        let (t, _) = try lifecycle()
        let trail = try t.store.changeRecord(model: "m", version: 1)
        let types = trail.map { EventCodec.typeName(of: $0.event) }
        #expect(types == ["run.started", "version.registered", "promotion.evaluated", "model.updated", "promotion.approved",
                          "stage.changed", "alias.set", "alias.set", "stage.changed", "rollback.performed", "stage.changed"])
        #expect(trail.map(\.sequence) == trail.map(\.sequence).sorted())
        guard case let .runStarted(_, _, _, _, _, _, _, git) = trail[0].event else { Issue.record("no run start"); return }
        #expect(git == "0123abcd")
        guard case let .versionRegistered(_, 1, _, _, _, _, _, datasets, _) = trail[1].event else { Issue.record("no registration"); return }
        #expect(datasets == [KeyValue("train", String(repeating: "a", count: 64))])
        #expect(trail[4].actor == "bob" && trail[4].reason == "validated")
        // Version 2's record has its own registration and no promotion of version 1.
        let other = try t.store.changeRecord(model: "m", version: 2)
        #expect(!other.contains { if case .promotionEvaluated = $0.event { true } else { false } })
        #expect(other.contains { $0.event == .aliasSet(model: 1, alias: "champion", version: 2) })
        #expect(throws: LogbookError.self) { _ = try t.store.changeRecord(model: "m", version: 3) }
        #expect(throws: LogbookError.self) { _ = try t.store.changeRecord(model: "nope", version: 1) }
    }

    @Test("the change record and the inventory as of past moments")
    func asOfPastMoments() throws {
        let (t, at) = try lifecycle()
        let then = try t.store.state(at: .time(at["production"]!))
        let trail = try t.store.changeRecord(model: "m", version: 1, in: then)
        #expect(trail.last.map { EventCodec.typeName(of: $0.event) } == "stage.changed")
        #expect(trail.count == 6)
        // Inventory fields as they were.
        let created = try t.store.state(at: .time(at["created"]!))
        let m0 = try #require(created.model(named: "m"))
        #expect(m0.owner == "risk-team" && m0.purpose == "credit scoring" && m0.riskTier == .high && m0.validation == .unspecified)
        #expect(try #require(then.model(named: "m")).validation == .validated)
        #expect(try #require(t.store.state(at: .time(at["deleted"]!)).model(named: "m")).isDeleted)
        #expect(try #require(t.store.state.model(named: "m")).isDeleted == false)
        // After reopening from a snapshot the same answers.
        try t.store.writeSnapshot()
        try t.reopen()
        #expect(try t.store.changeRecord(model: "m", version: 1, in: try t.store.state(at: .time(at["production"]!))) == trail)
    }

    @Test("A/B conclusions and monitoring alerts of the version are in its change record")
    func abAndAlerts() throws {
        let t = try TestStore.withRun(modelVersions: 2)
        try t.store.logToRun("r", metrics: [series("latency_ms", [10])], t.ctx())
        try t.store.setPolicy(model: "m", PromotionPolicy(metric: "latency_ms", lowerIsBetter: true, maxLatencyMs: 5), t.ctx())
        _ = try t.store.logPredictions(model: "m", version: 2, [(50, nil, nil), (60, nil, nil), (70, nil, nil)], t.ctx())
        _ = try t.store.createABTest(name: "t", model: "m", variants: [ABVariant(name: "a", version: 1, weightBasisPoints: 5000),
                                                                      ABVariant(name: "b", version: 2, weightBasisPoints: 5000)],
                                 metric: "conv", t.ctx())
        try t.store.startABTest("t", t.ctx())
        _ = try t.store.stopABTest("t", t.ctx("done"))
        let types = try t.store.changeRecord(model: "m", version: 2).map { EventCodec.typeName(of: $0.event) }
        #expect(types.contains("alert.raised") && types.contains("ab.concluded"))
        #expect(!(try t.store.changeRecord(model: "m", version: 1)).contains { if case .alertRaised = $0.event { true } else { false } })
    }
}
