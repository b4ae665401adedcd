import Logbook
import LogbookStorage

extension AuditBundle {
    /// What a bundle verification proved.
    struct Verified {
        var log: VerifyReport
        var manifestDigest: LogDigest
        var files: Int
        var snapshots: Int
    }

    /// Checks a bundle as `verify.py` does: the log (every record, the chain, the prune attestation, and `digest`
    /// when given), then every file against the manifest (and no unlisted file), every snapshot's binding to the
    /// log, and the manifest's digest. - Throws: `.integrity` naming the first problem; `.usage` for a directory
    /// that is not a bundle.
    static func verify(_ directory: String, digest: LogDigest?, io: FileIO) throws(LogbookError) -> Verified {
        let paths = StorePaths(root: directory)
        guard let manifestBytes = try? io.readWholeFile(paths.bundleManifest) else {
            throw LogbookError(.usage, "'\(directory)' is not an audit bundle (no manifest.json); make one with 'logbook audit export --out DIR'")
        }
        let manifest: JSONObjectReader
        let manifestDigest: LogDigest
        var listed: [String: (bytes: Int64, sha256: String)] = [:]
        var firstSequence: Int64 = 0
        var manifestCheckpoint: (sequence: Int64, hash: String)?
        do {
            manifest = try JSONObjectReader(try JSONParser.parse(manifestBytes), what: "manifest.json")
            guard try manifest.string("format") == format else {
                throw LogbookError(.integrity, "manifest.json is not a Logbook audit bundle manifest")
            }
            let d = try JSONObjectReader(manifest.value("digest") ?? .null, what: "the manifest's digest")
            guard let n = UInt64(exactly: try d.int("seq")), let chain = SHA256Digest(hex: try d.string("hash")) else {
                throw LogbookError(.integrity, "manifest.json's digest is malformed")
            }
            manifestDigest = LogDigest(sequence: n, chain: chain)
            firstSequence = try manifest.int("first_seq")
            if let c = manifest.present("checkpoint") {
                let checkpoint = try JSONObjectReader(c, what: "the manifest's checkpoint")
                manifestCheckpoint = (try checkpoint.int("seq"), try checkpoint.string("hash"))
            }
            for item in try manifest.array("files") {
                let f = try JSONObjectReader(item, what: "a file of manifest.json")
                listed[try f.string("path")] = (try f.int("bytes"), try f.string("sha256"))
            }
        } catch let e as LogbookError {
            throw LogbookError(.integrity, "manifest.json is damaged: \(e.message)")
        } catch {
            throw LogbookError(.integrity, "manifest.json is not JSON: \(error)")
        }
        let reader: LogReader
        do { reader = try LogReader(at: directory, io: io) } catch { throw LogbookStore.wrap(error) }
        let report = try LogbookStore.verifyLog(reader, upTo: digest)
        guard UInt64(exactly: firstSequence) == report.firstSequence else {
            throw LogbookError(.integrity, "The log starts at sequence \(report.firstSequence) but manifest.json says "
                               + "\(firstSequence): segments were removed or added")
        }
        let onDisk = report.checkpoint.map { (Int64($0.throughSequence), $0.chain.hex) }
        guard onDisk?.0 == manifestCheckpoint?.sequence, onDisk?.1 == manifestCheckpoint?.hash else {
            throw LogbookError(.integrity, "CHECKPOINT does not agree with manifest.json's checkpoint")
        }
        // Every file as the manifest lists it, and nothing else in the log, snapshots or checkpoint.
        var present: [String] = []
        for (sub, dir) in [("log/", paths.log), ("snapshots/", paths.snapshots)] where io.isDirectory(dir) {
            do { present += try io.listDirectory(dir).map { sub + $0 } } catch { throw LogbookError(.failure, "Cannot list '\(dir)': \(error)") }
        }
        if io.exists(paths.checkpoint) { present.append("CHECKPOINT") }
        for name in present.sorted() where listed[name] == nil {
            throw LogbookError(.integrity, "\(name) is in the bundle but not in manifest.json: a file was added")
        }
        for (name, expected) in listed.sorted(by: { $0.key < $1.key }) {
            let (bytes, sha) = try hash(directory + "/" + name, io: io, name: name)
            guard bytes == expected.bytes, sha.hex == expected.sha256.lowercased() else {
                throw LogbookError(.integrity, "\(name) does not match manifest.json (\(bytes) bytes, SHA-256 \(sha.hex.prefix(16))…; "
                                   + "listed: \(expected.bytes) bytes, \(expected.sha256.prefix(16))…): the file was changed")
            }
        }
        // Each snapshot bound to the log: its chain hash is the log's at its sequence number.
        let snapshots = SnapshotStore(at: directory, io: io)
        var checkedSnapshots = 0
        do {
            for s in try snapshots.sequences() {
                let snapshot = try snapshots.read(sequence: s)
                guard s + 1 >= reader.firstSequence, try reader.storedChain(after: s) == snapshot.chain else {
                    throw LogbookError(.integrity, "\(snapshots.path(for: s)) does not belong to this log (its chain hash "
                                       + "differs from the log's at sequence \(s))")
                }
                checkedSnapshots += 1
            }
        } catch { throw LogbookStore.wrap(error) }
        guard manifestDigest == report.digest else {
            throw LogbookError(.integrity, "The log ends at \(report.digest.sequence):\(report.digest.chain.hex.prefix(16))… "
                               + "but manifest.json's digest is \(manifestDigest.sequence):\(manifestDigest.chain.hex.prefix(16))…: "
                               + "records up to \(max(report.digest.sequence, manifestDigest.sequence)) were changed, removed or added")
        }
        return Verified(log: report, manifestDigest: manifestDigest, files: listed.count, snapshots: checkedSnapshots)
    }

    /// Size and SHA-256 of a file, read in chunks.
    private static func hash(_ path: String, io: FileIO, name: String) throws(LogbookError) -> (Int64, SHA256Digest) {
        var hasher = SHA256()
        var total: Int64 = 0
        do {
            let file = try io.open(path, writable: false)
            defer { file.close() }
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0, at: Int(total)) }
                if n == 0 { break }
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                total += Int64(n)
            }
        } catch {
            throw LogbookError(.integrity, "\(name) is listed in manifest.json but cannot be read: \(error)")
        }
        return (total, hasher.finalize())
    }
}
