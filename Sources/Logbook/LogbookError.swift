package import LogbookStorage
package import LogbookEvents

/// The one error type of the Logbook library: a code that decides the CLI's exit status, and a message that
/// names what is wrong and, where there is one, the fix.
public struct LogbookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure; each maps to one exit code of the CLI contract.
    public enum Code: Int32, Sendable, Equatable {
        /// Any other failure (I/O error, internal error). Exit 1.
        case failure = 1
        /// A malformed value or a bad combination of options. Exit 2.
        case usage = 2
        /// An experiment, run, model, version, alias, test or unit that does not exist. Exit 3.
        case notFound = 3
        /// Refused by a rule: invalid transition, param overwrite, policy rejection... Exit 4.
        case refused = 4
        /// Checksum, chain or snapshot verification failed; the store is damaged. Exit 5.
        case integrity = 5
        /// The store is locked by another writer past the timeout. Exit 6.
        case busy = 6
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func notFound(_ message: String) -> LogbookError { LogbookError(.notFound, message) }
    static func refused(_ message: String) -> LogbookError { LogbookError(.refused, message) }
    static func usage(_ message: String) -> LogbookError { LogbookError(.usage, message) }

    /// Translates a storage error.
    package init(_ e: StorageError) {
        let code: Code
        switch e.code {
        case .corrupted, .tampered, .unsupportedVersion: code = .integrity
        case .locked: code = .busy
        case .notFound: code = .notFound
        case .invalidArgument: code = .usage
        case .io, .poisoned: code = .failure
        }
        self.init(code, e.description)
    }

    /// Translates a codec error met while replaying record `sequence`.
    package init(_ e: CodecError, sequence: UInt64) {
        self.init(.integrity, "Cannot replay event \(sequence): \(e)")
    }
}
