import Foundation
import LogbookTestSupport
import Testing

/// Whether this machine lets an unprivileged test mount a small tmpfs in its own user and mount namespace.
let canMountTmpfs: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    process.arguments = ["--user", "--map-root-user", "--mount", "sh", "-c",
                         "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs \"$d\" && umount \"$d\" && rmdir \"$d\""]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// A full disk, for real: a 4 MiB tmpfs mounted in a private namespace (where the machine allows it; the fault
/// seam's ENOSPC tests in FaultInjectionTests run everywhere). Each step's exit code and output are kept in files
/// that outlive the namespace, and so is a copy of the store.
@Suite("End to end: disk full")
struct DiskFullTests {
    static let steps: [(name: String, command: String)] = [
        ("init", "$LB init"),
        ("experiment", "$LB experiment create full"),
        ("run", "$LB run start --experiment full --id r1"),
        ("fill", "dd if=/dev/zero of=$MNT/filler bs=4096 2>/dev/null; sync; true"),
        ("digest-full", "$LB audit digest --json"),
        ("log-full", "$LB run log r1 --metric m=1@1"),
        ("ingest-full", "$LB ingest $OUT/lines.jsonl"),
        ("snapshot-full", "$LB snapshot"),
        ("model-full", "$LB model register full --run r1"),
        ("digest-after", "$LB audit digest --json"),
        ("check-full", "$LB check"),
        // Free all but about 100 KiB less than the ingest needs: the batch's write runs out part way.
        ("free-some", "rm $MNT/filler && dd if=/dev/zero of=$MNT/filler bs=4096 count=$(( ($(stat -f -c %a $MNT) * $(stat -f -c %S $MNT) - 300000) / 4096 )) 2>/dev/null; true"),
        ("ingest-partial", "$LB ingest $OUT/lines.jsonl"),
        ("digest-partial", "$LB audit digest --json"),
        ("log-small", "$LB run log r1 --metric m=2@2"),
        ("free", "rm $MNT/filler"),
        ("ingest", "$LB ingest $OUT/lines.jsonl"),
        ("log", "$LB run log r1 --metric m=3@3"),
        ("check", "$LB check"),
        ("verify", "$LB audit verify"),
        ("stats", "$LB stats --json"),
    ]

    @Test("a full disk: a clear error, nothing half-written, and the store works again once space returns",
          .enabled(if: canMountTmpfs, "this machine does not let a test mount a tmpfs in its own namespace"))
    func fullDisk() throws {
        let dir = TemporaryDirectory("diskfull")
        var lines = ""
        for i in 0..<10_000 {
            lines += "{\"op\":\"run.log\",\"run\":\"r1\",\"metrics\":[{\"key\":\"loss\",\"value\":\(1.0 / Double(i + 1)),\"step\":\(i)}]}\n"
        }
        try lines.write(toFile: dir.appending("lines.jsonl"), atomically: false, encoding: .utf8)
        var script = "set -u\nmkdir -p $MNT && mount -t tmpfs -o size=4m tmpfs $MNT || exit 99\n"
        script += "export LOGBOOK_STORE=$MNT/store LOGBOOK_ACTOR=alice\n"
        for (i, step) in Self.steps.enumerated() {
            script += "(\(step.command)) > $OUT/\(i).out 2> $OUT/\(i).err; echo $? > $OUT/\(i).rc\n"
        }
        script += "cp -a $MNT/store $OUT/store\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--user", "--map-root-user", "--mount", "bash", "-c", script]
        process.environment = ["LB": logbookExecutable, "MNT": dir.appending("mnt"), "OUT": dir.path,
                               "PATH": "/usr/bin:/bin", "HOME": dir.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        func step(_ name: String) -> CLIResult {
            let i = Self.steps.firstIndex { $0.name == name }!
            let read = { (ext: String) in (try? String(contentsOfFile: dir.appending("\(i).\(ext)"), encoding: .utf8)) ?? "" }
            return CLIResult(status: Int32(read("rc").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                             stdout: read("out"), stderr: read("err"))
        }
        for name in ["init", "experiment", "run", "digest-full", "digest-after", "check-full", "ingest", "log", "check", "verify"] {
            #expect(step(name).status == 0, "\(name): \(step(name))")
        }
        func sequence(_ name: String) -> Int {
            let json = (try? JSONSerialization.jsonObject(with: Data(step(name).stdout.utf8))) as? [String: Any]
            return Int(number(json?["seq"]) ?? -1)
        }
        func isDiskFull(_ r: CLIResult) -> Bool {
            r.status == 1 && r.stderr.hasPrefix("Error: ") && r.stderr.contains("disk is full")
        }
        // The ingests cannot fit: exit 1, "the disk is full", and nothing of them is in the log.
        #expect(isDiskFull(step("ingest-full")), "\(step("ingest-full"))")
        #expect(isDiskFull(step("ingest-partial")), "\(step("ingest-partial"))")
        // A small write may still fit in the last page of the segment: then it is there; else it fails the same way.
        var appended = 0
        for (name, events) in [("log-full", 1), ("model-full", 2)] {
            let r = step(name)
            #expect(r.status == 0 || isDiskFull(r), "\(name): \(r)")
            if r.status == 0 { appended += events }
        }
        let snapshot = step("snapshot-full")
        #expect(snapshot.status == 1 && snapshot.stderr.contains("No space left on device"), "\(snapshot)")
        #expect(sequence("digest-after") == sequence("digest-full") + appended, "a failed write changed the log")
        #expect(step("digest-partial").stdout == step("digest-after").stdout, "a failed ingest kept part of its batch")
        // After space returns: the small log (if it fitted), the whole ingest and one more log.
        let stats = step("stats")
        let events = (try? JSONSerialization.jsonObject(with: Data(stats.stdout.utf8))) as? [String: Any]
        let expected = sequence("digest-after") + (step("log-small").status == 0 ? 1 : 0) + 10_000 + 1
        #expect(number(events?["events"]) == Double(expected), "\(stats)")
        // The copy taken out of the namespace opens and checks here too.
        let s = CLISession()
        s.environment["LOGBOOK_STORE"] = dir.appending("store")
        s.ok("check")
    }
}
