import Foundation
@testable import Logbook
import LogbookStorage
import LogbookTestSupport
import Testing

/// Runs `python3 DIR/verify.py ARGS...`: the auditor's verifier, with nothing but Python's standard library.
private func pythonVerify(_ bundle: String, _ args: [String] = []) -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", bundle + "/verify.py"] + args
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch {
        Issue.record("cannot run python3: \(error)")
        return CLIResult(status: -1, stdout: "", stderr: "")
    }
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                     stderr: String(decoding: e, as: UTF8.self))
}

/// A session whose store holds 12 one-record batches (sequence n is the n-th command) and its bundle.
private func bundledSession() -> (CLISession, bundle: String) {
    let s = CLISession()
    s.ok("init")
    s.ok("experiment", "create", "churn")
    s.ok("run", "start", "--experiment", "churn", "--id", "r1")
    for i in 1...10 { s.ok("run", "log", "r1", "--metric", "auc=0.\(i)@\(i)") }
    let bundle = s.directory.appending("bundle")
    s.ok("audit", "export", "--out", bundle)
    return (s, bundle)
}

/// A copy of a bundle to tamper with.
private func copy(_ bundle: String, _ s: CLISession, _ name: String) throws -> String {
    let target = s.directory.appending(name)
    try FileManager.default.copyItem(atPath: bundle, toPath: target)
    return target
}

/// The single segment of a bundle, split into frames.
private func segmentFrames(_ bundle: String) -> (path: String, header: [UInt8], frames: [[UInt8]]) {
    let path = bundle + "/log/00000000000000000001.seg"
    let bytes = readFile(path)
    let frames = LogFixtures.frames(bytes).map { Array(bytes[$0.offset..<($0.offset + $0.length)]) }
    return (path, Array(bytes[0..<LogFormat.segmentHeaderSize]), frames)
}

/// Writes frames renumbered from 1 with their CRCs fixed; with `rechain`, every commit frame's chain link is
/// recomputed too (a forger who knows the format and rewrites the whole chain).
private func writeSegment(_ path: String, header: [UInt8], frames: [[UInt8]], rechain: Bool = false) {
    var out = header
    var chain = SHA256Digest.zero
    var hasher = SHA256()
    hasher.update(chain)
    for (i, var frame) in frames.enumerated() {
        LogFixtures.setSequence(&frame, frameAt: 0, UInt64(i + 1))
        let commit = frame[26] & 1 != 0
        if rechain {
            hasher.update(Array(frame[0..<4]))
            hasher.update(Array(frame[8..<(frame.count - (commit ? 32 : 0))]))
            if commit {
                chain = hasher.finalize()
                frame.replaceSubrange((frame.count - 32)..<frame.count, with: chain.bytes)
                hasher = SHA256()
                hasher.update(chain)
            }
        }
        LogFixtures.fixCRC(&frame, frameAt: 0, length: frame.count)
        out += frame
    }
    writeFile(path, out)
}

/// Rewrites manifest.json's entry for the segment (size and SHA-256), as a forger would; optionally its digest too.
private func fixManifest(_ bundle: String, digest: String? = nil) throws {
    let path = bundle + "/manifest.json"
    var manifest = try #require(JSONSerialization.jsonObject(with: Data(readFile(path))) as? [String: Any])
    var files = try #require(manifest["files"] as? [[String: Any]])
    for i in files.indices {
        let bytes = readFile(bundle + "/" + (files[i]["path"] as! String))
        files[i]["bytes"] = bytes.count
        files[i]["sha256"] = SHA256.hash(bytes).hex
    }
    manifest["files"] = files
    if let digest {
        let parts = digest.split(separator: ":")
        manifest["digest"] = ["seq": Int(parts[0])!, "hash": String(parts[1]), "time": NSNull()]
    }
    writeFile(path, Array(try JSONSerialization.data(withJSONObject: manifest)))
}

/// Both verifiers reject the bundle; each names `sequence` (when given).
private func expectBothReject(_ s: CLISession, _ bundle: String, _ args: [String] = [], sequence: UInt64?, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let py = pythonVerify(bundle, args)
    #expect(py.status == 1, "verify.py after \(what): \(py)", sourceLocation: sourceLocation)
    #expect(py.stderr.contains("FAIL"), "verify.py after \(what): \(py)", sourceLocation: sourceLocation)
    let lb = s.run(["audit", "verify", "--bundle", bundle] + args)
    #expect(lb.status == 5, "audit verify --bundle after \(what): \(lb)", sourceLocation: sourceLocation)
    if let sequence {
        #expect(py.stderr.contains("sequence \(sequence)"), "verify.py names sequence \(sequence) after \(what): \(py)",
                sourceLocation: sourceLocation)
        #expect(lb.stderr.contains("sequence \(sequence)"), "logbook names sequence \(sequence) after \(what): \(lb)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Compliance at the command line: bundles, retention, pseudonyms, change records")
struct ComplianceCLITests {
    @Test("an exported bundle verifies with verify.py and audit verify --bundle, and opens read-only with --at")
    func bundleVerifies() throws {
        let (s, bundle) = bundledSession()
        let digest = s.digest()
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: bundle))
        #expect(names == ["log", "snapshots", "manifest.json", "README.md", "verify.py"])
        let py = pythonVerify(bundle, ["--digest", digest])
        #expect(py.status == 0, "\(py)")
        #expect(py.stdout.hasPrefix("OK"))
        let lb = s.ok("audit", "verify", "--bundle", bundle, "--digest", digest, "--json").json
        #expect(lb["ok"] as? Bool == true && lb["digest_matched"] as? Bool == true && lb["records"] as? Int == 12)
        // Reads work on the bundle, as of any moment; writes are refused.
        let history = s.ok("--store", bundle, "run", "history", "r1", "--metric", "auc", "--json").json
        #expect((history["points"] as? [Any])?.count == 10)
        let past = s.ok("--store", bundle, "run", "history", "r1", "--metric", "auc", "--at", "#5", "--json").json
        #expect((past["points"] as? [Any])?.count == 3) // sequences 3, 4 and 5
        s.fails(4, "--store", bundle, "experiment", "create", "x")
        s.fails(4, "--store", bundle, "snapshot")
        #expect(!FileManager.default.fileExists(atPath: bundle + "/LOCK"))
        // A second export into a non-empty directory is refused, and so is verifying a directory that is no bundle.
        s.fails(2, "audit", "export", "--out", bundle)
        s.fails(2, "audit", "verify", "--bundle", s.store)
        // The README tells the auditor how to check it, with the digest.
        #expect(String(decoding: readFile(bundle + "/README.md"), as: UTF8.self).contains(digest))
    }

    @Test("a bundle copied elsewhere replays to a state byte-identical to the source store's")
    func bundleReplaysIdentically() throws {
        let (s, bundle) = bundledSession()
        s.ok("model", "register", "m", "--run", "r1")
        s.ok("model", "stage", "m", "1", "Production", "--reason", "go")
        s.ok("compact")
        s.ok("model", "alias", "m", "champ", "1", "--reason", "x")
        let second = s.directory.appending("bundle2")
        s.ok("audit", "export", "--out", second)
        let elsewhere = TemporaryDirectory("elsewhere").appending("copy")
        try FileManager.default.copyItem(atPath: second, toPath: elsewhere)
        let source = try LogbookStore(at: s.store, writable: false)
        let copied = try LogbookStore(at: elsewhere, writable: false)
        #expect(StateCodec.encode(copied.state) == StateCodec.encode(source.state))
        // And a full replay of the bundle's log, ignoring its snapshots, gives the same bytes.
        #expect(StateCodec.encode(try LogbookStore.loadStateIgnoringSnapshots(at: elsewhere)) == StateCodec.encode(source.state))
        #expect(pythonVerify(elsewhere).status == 0)
        _ = bundle
    }

    @Test("each tamper class fails both verifiers, naming the first bad record")
    func tamperClasses() throws {
        let (s, bundle) = bundledSession()
        let digest = s.digest()
        #expect(pythonVerify(bundle).status == 0)

        // A copy of the bundle whose segment's frames are rewritten by `change` (renumbered, CRCs fixed, the chain
        // too with `rechain`) and whose manifest lists the new file, as a careful forger would leave it.
        func forge(_ name: String, rechain: Bool = false, _ change: (inout [[UInt8]]) -> Void) throws -> String {
            let b = try copy(bundle, s, name)
            let seg = segmentFrames(b)
            var frames = seg.frames
            change(&frames)
            writeSegment(seg.path, header: seg.header, frames: frames, rechain: rechain)
            try fixManifest(b)
            return b
        }
        // An edited record with its CRC recomputed: the chain breaks at it.
        expectBothReject(s, try forge("edit") { $0[5][LogFormat.frameHeaderSize + 3] ^= 0x01 }, sequence: 6,
                         "an edit with its CRC recomputed")
        // A byte flipped with no CRC fixed: the record fails its checksum.
        var b = try copy(bundle, s, "flip")
        var raw = readFile(segmentFrames(b).path)
        raw[LogFixtures.frames(raw)[8].offset + 30] ^= 0x40
        writeFile(segmentFrames(b).path, raw)
        expectBothReject(s, b, sequence: 9, "a flipped byte")
        // A deleted record, two swapped records, an inserted copy (the rest renumbered, CRCs fixed).
        expectBothReject(s, try forge("delete") { $0.remove(at: 5) }, sequence: 6, "a deleted record")
        expectBothReject(s, try forge("swap") { $0.swapAt(3, 8) }, sequence: 4, "two swapped records")
        expectBothReject(s, try forge("insert") { $0.insert($0[4], at: 6) }, sequence: 7, "an inserted record")
        // Truncated inside the last record, and exactly at a batch boundary (only the digest can tell).
        b = try copy(bundle, s, "truncate")
        raw = readFile(segmentFrames(b).path)
        writeFile(segmentFrames(b).path, Array(raw.dropLast(7)))
        try fixManifest(b)
        expectBothReject(s, b, sequence: 12, "a cut inside the last record")
        expectBothReject(s, try forge("truncate-boundary") { $0.removeLast(2) }, sequence: nil,
                         "two whole records cut off the end")

        // A forged middle record with every CRC and every later chain link recomputed and the manifest's file hashes
        // fixed: self-consistent, but not the log the manifest's digest was taken from.
        b = try forge("forged", rechain: true) { $0[6][LogFormat.frameHeaderSize + 3] ^= 0x01 }
        expectBothReject(s, b, sequence: nil, "a forged middle record with the chain rewritten")
        // Even with the manifest's digest rewritten, the digest the auditor kept elsewhere catches it.
        let forgedDigest = s.run("--store", b, "audit", "digest", "--json").json
        try fixManifest(b, digest: "\(forgedDigest["seq"] as! Int):\(forgedDigest["hash"] as! String)")
        #expect(pythonVerify(b).status == 0, "self-consistent forgery passes without an outside digest")
        expectBothReject(s, b, ["--digest", digest], sequence: nil, "a forgery checked against the kept digest")

        // A changed README or an extra file is caught by the manifest.
        b = try copy(bundle, s, "readme")
        writeFile(b + "/README.md", Array("all fine, trust me\n".utf8))
        expectBothReject(s, b, sequence: nil, "an edited README")
        b = try copy(bundle, s, "extra")
        writeFile(b + "/snapshots/00000000000000000003.snap", [1, 2, 3])
        expectBothReject(s, b, sequence: nil, "an added file")
    }

    @Test("retention set, prune refused inside the retention, prune then verify (store, bundle, verify.py)")
    func retentionAndPrune() throws {
        let s = CLISession(now: "2025-01-01T00:00:00Z")
        s.environment["LOGBOOK_SEGMENT_BYTES"] = "4096"
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r")
        let pad = String(repeating: "x", count: 120)
        for d in 1...60 {
            s.ok("run", "log", "r", "--param", "p\(d)=\(pad)", "--metric", "acc=\(d)@\(d)",
                 env: ["LOGBOOK_NOW": String(format: "2025-%02d-%02dT00:00:00Z", 1 + (d - 1) / 28, 1 + (d - 1) % 28)])
        }
        s.environment["LOGBOOK_NOW"] = "2025-04-01T00:00:00Z"
        s.ok("compact")
        s.fails(2, "retention", "set", "--min-days", "400")
        s.fails(2, "retention", "set", "--min-days", "0", "--reason", "x")
        s.ok("retention", "set", "--min-days", "200", "--reason", "policy 7.3")
        #expect(s.ok("retention", "show", "--json").json["min_days"] as? Int == 200)
        let before = s.digest()
        // Inside the retention (200 days from 2025-04-01 reaches back to 2024-09-13): refused, nothing appended.
        let refused = s.fails(4, "prune", "--before", "2025-02-01T00:00:00Z", "--reason", "old")
        #expect(refused.stderr.contains("retention of 200 days"))
        #expect(s.digest() == before)
        // Later, outside it.
        s.environment["LOGBOOK_NOW"] = "2026-01-01T00:00:00Z"
        let pruned = s.ok("prune", "--before", "2025-02-01T00:00:00Z", "--reason", "past retention", "--json").json
        #expect(pruned["pruned"] as? Bool == true)
        let through = try #require(pruned["through_seq"] as? Int)
        let verify = s.ok("audit", "verify", "--json").json
        #expect(verify["first_seq"] as? Int == through + 1)
        s.ok("check")
        s.fails(4, "run", "show", "r", "--at", "2025-01-02T00:00:00Z")
        #expect(s.ok("audit", "log", "--json").jsonLines.first?["seq"] as? Int == through + 1)
        let log = s.ok("audit", "log", "--json").jsonLines
        #expect(log.last?["type"] as? String == "store.pruned")
        // The pruned store's bundle carries the checkpoint; both verifiers prove it from there.
        let bundle = s.directory.appending("bundle")
        s.ok("audit", "export", "--out", bundle)
        #expect(FileManager.default.fileExists(atPath: bundle + "/CHECKPOINT"))
        let py = pythonVerify(bundle)
        #expect(py.status == 0, "\(py)")
        s.ok("audit", "verify", "--bundle", bundle)
        // Removing the bundle's oldest remaining segment is caught by both.
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: bundle + "/log").sorted().first)
        try FileManager.default.removeItem(atPath: bundle + "/log/" + first)
        try fixManifest(bundle)
        expectBothReject(s, bundle, sequence: nil, "the oldest kept segment removed")
        // The exported store.pruned event cannot be imported elsewhere.
        let other = CLISession()
        other.ok("init")
        let line = try #require(s.ok("export").stdout.split(separator: "\n").last(where: { $0.contains("store.pruned") }))
        let r = other.run(["ingest", "-"], stdin: String(line) + "\n")
        #expect(r.status == 4 && r.stderr.contains("line 1"), "\(r)")
    }

    @Test("pseudonyms: names shown, pseudonyms recorded; identity erase; exit codes")
    func pseudonymsAndErasure() throws {
        let s = CLISession()
        s.ok("init", "--pseudonymize")
        s.ok("init", "--pseudonymize") // idempotent
        s.ok("experiment", "create", "e", env: ["LOGBOOK_ACTOR": "ana"])
        s.ok("experiment", "create", "f", env: ["LOGBOOK_ACTOR": "bob"])
        let shown = s.ok("audit", "log", "--json").jsonLines.map { $0["actor"] as? String }
        #expect(shown == ["ana", "bob"])
        s.fails(2, "identity", "erase", "bob")
        s.fails(3, "identity", "erase", "carol", "--reason", "request 7")
        let digest = s.digest()
        let pseudonym = s.ok("identity", "erase", "bob", "--reason", "GDPR Art. 17 request 7", env: ["LOGBOOK_ACTOR": "dpo"]).output
        #expect(pseudonym.hasPrefix("p-"))
        let after = s.ok("audit", "log", "--json").jsonLines
        #expect(after.map { $0["actor"] as? String } == ["ana", pseudonym, "dpo"])
        #expect((after.last?["data"] as? [String: Any])?["pseudonym"] as? String == pseudonym)
        s.ok("audit", "verify", "--digest", digest)
        s.fails(3, "identity", "erase", "bob", "--reason", "again")
        // The bundle carries pseudonyms only: no map, no names.
        let bundle = s.directory.appending("bundle")
        s.ok("audit", "export", "--out", bundle)
        #expect(!FileManager.default.fileExists(atPath: bundle + "/identity"))
        #expect(s.ok("--store", bundle, "audit", "log", "--json").jsonLines.allSatisfy { ($0["actor"] as? String)?.hasPrefix("p-") == true })
        #expect(pythonVerify(bundle).status == 0)
        // A store that records names refuses --pseudonymize later, and has nothing to erase.
        let plain = CLISession()
        plain.ok("init")
        plain.ok("experiment", "create", "e")
        plain.fails(4, "init", "--pseudonymize")
        plain.fails(4, "identity", "erase", "alice", "--reason", "x")
        // identity.erased exports and ingests like other events.
        let line = try #require(s.ok("export").stdout.split(separator: "\n").last)
        let r = plain.run(["ingest", "-"], stdin: String(line) + "\n")
        #expect(r.status == 0, "\(r)")
    }

    @Test("audit trail and model list --all, now and as of a past moment")
    func trailAndInventory() throws {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        s.ok("run", "start", "--experiment", "e", "--id", "r", "--git-commit", "abc123")
        s.ok("model", "create", "m", "--owner", "risk", "--purpose", "scoring", "--risk-tier", "high")
        s.ok("model", "register", "m", "--run", "r")
        s.ok("model", "stage", "m", "1", "Production", "--reason", "go", env: ["LOGBOOK_NOW": "2026-03-02T00:00:00Z"])
        s.ok("model", "validation", "m", "--status", "validated", env: ["LOGBOOK_NOW": "2026-03-03T00:00:00Z"])
        s.fails(2, "model", "update", "m")
        s.fails(2, "model", "update", "m", "--risk-tier", "extreme")
        s.ok("model", "update", "m", "--owner", "credit-risk", env: ["LOGBOOK_NOW": "2026-03-03T12:00:00Z"])
        s.ok("model", "delete", "m", env: ["LOGBOOK_NOW": "2026-03-04T00:00:00Z"])
        let trail = s.ok("audit", "trail", "model:m/1", "--json").jsonLines.map { $0["type"] as? String }
        #expect(trail == ["run.started", "version.registered", "stage.changed", "model.updated"])
        let past = s.ok("audit", "trail", "model:m/1", "--json", "--at", "2026-03-02T12:00:00Z").jsonLines
        #expect(past.map { $0["type"] as? String } == ["run.started", "version.registered", "stage.changed"])
        s.fails(2, "audit", "trail", "m/1")
        s.fails(2, "audit", "trail", "model:m/one")
        s.fails(3, "audit", "trail", "model:m/2")
        // Deleted models only with --all, with their inventory fields; as of before the deletion, listed as active.
        #expect((s.ok("model", "list", "--json").json["models"] as? [Any])?.count == 0)
        let all = try #require((s.ok("model", "list", "--all", "--json").json["models"] as? [[String: Any]])?.first)
        #expect(all["deleted"] as? Bool == true && all["owner"] as? String == "credit-risk" && all["purpose"] as? String == "scoring"
                && all["risk_tier"] as? String == "high" && all["validation"] as? String == "validated")
        let then = try #require((s.ok("model", "list", "--json", "--at", "2026-03-02T12:00:00Z").json["models"] as? [[String: Any]])?.first)
        #expect(then["deleted"] as? Bool == false && then["validation"] as? String == nil && then["production_version"] as? Int == 1
                && then["owner"] as? String == "risk")
        #expect(s.ok("model", "list", "--all").stdout.contains("VALIDATION"))
    }
}
