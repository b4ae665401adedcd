import Foundation
import LogbookTestSupport
import Testing

/// The store's files through the built binary: owner-only permissions, symbolic links never followed, artifact
/// paths that cannot escape the run, and locks of dead writers that do not block.
@Suite("End to end: file security")
struct SecurityTests {
    // MARK: Permissions

    @Test("Every directory of a store is mode 0700 and every file 0600: segments, index sidecars, snapshots, archive, checkpoint, lost+found, artifacts, lock, identity")
    func modes() throws {
        let s = CLISession(now: "2026-01-01T00:00:00Z")
        let small = ["LOGBOOK_SEGMENT_BYTES": "4096"] // several segments (and index sidecars) from a few writes
        s.ok("init", env: small)
        s.ok("experiment", "create", "churn", env: small)
        s.ok("run", "start", "--experiment", "churn", "--id", "r1", env: small)
        for i in 0..<8 {
            s.ok("run", "log", "r1", "--param", "p\(i)=" + String(repeating: "x", count: 2500), "--metric", "auc=0.\(i)@\(i)", env: small)
        }
        let model = s.directory.appending("model.bin")
        writeFile(model, Array("model-bytes".utf8))
        s.ok("artifact", "add", "r1", model, "--path", "model/model.bin", env: small)
        s.ok("snapshot", env: small)
        s.ok("compact", env: small)
        var seen = try checkModes(s.store)

        // Later: a prune (CHECKPOINT), more writes and a repair (lost+found/).
        let later = small.merging(["LOGBOOK_NOW": "2026-03-01T00:00:00Z"]) { $1 }
        s.ok("retention", "set", "--min-days", "1", "--reason", "test", env: later)
        s.ok("prune", "--before", "2026-02-01", "--reason", "old records", env: later)
        s.ok("run", "log", "r1", "--metric", "z=1", env: later)
        let keep = s.ok("audit", "digest", "--json").json["seq"] as? Int ?? 0
        s.ok("run", "log", "r1", "--metric", "z=2", env: later)
        s.ok("repair", "--truncate-after", String(keep), "--reason", "test cut", env: later)
        // The cut is recorded at LOGBOOK_NOW, like every write (not the wall clock, which would block later writes).
        #expect(s.ok("audit", "log", "--json").jsonLines.last?["time"] as? String == "2026-03-01T00:00:00.000Z")
        for i in 0..<4 {
            s.ok("run", "log", "r1", "--param", "q\(i)=" + String(repeating: "y", count: 2500), env: later)
        }
        s.ok("check")
        seen.formUnion(try checkModes(s.store))

        // A second store, pseudonymized: identity/key and identity/names.
        let p = CLISession()
        p.ok("init", "--pseudonymize")
        p.ok("experiment", "create", "x")
        seen.formUnion(try checkModes(p.store))

        for kind in ["log/*.seg", "log/*.idx", "archive/", "archive/*.seg", "archive/*.idx", "snapshots/*.snap", "LOCK",
                     "CHECKPOINT", "lost+found/", "lost+found/*", "artifacts/", "artifacts/*", "identity/key", "identity/names"] {
            #expect(seen.contains(kind), "the session made no '\(kind)' to check (seen: \(seen.sorted()))")
        }
    }

    /// Walks `root` with lstat: every directory 0700, every regular file 0600, nothing else (no links, no fifos).
    /// Returns the kinds of entries seen (`log/*.seg`, `LOCK`, `artifacts/`...).
    func checkModes(_ root: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Set<String> {
        var kinds: Set<String> = []
        func walk(_ dir: String, _ relative: String) {
            for name in listFiles(dir) {
                let path = dir + "/" + name, rel = relative.isEmpty ? name : relative + "/" + name
                var st = stat()
                guard lstat(path, &st) == 0 else {
                    Issue.record("lstat '\(path)' failed", sourceLocation: sourceLocation)
                    continue
                }
                let mode = st.st_mode & 0o7777
                let top = rel.split(separator: "/").first.map(String.init) ?? rel
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    #expect(mode == 0o700, "directory '\(rel)' has mode \(String(mode, radix: 8))", sourceLocation: sourceLocation)
                    kinds.insert(top + "/")
                    walk(path, rel)
                case S_IFREG:
                    #expect(mode == 0o600, "file '\(rel)' has mode \(String(mode, radix: 8))", sourceLocation: sourceLocation)
                    if top == rel {
                        kinds.insert(rel)
                    } else if top == "identity" {
                        kinds.insert(rel)
                    } else if let dot = name.lastIndex(of: "."), !name.hasSuffix(".tmp") {
                        kinds.insert(top + "/*" + name[dot...])
                        kinds.insert(top + "/*")
                    } else {
                        kinds.insert(top + "/*")
                    }
                    #expect(!name.hasSuffix(".tmp"), "a temporary file was left behind: '\(rel)'", sourceLocation: sourceLocation)
                default:
                    Issue.record("'\(rel)' is neither a directory nor a regular file (mode \(String(st.st_mode, radix: 8)))",
                                 sourceLocation: sourceLocation)
                }
            }
        }
        var st = stat()
        try #require(lstat(root, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR, "no store at \(root)")
        #expect(st.st_mode & 0o7777 == 0o700, "the store directory has mode \(String(st.st_mode & 0o7777, radix: 8))")
        walk(root, "")
        return kinds
    }

    // MARK: Symbolic links

    @Test("A segment replaced by a symbolic link to a copy: every command refuses, naming the file; the copy is untouched")
    func segmentLink() throws {
        let s = Self.session()
        let before = s.digest()
        let segment = try #require(LogFixtures.segmentPaths(s.store).last)
        let outside = s.directory.appending("outside.seg")
        try Self.replaceWithLink(segment, copyAt: outside)
        let original = readFile(outside)
        for args in [["run", "list"], ["run", "log", "r1", "--metric", "auc=0.9@2"], ["check"], ["audit", "verify"],
                     ["snapshot"], ["compact"], ["stats"], ["export"], ["audit", "digest"]] {
            let r = s.run(args)
            #expect(r.status == 5, "logbook \(args.joined(separator: " ")): \(r)")
            #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains(segment) && r.stderr.contains("never follows links"),
                    "logbook \(args.joined(separator: " ")): the error names the link: \(r)")
        }
        #expect(readFile(outside) == original, "the link's target was written through")
        #expect(Self.isLink(segment, to: outside), "the link was replaced or removed")
        // Put the segment back: nothing was appended.
        try FileManager.default.removeItem(atPath: segment)
        try FileManager.default.copyItem(atPath: outside, toPath: segment)
        #expect(s.digest() == before)
        s.ok("audit", "verify", "--digest", before)
    }

    @Test("A snapshot replaced by a symbolic link to a copy: never read through (skipped with a warning naming it, check fails); the copy is untouched")
    func snapshotLink() throws {
        let s = Self.session()
        s.ok("snapshot")
        let before = s.digest()
        let snapshot = try #require(listFiles(s.store + "/snapshots").last.map { s.store + "/snapshots/" + $0 })
        let outside = s.directory.appending("outside.snap")
        try Self.replaceWithLink(snapshot, copyAt: outside)
        let original = readFile(outside)
        // A snapshot is derived data: a damaged one is skipped with a warning and the state comes from the log, so
        // reads and writes go on without it; `check`, which accounts for every snapshot, fails.
        for args in [["run", "list"], ["check"], ["stats"], ["run", "log", "r1", "--metric", "auc=0.9@2"]] {
            let r = s.run(args)
            #expect(r.status == (args == ["check"] ? 5 : 0), "logbook \(args.joined(separator: " ")): \(r)")
            #expect(r.stderr.contains(snapshot) && r.stderr.contains("never follows links"),
                    "logbook \(args.joined(separator: " ")): the message names the link: \(r)")
        }
        s.ok("audit", "verify", "--digest", before)
        #expect(readFile(outside) == original, "the link's target was written through")
        #expect(Self.isLink(snapshot, to: outside), "the link was replaced or removed by a read")
        // Put the snapshot back: check accounts for it again.
        try FileManager.default.removeItem(atPath: snapshot)
        try FileManager.default.copyItem(atPath: outside, toPath: snapshot)
        s.ok("check")
    }

    @Test("The artifacts directory, an artifact's subdirectory or its file as a symbolic link: treated as damage (exit 5), never read or written through")
    func artifactLinks() throws {
        let s = Self.session()
        let before = s.digest()
        let artifacts = s.store + "/artifacts"
        let sub = try #require(listFiles(artifacts).first.map { artifacts + "/" + $0 })
        let file = try #require(listFiles(sub).first.map { sub + "/" + $0 })
        let model = s.directory.appending("model.bin"), other = s.directory.appending("other.bin")
        writeFile(other, Array("other bytes".utf8))

        for (victim, what) in [(artifacts, "artifacts directory"), (sub, "artifact subdirectory"), (file, "artifact file")] {
            let saved = s.directory.appending("saved")
            try FileManager.default.copyItem(atPath: artifacts, toPath: saved)
            let outside = s.directory.appending("outside")
            try Self.replaceWithLink(victim, copyAt: outside)
            let target = Self.tree(outside)
            let got = s.directory.appending("got.bin")
            let get = s.run("artifact", "get", "r1", "model/model.bin", "--out", got)
            #expect(get.status == 5 && get.stderr.hasPrefix("Error: ") && get.stderr.contains(victim), "\(what): artifact get: \(get)")
            #expect(!FileManager.default.fileExists(atPath: got), "\(what): bytes were read through the link")
            // The same bytes again (already stored, behind the link) and new bytes.
            let same = s.run("artifact", "add", "r1", model, "--path", "again.bin")
            #expect(same.status == 5 && same.stderr.hasPrefix("Error: ") && same.stderr.contains(victim), "\(what): artifact add: \(same)")
            if victim == artifacts {
                // New bytes would be written into the linked directory.
                let new = s.run("artifact", "add", "r1", other, "--path", "other.bin")
                #expect(new.status == 5 && new.stderr.hasPrefix("Error: ") && new.stderr.contains(victim)
                        && new.stderr.contains("symbolic link"), "\(what): artifact add: \(new)")
            }
            #expect(Self.tree(outside) == target, "\(what): the link's target changed")
            #expect(Self.isLink(victim, to: outside), "\(what): the link was replaced or removed")
            #expect(s.digest() == before, "\(what): a refused artifact add appended")
            // Put the store's own directory back.
            try FileManager.default.removeItem(atPath: artifacts)
            try FileManager.default.moveItem(atPath: saved, toPath: artifacts)
            try FileManager.default.removeItem(atPath: outside)
        }
        #expect(s.ok("artifact", "get", "r1", "model/model.bin", "--out", "-").stdout == "model-bytes")
        s.ok("audit", "verify", "--digest", before)
    }

    @Test("The lock file as a symbolic link (to a file, or dangling): writes refuse, naming it; nothing is created or changed through it")
    func lockLink() throws {
        let s = Self.session()
        let before = s.digest()
        let lock = s.store + "/LOCK"
        let outside = s.directory.appending("outside.lock")
        try Self.replaceWithLink(lock, copyAt: outside)
        writeFile(outside, Array("someone else's file\n".utf8))
        let original = readFile(outside)
        let r = s.run("run", "log", "r1", "--metric", "auc=0.9@2")
        #expect(r.status == 5 && r.stderr.hasPrefix("Error: ") && r.stderr.contains(lock) && r.stderr.contains("never follows links"), "\(r)")
        #expect(readFile(outside) == original, "the lock was written through the link")
        s.ok("run", "list") // readers take no lock
        // A dangling link: the write refuses and creates nothing where it points.
        try FileManager.default.removeItem(atPath: outside)
        let d = s.run("model", "create", "m2")
        #expect(d.status == 5 && d.stderr.contains(lock) && d.stderr.contains("never follows links"), "\(d)")
        #expect(!FileManager.default.fileExists(atPath: outside), "a file was created through a dangling link")
        #expect(Self.isLink(lock, to: outside))
        #expect(s.digest() == before)
    }

    @Test("identity/ as a symbolic link: refused as damage (exit 5), never read through, and never taken for a store that records names")
    func identityLink() throws {
        let p = CLISession()
        p.ok("init", "--pseudonymize")
        p.ok("experiment", "create", "x")
        let before = p.digest()
        let identity = p.store + "/identity"
        let outside = p.directory.appending("outside-identity")
        try Self.replaceWithLink(identity, copyAt: outside)
        let target = Self.tree(outside)
        for args in [["experiment", "create", "y", "--actor", "bob"], ["export"], ["audit", "log"]] {
            let r = p.run(args)
            #expect(r.status == 5 && r.stderr.hasPrefix("Error: ") && r.stderr.contains(identity), "logbook \(args.joined(separator: " ")): \(r)")
        }
        #expect(Self.tree(outside) == target, "the pseudonym map was written through the link")
        try FileManager.default.removeItem(atPath: identity)
        try FileManager.default.moveItem(atPath: outside, toPath: identity)
        #expect(p.digest() == before, "a write went through without the pseudonym map")
        #expect(!p.ok("export").stdout.contains("\"actor\":\"bob\""))
    }

    @Test("The log, archive or snapshots directory as a symbolic link: never followed (writes refuse; the target is untouched)")
    func directoryLinks() throws {
        let s = CLISession()
        let small = ["LOGBOOK_SEGMENT_BYTES": "4096"]
        s.ok("init", env: small)
        s.ok("experiment", "create", "churn", env: small)
        s.ok("run", "start", "--experiment", "churn", "--id", "r1", env: small)
        for i in 0..<4 { s.ok("run", "log", "r1", "--param", "p\(i)=" + String(repeating: "x", count: 2500), env: small) }
        s.ok("compact", env: small)
        let before = s.digest()
        for name in ["log", "archive", "snapshots"] {
            let dir = s.store + "/" + name
            let outside = s.directory.appending("outside-" + name)
            try FileManager.default.moveItem(atPath: dir, toPath: outside)
            try FileManager.default.createSymbolicLink(atPath: dir, withDestinationPath: outside)
            let target = Self.tree(outside)
            #expect(target.keys.contains { $0.hasSuffix(name == "snapshots" ? ".snap" : ".seg") }, "\(name): nothing in it: \(target.keys)")
            // A linked snapshots/ is not read (the state comes from the log); writes, which would write there, refuse.
            let reads = name == "snapshots" ? [] : [["run", "list"], ["audit", "verify"]]
            for args in [["run", "log", "r1", "--metric", "auc=0.9@2"], ["snapshot"], ["compact"]] + reads {
                let r = s.run(args, env: small)
                #expect(r.status != 0 && r.stderr.hasPrefix("Error: "), "\(name): logbook \(args.joined(separator: " ")): \(r)")
                // log/ and archive/ hold the history: a link there is damage (exit 5) that says why.
                if name != "snapshots" {
                    #expect(r.status == 5 && r.stderr.contains("never follows links"), "\(name): logbook \(args.joined(separator: " ")): \(r)")
                }
            }
            #expect(Self.tree(outside) == target, "\(name): the link's target changed")
            try FileManager.default.removeItem(atPath: dir)
            try FileManager.default.moveItem(atPath: outside, toPath: dir)
        }
        #expect(s.digest() == before)
        s.ok("check")
    }

    // MARK: Artifact paths

    @Test("Artifact paths cannot escape the run: '..', absolute, '/'-prefixed, empty or '.' parts are refused (exit 2), nothing is stored or created")
    func artifactPaths() throws {
        let s = Self.session()
        let before = s.digest()
        let storeFiles = Self.tree(s.store).filter { $0.key != "/LOCK" } // a writer rewrites LOCK with its pid
        let around = listFiles(s.directory.path).filter { !$0.hasPrefix(".") }
        let model = s.directory.appending("model.bin")
        writeFile(model, Array("escape attempt bytes".utf8))
        let bad = ["..", "../x", "../../../../../tmp/logbook-escape", "a/../../x", "a/..", "/etc/passwd", "/x", "//x",
                   "./a", "a/./b", ".", "a//b", "a/", "", "a/b/../../../c", "...//..", "x/\u{7F}"]
        for path in bad {
            let r = s.run("artifact", "add", "r1", model, "--path", path)
            #expect(r.status == 2, "--path '\(path)': \(r)")
            #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains("artifact path"), "--path '\(path)': \(r)")
            if !path.isEmpty && !path.contains("\u{7F}") {
                #expect(r.stderr.contains("'\(path)'"), "--path '\(path)': the error names the path: \(r)")
            }
            // The same through ingest.
            let line = "{\"op\":\"artifact.add\",\"run\":\"r1\",\"file\":\"\(model)\",\"path\":\"\(path.replacingOccurrences(of: "\u{7F}", with: "\\u007f"))\"}\n"
            let i = s.run(["ingest", "-"], stdin: line)
            #expect(i.status == 2 && i.stderr.hasPrefix("Error: line 1: "), "ingest path '\(path)': \(i)")
        }
        #expect(s.digest() == before, "a refused artifact was recorded")
        #expect(Self.tree(s.store).filter { $0.key != "/LOCK" } == storeFiles, "a refused artifact left bytes in the store")
        #expect(listFiles(s.directory.path).filter { !$0.hasPrefix(".") } == around, "something was created next to the store")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/logbook-escape"))
        #expect(!FileManager.default.fileExists(atPath: s.directory.appending("x")))

        // Names that only look odd are fine, and 'artifact get --out' writes wherever the user says.
        s.ok("artifact", "add", "r1", model, "--path", "..hidden/x..y/.dot")
        let out = s.directory.appending("elsewhere/../got.bin")
        try FileManager.default.createDirectory(atPath: s.directory.appending("elsewhere"), withIntermediateDirectories: false)
        s.ok("artifact", "get", "r1", "..hidden/x..y/.dot", "--out", out)
        #expect(readFile(s.directory.appending("got.bin")) == Array("escape attempt bytes".utf8))
        s.ok("check")
    }

    // MARK: Stale locks

    @Test("A lock file left by a dead process (its pid inside) does not block: the next write succeeds at once")
    func staleLockFile() throws {
        let s = Self.session()
        // A pid that is surely dead: a process that has exited and been reaped.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        writeFile(s.store + "/LOCK", Array("\(dead.processIdentifier)\n".utf8))
        let start = Date()
        s.ok("run", "log", "r1", "--metric", "auc=0.9@2") // the default lock timeout: 10 s
        #expect(Date().timeIntervalSince(start) < 2, "the write waited \(Date().timeIntervalSince(start)) s")
        s.ok("check")
    }

    @Test("A writer killed with SIGKILL while it holds the lock does not block the next write")
    func killedWriter() throws {
        let s = Self.session()
        let before = s.digest()
        // 'ingest -' takes the lock, then reads standard input until its end: it holds the lock while we keep the pipe open.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: logbookExecutable)
        holder.arguments = ["ingest", "-"]
        holder.environment = s.environment
        holder.currentDirectoryURL = URL(fileURLWithPath: s.directory.path)
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { try? input.fileHandleForWriting.close() }
        input.fileHandleForWriting.write(Data("{\"op\":\"run.log\",\"run\":\"r1\",\"metrics\":[{\"key\":\"half\",\"value\":1}]}\n".utf8))
        let pid = holder.processIdentifier
        // Wait until it holds the lock (it writes its pid into LOCK once it has it).
        let deadline = Date().addingTimeInterval(10)
        while String(decoding: readFile(s.store + "/LOCK"), as: UTF8.self) != "\(pid)\n" && Date() < deadline {
            usleep(5_000)
        }
        try #require(String(decoding: readFile(s.store + "/LOCK"), as: UTF8.self) == "\(pid)\n", "the writer never took the lock")
        let busy = s.run(["run", "log", "r1", "--metric", "auc=0.9@2"], env: ["LOGBOOK_LOCK_TIMEOUT_MS": "200"])
        #expect(busy.status == 6 && busy.stderr.contains("process \(pid)"), "the lock is held: \(busy)")

        kill(pid, SIGKILL)
        holder.waitUntilExit()
        #expect(holder.terminationReason == .uncaughtSignal)
        let start = Date()
        s.ok("run", "log", "r1", "--metric", "auc=0.9@2") // the default lock timeout: 10 s
        #expect(Date().timeIntervalSince(start) < 2, "the write waited \(Date().timeIntervalSince(start)) s")
        // The killed ingest appended nothing; the new write did.
        s.fails(3, "run", "history", "r1", "--metric", "half") // the killed ingest's line was never applied
        #expect(s.ok("audit", "digest", "--json").json["seq"] as? Int == (Int(before.split(separator: ":")[0]) ?? 0) + 1)
        s.ok("audit", "verify", "--digest", before)
        s.ok("check")
    }

    // MARK: Helpers

    /// A store with an experiment, a run with a param, a metric and an artifact.
    static func session() -> CLISession {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "churn")
        s.ok("run", "start", "--experiment", "churn", "--id", "r1")
        s.ok("run", "log", "r1", "--param", "lr=0.01", "--metric", "auc=0.8@1")
        let model = s.directory.appending("model.bin")
        writeFile(model, Array("model-bytes".utf8))
        s.ok("artifact", "add", "r1", model, "--path", "model/model.bin")
        return s
    }

    /// Copies the file or directory at `path` to `copyAt` and puts a symbolic link to the copy in its place.
    static func replaceWithLink(_ path: String, copyAt: String) throws {
        try FileManager.default.copyItem(atPath: path, toPath: copyAt)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: copyAt)
    }

    /// Whether `path` is (still) a symbolic link to `target`.
    static func isLink(_ path: String, to target: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == target
    }

    /// Every regular file under `path` (or `path` itself) with its bytes, and every directory, by relative path.
    static func tree(_ path: String) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        func walk(_ p: String, _ rel: String) {
            var st = stat()
            guard lstat(p, &st) == 0 else { return }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                result[rel + "/"] = []
                for name in listFiles(p) { walk(p + "/" + name, rel + "/" + name) }
            case S_IFLNK:
                result[rel + "@"] = Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: p)) ?? "").utf8)
            default:
                result[rel] = readFile(p)
            }
        }
        walk(path, "")
        return result
    }
}
