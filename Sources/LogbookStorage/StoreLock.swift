/// The single-writer lock: an exclusive `flock` on `<store>/LOCK`, which also holds the owner's pid.
///
/// Waiting polls with a growing pause up to the timeout, then fails with `.locked` naming the process that
/// holds it. The lock dies with its process (flock), so a killed writer never blocks the next one.
package final class StoreLock {
    private let file: SystemFile

    /// Acquires the lock of the store at `paths`, waiting up to `timeoutMilliseconds`.
    package init(_ paths: StorePaths, io: FileIO, timeoutMilliseconds: Int) throws(StorageError) {
        let path = paths.lock
        let file: SystemFile
        do { file = try io.open(path, writable: true, create: true) } catch {
            throw StorageError(.io, "Opening the lock file failed", path: path, errno: error)
        }
        let start = FileIO.monotonicNanoseconds()
        var pause = 1
        while true {
            let acquired: Bool
            do { acquired = try file.tryLockExclusive() } catch {
                throw StorageError(.io, "Locking the store failed", path: path, errno: error)
            }
            if acquired { break }
            let waited = Int((FileIO.monotonicNanoseconds() - start) / 1_000_000)
            if waited >= timeoutMilliseconds {
                let holder = (try? file.read(count: 32, at: 0)).flatMap { bytes in
                    Int32(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? "")
                }
                let who = holder.map { "process \($0)" } ?? "another process"
                throw StorageError(.locked, "The store is locked by \(who) (waited \(waited) ms); "
                                   + "try again when it finishes, or raise the lock timeout", path: paths.root)
            }
            FileIO.sleep(milliseconds: min(pause, max(1, timeoutMilliseconds - waited)))
            pause = min(pause * 2, 50)
        }
        do {
            try file.truncate(to: 0)
            try file.write(Array("\(FileIO.processID)\n".utf8), at: 0)
        } catch {
            throw StorageError(.io, "Writing the lock owner failed", path: path, errno: error)
        }
        self.file = file
    }

    /// Whether a writer holds the store's lock right now (a momentary non-blocking probe; never waits).
    package static func isHeld(_ paths: StorePaths, io: FileIO) -> Bool {
        guard io.exists(paths.lock), let file = try? io.open(paths.lock, writable: true) else { return false }
        defer { file.close() }
        return (try? file.tryLockExclusive()) == false
    }

    /// Releases the lock (also done when the object goes away or the process dies).
    package func release() { file.close() }
}
