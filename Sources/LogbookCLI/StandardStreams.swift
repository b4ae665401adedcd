import Logbook
import LogbookStorage

/// Raw standard input and output bytes, and the user's own files: `ingest -` reads a pipe, `artifact get --out -`
/// writes binary bytes, `artifact add FILE` may name a symbolic link. The system calls are LogbookStorage's
/// (`ProcessIO`); this maps their errors to the command line's.
enum StandardStreams {
    /// Everything on standard input until end of file.
    static func readInput() throws(LogbookError) -> [UInt8] {
        do { return try ProcessIO.readStandardInput() } catch {
            throw LogbookError(.failure, "Reading standard input failed: \(error)")
        }
    }

    /// Writes all of `bytes` to standard output, ignoring a closed pipe.
    static func writeOutput(_ bytes: [UInt8]) { ProcessIO.writeStandardOutput(bytes: bytes) }

    /// The whole content of a user's file (symbolic links followed).
    static func readFile(_ path: String) throws(LogbookError) -> [UInt8] {
        do { return try ProcessIO.readUserFile(path) } catch {
            throw LogbookError(.failure, "Cannot read '\(path)': \(error)")
        }
    }

    /// Writes a user's file (created or replaced).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(LogbookError) {
        do { try ProcessIO.writeUserFile(path, bytes) } catch {
            throw LogbookError(.failure, "Cannot write '\(path)': \(error)")
        }
    }
}
