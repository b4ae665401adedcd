#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Standard input, raw standard output, and the user's own files (not store files: symbolic links are followed,
/// as a user naming a file expects), for the command line and the tools.
extension ProcessIO {
    /// Everything on standard input until end of file.
    package static func readStandardInput() throws(Errno) -> [UInt8] { try readAll(0) }

    /// Writes all of `bytes` to standard output (fd 1), ignoring a closed pipe.
    package static func writeStandardOutput(bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = write(1, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
    }

    /// The whole content of a user's file.
    package static func readUserFile(_ path: String) throws(Errno) -> [UInt8] {
        let fd = try FileIO.retrying { open(path, O_RDONLY | O_CLOEXEC) }
        defer { _ = close(fd) }
        return try readAll(fd)
    }

    /// Creates or replaces a user's file (mode 0644 before the umask) with `bytes`.
    package static func writeUserFile(_ path: String, _ bytes: [UInt8]) throws(Errno) {
        let fd = try FileIO.retrying { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { _ = close(fd) }
        var failure: Errno?
        bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = Errno.current; return }
                done += n
            }
        }
        if let failure { throw failure }
    }

    /// Removes an empty directory.
    package static func removeDirectory(_ path: String) throws(Errno) {
        _ = try FileIO.retrying { rmdir(path) }
    }

    private static func readAll(_ fd: CInt) throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try FileIO.retrying { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }
}
