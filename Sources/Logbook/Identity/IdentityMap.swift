internal import LogbookStorage

/// The pseudonym map of a store created with `init --pseudonymize`: outside the log, in `<store>/identity/`.
///
/// - `key`: 32 random bytes, the HMAC key.
/// - `names`: one line per person, `PSEUDONYM<TAB>SALT<TAB>NAME`, installed atomically.
///
/// A person's pseudonym is `p-` and the first 24 hex digits (96 bits) of HMAC-SHA256(key, salt || name), where
/// the salt is 16 random bytes of their own. The log records only pseudonyms. Erasing a person removes their line:
/// the name and the salt are gone, so not even the key can link the pseudonym to a guessed name again.
package struct IdentityMap: Sendable {
    struct Entry: Sendable {
        var pseudonym: String
        var salt: String
        var name: String
    }

    let directory: String
    private let key: [UInt8]
    private var entries: [Entry]
    private var byName: [String: Int] = [:]
    private var byPseudonym: [String: Int] = [:]
    /// Entries added since the map was loaded or saved.
    private(set) var isDirty = false

    static func directory(ofStore root: String) -> String { StorePaths(root: root).root + "/identity" }

    /// Whether the store at `root` records pseudonyms.
    static func isEnabled(store root: String, io: FileIO) -> Bool { io.isDirectory(directory(ofStore: root)) }

    /// Creates the key (the store then records pseudonyms from its first event).
    static func create(store root: String, io: FileIO) throws(LogbookError) {
        let dir = directory(ofStore: root)
        var g = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        do { try io.makeDirectoryDurably(dir, in: StorePaths(root: root).root) } catch {
            throw LogbookError(.failure, "Creating '\(dir)' failed: \(error)")
        }
        do { try io.writeAtomically(key, to: dir + "/key", directory: dir) } catch { throw LogbookError(error) }
    }

    /// The map of the store at `root`, or nil when it does not record pseudonyms.
    /// - Throws: `.integrity` when the map is unreadable, or (for a writer, who would need it) the key is missing.
    static func load(store root: String, io: FileIO, writable: Bool) throws(LogbookError) -> IdentityMap? {
        let dir = directory(ofStore: root)
        // A symbolic link (or a file) in place of identity/ is never followed, nor taken for a store without
        // pseudonyms: names would then go into the log.
        if io.exists(dir) && !io.isDirectory(dir) {
            throw LogbookError(.integrity, "'\(dir)' is not a directory (a symbolic link?); the pseudonym map is never read "
                               + "through a link: put the store's own identity/ directory back (from a backup)")
        }
        guard isEnabled(store: root, io: io) else { return nil }
        let k: [UInt8]?
        let text: [UInt8]
        do {
            k = try io.readWholeFile(dir + "/key")
            text = try io.readWholeFile(dir + "/names") ?? []
        } catch { throw LogbookError(error) }
        // A reader only shows names; a writer needs the key to make pseudonyms.
        let key = k ?? []
        if writable && key.count != 32 {
            throw LogbookError(.integrity, "The pseudonym key '\(dir)/key' is missing or damaged: restore it from a backup "
                               + "(without it no actor can be recorded)")
        }
        var map = IdentityMap(directory: dir, key: key, entries: [])
        for (n, line) in text.split(separator: UInt8(ascii: "\n")).enumerated() {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 3, let p = String(validating: fields[0], as: UTF8.self),
                  let s = String(validating: fields[1], as: UTF8.self), let name = String(validating: fields[2], as: UTF8.self) else {
                throw LogbookError(.integrity, "Line \(n + 1) of '\(dir)/names' is damaged")
            }
            map.add(Entry(pseudonym: p, salt: s, name: name))
        }
        return map
    }

    private init(directory: String, key: [UInt8], entries: [Entry]) {
        self.directory = directory
        self.key = key
        self.entries = entries
    }

    private mutating func add(_ e: Entry) {
        byName[e.name] = entries.count
        byPseudonym[e.pseudonym] = entries.count
        entries.append(e)
    }

    /// The pseudonym recorded for `name`: theirs, or a new one (saved with the next write).
    mutating func pseudonym(for name: String) -> String {
        if let i = byName[name] { return entries[i].pseudonym }
        if name.hasPrefix("p-"), byPseudonym[name] != nil { return name }
        var g = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        let p = Self.pseudonym(key: key, salt: salt, name: name)
        add(Entry(pseudonym: p, salt: SHA256Digest.hex(salt), name: name))
        isDirty = true
        return p
    }

    /// `p-` and the first 24 hex digits of HMAC-SHA256(key, salt || UTF-8 name).
    static func pseudonym(key: [UInt8], salt: [UInt8], name: String) -> String {
        "p-" + HMACSHA256.mac(key: key, message: salt + Array(name.utf8)).hex.prefix(24)
    }

    /// The pseudonym of a known name (nil for a name never recorded, or erased).
    func existingPseudonym(of name: String) -> String? { byName[name].map { entries[$0].pseudonym } }

    /// The name behind a pseudonym, when the map still has it.
    func name(of pseudonym: String) -> String? { byPseudonym[pseudonym].map { entries[$0].name } }

    /// Removes the entry of `pseudonym` (its name and salt). - Returns: whether there was one.
    @discardableResult
    mutating func erase(pseudonym: String) -> Bool {
        guard byPseudonym[pseudonym] != nil else { return false }
        entries.removeAll { $0.pseudonym == pseudonym }
        byName = [:]
        byPseudonym = [:]
        let kept = entries
        entries = []
        for e in kept { add(e) }
        isDirty = true
        return true
    }

    /// Installs the map atomically.
    mutating func save(io: FileIO) throws(LogbookError) {
        var text = ""
        for e in entries { text += "\(e.pseudonym)\t\(e.salt)\t\(e.name)\n" }
        do { try io.writeAtomically(Array(text.utf8), to: directory + "/names", directory: directory) } catch {
            throw LogbookError(error)
        }
        isDirty = false
    }
}
