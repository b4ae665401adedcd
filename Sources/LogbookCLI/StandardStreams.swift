import Logbook
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw standard input and output bytes, and the user's own files, which LogbookStorage's FileIO (store files:
/// positional reads, no symbolic links) and ProcessIO (text only) do not cover: `ingest -` reads a pipe,
/// `artifact get --out -` writes binary bytes, `artifact add FILE` may name a symbolic link. The only C calls of
/// the command line.
enum StandardStreams {
    /// Everything on standard input until end of file.
    static func readInput() throws(LogbookError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogbookError(.failure, "Reading standard input failed (errno \(errno))")
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes all of `bytes` to standard output, ignoring a closed pipe.
    static func writeOutput(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = write(1, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
    }
}

extension StandardStreams {
    /// The whole content of a user's file (symbolic links followed).
    static func readFile(_ path: String) throws(LogbookError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogbookError(.failure, "Cannot read '\(path)': \(errorText(errno))") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogbookError(.failure, "Cannot read '\(path)': \(errorText(errno))")
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes a user's file (created or replaced).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(LogbookError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogbookError(.failure, "Cannot write '\(path)': \(errorText(errno))") }
        defer { close(fd) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                let n = write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += n
            }
        }
        if failure != 0 { throw LogbookError(.failure, "Cannot write '\(path)': \(errorText(failure))") }
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
