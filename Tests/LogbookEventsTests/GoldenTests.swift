import Foundation
import LogbookEvents
import LogbookTestSupport
import Testing

/// The frozen tag table: a tag is never renumbered or reused (the log stores it).
let frozenTagTable: [(tag: UInt16, name: String)] = [
    (1, "experiment.created"), (2, "experiment.renamed"), (3, "experiment.deleted"), (4, "experiment.restored"),
    (5, "run.started"), (6, "params.logged"), (7, "metrics.logged"), (8, "tags.set"), (9, "tags.deleted"),
    (10, "artifact.recorded"), (11, "dataset.linked"), (12, "run.ended"), (13, "run.deleted"), (14, "run.restored"),
    (32, "model.created"), (33, "model.updated"), (34, "model.deleted"), (35, "model.restored"),
    (36, "version.registered"), (37, "stage.changed"), (38, "alias.set"), (39, "alias.removed"), (40, "policy.set"),
    (41, "promotion.evaluated"), (42, "promotion.approved"), (43, "promotion.rejected"), (44, "rollback.performed"),
    (64, "ab.created"), (65, "ab.started"), (66, "ab.assigned"), (67, "ab.outcomes_recorded"), (68, "ab.stopped"),
    (69, "ab.concluded"), (96, "predictions.logged"), (97, "baseline.set"), (98, "drift.checked"), (99, "alert.raised"),
    (100, "monitor.thresholds_set"), (120, "store.repaired"),
    (121, "store.pruned"), (122, "retention.set"), (123, "identity.erased"),
]

@Suite("Codec golden files", .serialized)
struct GoldenTests {
    @Test("encoding each sample gives its golden file byte for byte, and decoding the file gives the sample",
          arguments: GoldenSamples.all)
    func goldenBytes(sample: Entry) throws {
        let version = try #require(EventCodec.currentVersion(ofTag: sample.tag))
        let path = goldenPath(tag: sample.tag, version: version)
        let bytes = sample.payload
        #expect(bytes.first == version, "payload starts with the schema version")
        if recordingFixtures {
            try FileManager.default.createDirectory(atPath: codecFixturesDirectory, withIntermediateDirectories: true)
            writeFile(path, bytes)
        }
        guard fileExists(path) else {
            Issue.record("missing golden file \(path); run the tests with LOGBOOK_RECORD_FIXTURES=1 to make it")
            return
        }
        let golden = readFile(path)
        #expect(bytes == golden, "encoding of \(sample.typeName) differs from \(path)\nencoded:\n\(hex(bytes))\ngolden:\n\(hex(golden))")
        switch decodeResult(tag: sample.tag, golden) {
        case .success(let decoded):
            #expect(decoded.isIdentical(to: sample), "decoded \(decoded)\nexpected \(sample)")
        case .failure(let error):
            Issue.record("golden file \(path) does not decode: \(error)")
        }
    }

    @Test("the frozen model.created v1 golden file decodes to the upcast current case")
    func modelCreatedV1() throws {
        let s = GoldenSamples.modelCreatedV1
        let bytes = GoldenSamples.modelCreatedV1Payload(actor: s.actor, reason: s.reason, model: s.model, name: s.name,
                                                        description: s.description)
        let path = goldenPath(tag: EventCodec.tag(of: GoldenSamples.modelCreatedV1Upcast.event), version: 1)
        // Frozen: recording only creates the file when it is missing, it never rewrites it.
        if recordingFixtures && !fileExists(path) {
            try FileManager.default.createDirectory(atPath: codecFixturesDirectory, withIntermediateDirectories: true)
            writeFile(path, bytes)
        }
        guard fileExists(path) else {
            Issue.record("missing golden file \(path); run the tests with LOGBOOK_RECORD_FIXTURES=1 to make it")
            return
        }
        let golden = readFile(path)
        #expect(golden == bytes, "\(path) is not what the v1 layout gives:\n\(hex(golden))\n\(hex(bytes))")
        #expect(golden.first == 1)
        let decoded = try EventCodec.decode(tag: 32, payload: golden)
        #expect(Entry(decoded).isIdentical(to: GoldenSamples.modelCreatedV1Upcast), "\(Entry(decoded))")
        // Re-encoding writes the current version, never v1.
        let reencoded = Entry(decoded).payload
        #expect(reencoded.first == 2)
        #expect(Entry(try EventCodec.decode(tag: 32, payload: reencoded)).isIdentical(to: GoldenSamples.modelCreatedV1Upcast))
    }

    @Test("every tag, at every readable version, has a golden file; the samples cover every tag once")
    func everyTagHasAGoldenFile() throws {
        if recordingFixtures {
            // The other tests of the suite write the files too; the suite is serialized, so these writes never race.
            try FileManager.default.createDirectory(atPath: codecFixturesDirectory, withIntermediateDirectories: true)
            for sample in GoldenSamples.all {
                writeFile(goldenPath(tag: sample.tag, version: EventCodec.currentVersion(ofTag: sample.tag)!), sample.payload)
            }
            let s = GoldenSamples.modelCreatedV1
            let v1 = goldenPath(tag: 32, version: 1)
            if !fileExists(v1) {
                writeFile(v1, GoldenSamples.modelCreatedV1Payload(actor: s.actor, reason: s.reason, model: s.model,
                                                                  name: s.name, description: s.description))
            }
        }
        for tag in EventCodec.allTags {
            let versions = EventCodec.readableVersions(ofTag: tag)
            #expect(!versions.isEmpty && versions.last == EventCodec.currentVersion(ofTag: tag), "tag \(tag)")
            for version in versions {
                let path = goldenPath(tag: tag, version: version)
                #expect(fileExists(path), "no golden file \(path)")
            }
        }
        let sampleTags = GoldenSamples.all.map(\.tag)
        #expect(sampleTags == EventCodec.allTags, "one sample per tag, in tag order")
        let files = Set(listFiles(codecFixturesDirectory).filter { $0.hasSuffix(".bin") })
        let expected = Set(EventCodec.allTags.flatMap { tag in
            EventCodec.readableVersions(ofTag: tag).map { "\(EventCodec.typeName(ofTag: tag)!).v\($0).bin" }
        })
        #expect(files == expected, "stray or missing files: \(files.symmetricDifference(expected).sorted())")
    }

    @Test("tags and type names are the frozen table")
    func tagTable() {
        #expect(EventCodec.allTags == frozenTagTable.map(\.tag))
        for (tag, name) in frozenTagTable {
            #expect(EventCodec.typeName(ofTag: tag) == name, "tag \(tag)")
        }
        for sample in GoldenSamples.all {
            #expect(EventCodec.typeName(ofTag: EventCodec.tag(of: sample.event)) == EventCodec.typeName(of: sample.event))
        }
        let known = Set(EventCodec.allTags)
        for tag in UInt16.min...UInt16.max where !known.contains(tag) {
            if EventCodec.typeName(ofTag: tag) != nil || EventCodec.currentVersion(ofTag: tag) != nil
                || !EventCodec.readableVersions(ofTag: tag).isEmpty {
                Issue.record("tag \(tag) is not in allTags but has a name or version")
            }
        }
        #expect(EventCodec.currentVersion(ofTag: 32) == 2)
        #expect(EventCodec.readableVersions(ofTag: 32) == [1, 2])
        for tag in EventCodec.allTags where tag != 32 {
            #expect(EventCodec.readableVersions(ofTag: tag) == [1], "tag \(tag)")
        }
    }
}
