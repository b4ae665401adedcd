/// Who does a write, why, and when (the envelope of the events it appends).
public struct WriteContext: Sendable {
    /// The actor recorded on every event.
    public var actor: String
    /// The reason, when given (required for stage changes, alias moves, rollbacks, approvals).
    public var reason: String?
    /// The time to record (LOGBOOK_NOW, or an ingested line's time); nil = the wall clock.
    public var time: Int64?

    /// Makes a context.
    public init(actor: String, reason: String? = nil, time: Int64? = nil) {
        self.actor = actor
        self.reason = reason
        self.time = time
    }

    /// The reason, or a usage error saying it is required for `what`.
    func requireReason(_ what: String) throws(LogbookError) -> String {
        guard let reason, !reason.allSatisfy(\.isWhitespace) else {
            throw LogbookError.usage("--reason is required for \(what): say why with --reason TEXT (it is recorded with the event)")
        }
        return reason
    }
}

/// Checks on names and values shared by the commands.
enum Validate {
    /// A name of an experiment, model, alias, key: non-empty, at most `limit` characters, no control characters.
    static func name(_ s: String, _ what: String, limit: Int = 256) throws(LogbookError) {
        guard !s.isEmpty else { throw LogbookError.usage("The \(what) is empty") }
        guard s.utf8.count <= limit else {
            throw LogbookError.usage("The \(what) is \(s.utf8.count) bytes long; the limit is \(limit)")
        }
        guard !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw LogbookError.usage("The \(what) '\(s.debugDescription.dropFirst().dropLast())' contains a control character")
        }
    }

    /// A free text (description, reason, tag value): at most `limit` bytes.
    static func text(_ s: String, _ what: String, limit: Int = 8192) throws(LogbookError) {
        guard s.utf8.count <= limit else {
            throw LogbookError.usage("The \(what) is \(s.utf8.count) bytes long; the limit is \(limit)")
        }
    }

    /// A SHA-256 digest in hex (either case); returns it lowercase.
    static func sha256(_ s: String, _ what: String) throws(LogbookError) -> String {
        let lower = s.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw LogbookError.usage("The \(what) '\(s)' is not a SHA-256 digest (64 hex characters)")
        }
        return lower
    }

    /// A run id given with --id: letters, digits, '-' and '_', 1...64 characters.
    static func runID(_ s: String) throws(LogbookError) {
        guard !s.isEmpty, s.utf8.count <= 64,
              s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else { throw LogbookError.usage("The run id '\(s)' is invalid: use 1 to 64 letters, digits, '-' or '_'") }
    }

    /// An artifact path inside a run: relative, no '..' or '.' components, no empty components.
    static func artifactPath(_ p: String) throws(LogbookError) {
        try name(p, "artifact path", limit: 1024)
        guard !p.hasPrefix("/") else { throw LogbookError.usage("The artifact path '\(p)' is absolute; give a path inside the run") }
        for part in p.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part != ".", part != ".." else {
                throw LogbookError.usage("The artifact path '\(p)' escapes the run or has an empty part; use a plain relative path")
            }
        }
    }
}
