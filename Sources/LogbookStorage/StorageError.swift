/// The one error type of LogbookStorage: a code, a message naming what is wrong, and where.
///
/// `description` is a stable, tested format: `<message> [file '<path>', offset <n>, sequence <n>]: <errno text>`,
/// with each bracketed part present only when known.
package struct StorageError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is; callers branch on it (the CLI maps it to an exit code).
    package enum Code: String, Sendable, Equatable {
        /// A checksum, structure or chain check failed: the data on disk is damaged or was altered.
        case corrupted
        /// Verification against a digest failed: the log is not the one the digest was taken from.
        case tampered
        /// Another process holds the writer lock past the timeout.
        case locked
        /// A system call failed (EIO, ENOSPC, permissions...).
        case io
        /// A previous write or sync failed; the writer refuses appends until the store is reopened.
        case poisoned
        /// The caller passed something the log cannot accept (an empty batch, a timestamp going backwards...).
        case invalidArgument
        /// The store, a segment or a snapshot does not exist.
        case notFound
        /// The store was written by a newer format version.
        case unsupportedVersion
    }

    /// The kind of failure.
    package var code: Code
    /// What is wrong, in words a user can act on.
    package var message: String
    /// The file concerned, if any.
    package var path: String?
    /// The byte offset in `path`, if known.
    package var offset: Int?
    /// The sequence number concerned, if known.
    package var sequence: UInt64?
    /// The underlying system error, if any.
    package var errno: Errno?

    /// Makes an error.
    package init(_ code: Code, _ message: String, path: String? = nil, offset: Int? = nil,
                 sequence: UInt64? = nil, errno: Errno? = nil) {
        // O_NOFOLLOW met a symbolic link where the store keeps a file: that is damage (or tampering), not an I/O
        // failure, and the message says why nothing was read through it.
        if errno == .tooManySymbolicLinks && code == .io {
            self.code = .corrupted
            self.message = message + " (it is a symbolic link; Logbook never follows links inside a store)"
        } else {
            self.code = code
            self.message = message
        }
        self.path = path
        self.offset = offset
        self.sequence = sequence
        self.errno = errno
    }

    package var description: String {
        var parts: [String] = []
        if let path { parts.append("file '\(path)'") }
        if let offset { parts.append("offset \(offset)") }
        if let sequence { parts.append("sequence \(sequence)") }
        var text = message
        if !parts.isEmpty { text += " [" + parts.joined(separator: ", ") + "]" }
        if let errno { text += ": \(errno)" }
        return text
    }
}

extension StorageError {
    /// Whether the underlying cause is a full disk.
    package var isNoSpace: Bool { errno == .noSpace }
}
