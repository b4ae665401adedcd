import Logbook
import LogbookStorage

/// An auditor's bundle (`audit export --out DIR`): the log's segments, its snapshots and prune checkpoint, laid out
/// as a store so that any read opens it (`--store DIR`), plus `manifest.json` (every file's SHA-256 and the digest
/// at export), `README.md` and `verify.py`, which checks it all with nothing but Python 3's standard library.
enum AuditBundle {
    static let format = "logbook-audit-bundle"
    static let version: Int64 = 1

    /// What an export wrote.
    struct Exported {
        var digest: LogDigest
        var time: Int64
        var firstSequence: UInt64
        var files: [CopiedFile]
    }

    /// Writes a bundle of the store at `storePath` into `directory`, which must not exist or be empty.
    static func export(store storePath: String, to directory: String, io: FileIO) throws(LogbookError) -> Exported {
        try prepare(directory, io: io)
        let copied: (end: LogReader.Position, files: [CopiedFile])
        let reader: LogReader
        do {
            reader = try LogReader(at: storePath, io: io)
            copied = try reader.copyLog(into: directory)
        } catch { throw LogbookStore.wrap(error) }
        var files = copied.files
        let checkpoint = reader.checkpoint
        let readme = Array(readmeText(digest: copied.end.digest, time: copied.end.lastTimestamp,
                                      first: reader.firstSequence).utf8)
        let script = Array(VerifierScript.source.utf8)
        for (name, bytes) in [("README.md", readme), ("verify.py", script)] {
            do { try io.writeAtomically(bytes, to: directory + "/" + name, directory: directory) } catch { throw LogbookError(error) }
            files.append(CopiedFile(path: name, bytes: Int64(bytes.count), sha256: SHA256.hash(bytes)))
        }
        let manifest = JSON.object([
            JSONMember("format", .string(format)),
            JSONMember("version", .int(version)),
            JSONMember("created", Render.time(FileIO.wallClockMilliseconds())),
            JSONMember("logbook_version", .string(LogbookCLI.version)),
            JSONMember("digest", .object([JSONMember("seq", .int(Int64(copied.end.lastSequence))),
                                          JSONMember("time", Render.time(copied.end.lastSequence == 0 ? nil : copied.end.lastTimestamp)),
                                          JSONMember("hash", .string(copied.end.chain.hex))])),
            JSONMember("first_seq", .int(Int64(reader.firstSequence))),
            JSONMember("checkpoint", checkpoint.map { .object([JSONMember("seq", .int(Int64($0.throughSequence))),
                                                               JSONMember("hash", .string($0.chain.hex))]) } ?? .null),
            JSONMember("files", .array(files.map { f in
                .object([JSONMember("path", .string(f.path)), JSONMember("bytes", .int(f.bytes)),
                         JSONMember("sha256", .string(f.sha256.hex))])
            })),
        ])
        // The manifest last: a bundle without one is visibly incomplete.
        do {
            try io.writeAtomically(Array((manifest.rendered() + "\n").utf8), to: StorePaths(root: directory).bundleManifest,
                                       directory: directory)
        } catch { throw LogbookError(error) }
        return Exported(digest: copied.end.digest, time: copied.end.lastTimestamp, firstSequence: reader.firstSequence,
                        files: files)
    }

    private static func prepare(_ directory: String, io: FileIO) throws(LogbookError) {
        if io.exists(directory) {
            guard io.isDirectory(directory) else {
                throw LogbookError(.usage, "--out '\(directory)' exists and is not a directory; give a new directory")
            }
            let entries: [String]
            do { entries = try io.listDirectory(directory) } catch {
                throw LogbookError(.failure, "Cannot list '\(directory)': \(error)")
            }
            guard entries.isEmpty else {
                throw LogbookError(.usage, "--out '\(directory)' is not empty; give a new or empty directory")
            }
        } else {
            do { try io.makeDirectory(directory) } catch {
                throw LogbookError(.failure, "Cannot create '\(directory)': \(error)")
            }
        }
    }

    private static func readmeText(digest: LogDigest, time: Int64, first: UInt64) -> String {
        """
        # Logbook audit bundle

        This directory is a copy of a Logbook store's complete history: every event from sequence \(first) to \
        \(digest.sequence) (\(digest.sequence == 0 ? "empty" : Timestamp.iso(time))), as the append-only log holds it.

        Digest at export: `\(digest.sequence):\(digest.chain.hex)`

        ## Verify it without Logbook

            python3 verify.py                    # checks the bundle against the digest in manifest.json
            python3 verify.py --digest N:HEX     # also against a digest you obtained independently

        `verify.py` needs only Python 3's standard library. It reads every record of `log/`, checks its CRC32C,
        recomputes the SHA-256 hash chain from the first record, checks every stored link, checks every file's
        SHA-256 against `manifest.json`, checks that each snapshot is bound to the log, and compares the chain
        with the digest. It exits 0 when everything holds; otherwise it exits 1 and names the first bad file,
        byte offset and sequence number.

        What this proves: with a digest you hold from elsewhere (taken with `logbook audit digest` at any time,
        and kept outside the store), that no record up to that digest was changed, removed, inserted or
        reordered since. The digest inside `manifest.json` only proves the bundle is what its exporter said.

        \(first > 1 ? "Records 1 to \(first - 1) were removed by a recorded prune (retention policy). The log is verified from the checkpoint in `CHECKPOINT`, which a `store.pruned` event inside the chain attests.\n\n" : "")\
        ## Read it with Logbook

        The bundle is laid out as a store and opens read-only:

            logbook --store . audit log
            logbook --store . model show NAME --at 2026-03-01T14:00:00Z
            logbook --store . audit verify --bundle .

        ## Layout

        - `log/*.seg`: the log's segments, named by their first sequence number (byte layout: the on-disk format
          of Logbook's docs/format.md, summarised at the top of `verify.py`).
        - `snapshots/*.snap`: states at sequence numbers (derived data, bound to the log by the chain hash).
        - `CHECKPOINT`: only after a prune: where the remaining log starts.
        - `manifest.json`: each file's size and SHA-256, the digest at export.

        Actors are as recorded: in a store created with `logbook init --pseudonymize`, keyed pseudonyms; the map
        from pseudonyms to names stays with the store and is not part of the bundle.

        """
    }
}
