#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif
import Synchronization

/// The power-loss layer of the fault seam: it remembers what the disk would keep if the power went off now, and
/// can put a directory tree back into exactly that state.
///
/// The model is the strict one a crash-safe program must survive:
/// - a file's bytes survive only as of its last successful `fsync`/`fdatasync` (a file never synced is empty);
/// - a directory entry (a create, a rename, an unlink) survives only once its directory was `fsync`ed; until
///   then the directory lists what it listed at its last sync, each name with the durable bytes of the file it
///   named then (a file unlinked or renamed over keeps its durable bytes for that purpose).
///
/// Tests start it on a closed store (everything there counts as durable), attach it to a ``FaultInjector``, cut
/// the power at some call index (from then on every call fails, as for a machine that is off), and call
/// ``restoreDurableState()`` before reopening the store with a plain ``FileIO``.
package final class PowerLossSimulator: Sendable {
    enum Entry: Equatable { case file(Int), directory }

    private struct State {
        var nextID = 1
        /// Live inode -> file id (an id outlives its inode once the file is unlinked or renamed over).
        var idOfInode: [UInt64: Int] = [:]
        /// File id -> bytes as of the last sync.
        var content: [Int: [UInt8]] = [:]
        /// Directory path -> its entries as of the last directory sync.
        var entries: [String: [String: Entry]] = [:]

        mutating func id(ofInode inode: UInt64) -> Int {
            if let id = idOfInode[inode] { return id }
            let id = nextID
            nextID += 1
            idOfInode[inode] = id
            return id
        }
    }

    /// The tree this simulator keeps.
    package let root: String
    private let state = Mutex(State())

    /// Starts with everything under `root` as durable (content and directory entries).
    package init(root: String) throws(Errno) {
        self.root = Self.normalized(root)
        try baseline(self.root)
    }

    private func baseline(_ directory: String) throws(Errno) {
        try recordDirectory(directory, readContent: true)
        for (name, entry) in state.withLock({ $0.entries[directory] ?? [:] }) where entry == .directory {
            try baseline(directory + "/" + name)
        }
    }

    /// `path` without repeated or trailing slashes, so that the store's paths and the root compare as strings.
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return path.hasPrefix("/") ? "/" + parts : parts
    }

    /// The file open at `descriptor` was synced: its current bytes are durable.
    func fileSynced(_ descriptor: CInt) {
        var st = stat()
        guard fstat(descriptor, &st) == 0, let bytes = try? Self.readAll(descriptor, size: Int(st.st_size)) else { return }
        state.withLock { s in s.content[s.id(ofInode: UInt64(st.st_ino))] = bytes }
    }

    /// The directory at `path` was synced: its current entries are durable.
    func directorySynced(_ path: String) {
        try? recordDirectory(Self.normalized(path), readContent: false)
    }

    /// The file at `path` is about to be unlinked or renamed over: its inode may be reused, so its id is detached.
    func willReplace(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        _ = state.withLock { $0.idOfInode.removeValue(forKey: UInt64(st.st_ino)) }
    }

    private func recordDirectory(_ directory: String, readContent: Bool) throws(Errno) {
        var directories: [String] = []
        var files: [(name: String, inode: UInt64, bytes: [UInt8]?)] = []
        for name in try FileIO().listDirectory(directory) {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: directories.append(name)
            case S_IFREG:
                var bytes: [UInt8]?
                if readContent {
                    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                    guard fd >= 0 else { throw Errno.current }
                    defer { close(fd) }
                    bytes = try Self.readAll(fd, size: Int(st.st_size))
                }
                files.append((name, UInt64(st.st_ino), bytes))
            default: continue   // symbolic links and others: a store never makes them
            }
        }
        state.withLock { s in
            var entries: [String: Entry] = [:]
            for name in directories { entries[name] = .directory }
            for file in files {
                let id = s.id(ofInode: file.inode)
                entries[file.name] = .file(id)
                if let bytes = file.bytes { s.content[id] = bytes }
            }
            s.entries[directory] = entries
        }
    }

    /// Replaces everything under the root with the durable state: what the disk holds after the power comes back.
    ///
    /// With `tearSeed`, a file that grew since its last sync also keeps a random subset (drawn from the seed) of
    /// the 4 KiB pages it grew by, the others reading back as zeros: a write torn by the power loss, as file
    /// systems that persist a file's size before its data can leave it.
    package func restoreDurableState(tearSeed: UInt64? = nil) throws(Errno) {
        var current: [Int: [UInt8]] = [:]
        if tearSeed != nil { try readCurrent(root, into: &current) }
        try removeContents(of: root)
        var random = tearSeed ?? 0
        try rebuild(root) { id, durable in
            guard tearSeed != nil, let now = current[id], now.count > durable.count, now.starts(with: durable) else {
                return durable
            }
            var torn = durable + [UInt8](repeating: 0, count: now.count - durable.count)
            let page = 4096
            var k = durable.count / page
            while k * page < now.count {
                // SplitMix64: keep the page or not.
                random &+= 0x9E37_79B9_7F4A_7C15
                var z = random
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                if (z ^ (z >> 31)) & 1 == 1 {
                    let from = max(k * page, durable.count), to = min((k + 1) * page, now.count)
                    torn.replaceSubrange(from..<to, with: now[from..<to])
                }
                k += 1
            }
            return torn
        }
    }

    /// The current bytes of every file under `directory` whose file id is known.
    private func readCurrent(_ directory: String, into current: inout [Int: [UInt8]]) throws(Errno) {
        for name in try FileIO().listDirectory(directory) {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR { try readCurrent(path, into: &current); continue }
            guard (st.st_mode & S_IFMT) == S_IFREG, let id = state.withLock({ $0.idOfInode[UInt64(st.st_ino)] }) else { continue }
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw Errno.current }
            defer { close(fd) }
            current[id] = try Self.readAll(fd, size: Int(st.st_size))
        }
    }

    private func rebuild(_ directory: String, _ bytesOf: (Int, [UInt8]) -> [UInt8]) throws(Errno) {
        let (entries, content) = state.withLock { s in (s.entries[directory] ?? [:], s.content) }
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let path = directory + "/" + name
            switch entry {
            case .directory:
                if mkdir(path, FileIO.directoryMode) != 0 { throw Errno.current }
                try rebuild(path, bytesOf)
            case .file(let id):
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FileIO.fileMode)
                guard fd >= 0 else { throw Errno.current }
                defer { close(fd) }
                let bytes = bytesOf(id, content[id] ?? [])
                let written = bytes.withUnsafeBytes { b in b.isEmpty ? 0 : write(fd, b.baseAddress!, b.count) }
                if written != bytes.count { throw Errno.current }
            }
        }
    }

    private func removeContents(of directory: String) throws(Errno) {
        for name in try FileIO().listDirectory(directory) {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                try removeContents(of: path)
                if rmdir(path) != 0 { throw Errno.current }
            } else if unlink(path) != 0 {
                throw Errno.current
            }
        }
    }

    private static func readAll(_ fd: CInt, size: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 { if errno == EINTR { continue }; throw Errno.current }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }
}
