#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// How a child process ended, and what it cost.
package struct ChildProcessResult: Sendable {
    /// The exit status (128 + signal when killed by one).
    package var status: Int32
    /// Wall time from spawn to exit, in seconds.
    package var seconds: Double
    /// The child's peak resident set size, in KiB.
    package var maxResidentKiB: Int

    /// Describes a finished child.
    package init(status: Int32, seconds: Double, maxResidentKiB: Int) {
        self.status = status
        self.seconds = seconds
        self.maxResidentKiB = maxResidentKiB
    }
}

extension ProcessIO {
    /// Runs `path` with `arguments` (without argv[0]) and `environment` ("NAME=value"), its standard output and
    /// error sent to /dev/null, and waits for it: what the benchmark needs to time a cold `logbook` process.
    package static func runChild(_ path: String, _ arguments: [String], environment: [String]) throws(Errno) -> ChildProcessResult {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let start = FileIO.monotonicNanoseconds()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw Errno(rawValue: rc) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Errno(rawValue: errno) }
        }
        let seconds = Double(FileIO.monotonicNanoseconds() - start) / 1e9
        let exited = status & 0x7f == 0
        return ChildProcessResult(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), seconds: seconds,
                                  maxResidentKiB: Int(usage.ru_maxrss))
    }

    /// This process's environment as "NAME=value" strings.
    package static func environmentStrings() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }

    /// The path of the running executable (`/proc/self/exe`).
    package static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
