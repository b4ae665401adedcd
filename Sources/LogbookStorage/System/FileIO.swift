#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// The system-call layer: every open, read, write, sync, rename and lock of LogbookStorage goes through here.
///
/// One thin wrapper per call; `EINTR` is retried for everything but `close`; short reads and writes are looped
/// in one place; failures come back as ``Errno``. When a ``FaultInjector`` is attached, each fallible call asks
/// it first, which is how tests produce short writes, `EIO`, `ENOSPC` and failed fsyncs at any call index.
package struct FileIO: Sendable {
    /// The fault seam, `nil` outside tests.
    package let faults: FaultInjector?

    /// Makes the layer, optionally with a fault seam.
    package init(faults: FaultInjector? = nil) { self.faults = faults }

    /// Permission bits for files the store creates (owner read/write only).
    package static let fileMode: mode_t = 0o600
    /// Permission bits for directories the store creates (owner only).
    package static let directoryMode: mode_t = 0o700

    @inline(__always)
    func check(_ call: SystemCall) throws(Errno) {
        guard let faults, let fault = faults.next(call) else { return }
        switch fault {
        case .fail(let e): throw e
        case .shortWriteThenNoSpace: if call != .write { throw Errno.ioError }
        }
    }

    /// Runs `body` until it does not fail with `EINTR`; a result of -1 becomes the thread's `errno`.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ body: () -> T) throws(Errno) -> T {
        while true {
            let r = body()
            if r != -1 { return r }
            let e = Errno.current
            if e != .interrupted { throw e }
        }
    }

    /// Opens (or creates) a regular file. Symbolic links are never followed; the descriptor closes on exec.
    ///
    /// The corresponding C function is `open` with `O_NOFOLLOW | O_CLOEXEC`.
    package func open(_ path: String, writable: Bool, create: Bool = false, exclusive: Bool = false,
                      truncate: Bool = false) throws(Errno) -> SystemFile {
        try check(.open)
        var flags = O_CLOEXEC | O_NOFOLLOW | (writable ? O_RDWR : O_RDONLY)
        if create { flags |= O_CREAT }
        if exclusive { flags |= O_EXCL }
        if truncate { flags |= O_TRUNC }
        let fd = try Self.retrying { SystemCalls.open(path, flags, Self.fileMode) }
        return SystemFile(descriptor: fd, path: path, io: self)
    }

    /// Opens a directory for `fsync` (to make a create, rename or unlink inside it durable).
    package func syncDirectory(_ path: String) throws(Errno) {
        try check(.open)
        let fd = try Self.retrying { SystemCalls.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
        defer { _ = SystemCalls.close(fd) }
        try check(.sync)
        _ = try Self.retrying { fsync(fd) }
        faults?.powerLoss?.directorySynced(path)
    }

    /// Writes back every dirty page of every file system (`sync`): benchmarks call it so that the write-back of
    /// what they generated does not run during what they time.
    package static func writeBackEverything() { sync() }

    /// Creates a directory (mode 0700) unless it exists; refuses a symbolic link in its place.
    package func makeDirectory(_ path: String) throws(Errno) {
        var st = stat()
        if lstat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw Errno(rawValue: (st.st_mode & S_IFMT) == S_IFLNK ? ELOOP : ENOTDIR)
        }
        try check(.makeDirectory)
        if SystemCalls.mkdir(path, Self.directoryMode) != 0 {
            let e = Errno.current
            if e != .fileExists { throw e }
        }
    }

    /// Renames `from` to `to` atomically (replacing `to`). The caller syncs the directory afterwards.
    package func rename(_ from: String, to: String) throws(Errno) {
        try check(.rename)
        faults?.powerLoss?.willReplace(to)
        _ = try Self.retrying { SystemCalls.rename(from, to) }
    }

    /// Removes a file. The caller syncs the directory afterwards.
    package func unlink(_ path: String) throws(Errno) {
        try check(.unlink)
        faults?.powerLoss?.willReplace(path)
        _ = try Self.retrying { SystemCalls.unlink(path) }
    }

    /// Whether a directory entry exists at `path` (without following a final symbolic link).
    package func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether `path` is a directory (a symbolic link is not).
    /// The size of a file, or nil when it cannot be opened.
    package func sizeOfFile(_ path: String) -> Int? {
        guard let file = try? open(path, writable: false) else { return nil }
        defer { file.close() }
        return try? file.size()
    }

    package func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in a directory (without "." and ".."), unsorted.
    package func listDirectory(_ path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno.current }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The id of this process.
    package static var processID: Int32 { getpid() }

    /// Whether a process with this id exists (signal 0 probe).
    package static func processExists(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Wall-clock time in milliseconds since the Unix epoch (the coarse clock: a few ms of resolution, no
    /// system call on Linux's vDSO fast path; timestamps are kept in ms and clamped to never decrease anyway).
    package static func wallClockMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// A monotonic clock in nanoseconds, for intervals.
    package static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Sleeps for about `milliseconds`.
    package static func sleep(milliseconds: Int) {
        var ts = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
    }

    /// The value of an environment variable.
    package static func environment(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }
}

/// An open file descriptor, closed exactly once when the owner goes away.
package final class SystemFile {
    /// The raw descriptor.
    package let descriptor: CInt
    /// The path it was opened with, for error messages.
    package let path: String
    private let io: FileIO
    private var isClosed = false

    init(descriptor: CInt, path: String, io: FileIO) {
        self.descriptor = descriptor
        self.path = path
        self.io = io
    }

    deinit { close() }

    /// Closes the descriptor (never retried on `EINTR`: on Linux the descriptor is gone either way).
    package func close() {
        if !isClosed { isClosed = true; _ = SystemCalls.close(descriptor) }
    }

    /// The file's size in bytes.
    package func size() throws(Errno) -> Int {
        var st = stat()
        if fstat(descriptor, &st) != 0 { throw Errno.current }
        return Int(st.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (fewer only at end of file).
    ///
    /// The corresponding C function is `pread`, looped over short reads.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        try io.check(.read)
        var done = 0
        while done < buffer.count {
            let n = try FileIO.retrying {
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset` (fewer only when the file ends first).
    /// The array is filled straight from the file (no zeroing first: a large snapshot is touched once).
    package func read(count: Int, at offset: Int) throws(Errno) -> [UInt8] {
        var failure: Errno?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do {
                initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            } catch {
                failure = error as? Errno ?? .ioError
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    ///
    /// The corresponding C function is `pwrite`. On failure part of the bytes may be in the file.
    package func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(Errno) {
        var done = 0
        if let faults = io.faults, let fault = faults.next(.write) {
            switch fault {
            case .fail(let e): throw e
            case .shortWriteThenNoSpace:
                let half = bytes.count / 2
                if half > 0 { _ = pwrite(descriptor, bytes.baseAddress!, half, off_t(offset)) }
                throw Errno.noSpace
            }
        }
        while done < bytes.count {
            let n = try FileIO.retrying {
                pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    package func write(_ bytes: [UInt8], at offset: Int) throws(Errno) {
        var result: Result<Void, Errno> = .success(())
        bytes.withUnsafeBytes { b in result = Result { () throws(Errno) in try write(b, at: offset) } }
        try result.get()
    }

    /// Flushes the file's data (and the metadata needed to read it back) to stable storage.
    ///
    /// The corresponding C function is `fdatasync`. A failure must never be retried: the kernel may have dropped
    /// the dirty pages, and a second call could succeed without writing them.
    package func synchronizeData() throws(Errno) {
        try io.check(.sync)
        _ = try FileIO.retrying { fdatasync(descriptor) }
        io.faults?.powerLoss?.fileSynced(descriptor)
    }

    /// Flushes the file's data and all its metadata. The corresponding C function is `fsync`.
    package func synchronize() throws(Errno) {
        try io.check(.sync)
        _ = try FileIO.retrying { fsync(descriptor) }
        io.faults?.powerLoss?.fileSynced(descriptor)
    }

    /// Cuts or extends the file to `size` bytes. The corresponding C function is `ftruncate`.
    package func truncate(to size: Int) throws(Errno) {
        try io.check(.truncate)
        _ = try FileIO.retrying { ftruncate(descriptor, off_t(size)) }
    }

    /// Takes an exclusive `flock` without waiting; returns false when another open file holds it.
    ///
    /// `flock` belongs to the open file description, so it is released when this descriptor closes or the
    /// process dies (a dead process never leaves a stale lock), unlike `fcntl` locks.
    package func tryLockExclusive() throws(Errno) -> Bool {
        try io.check(.lock)
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            let e = Errno.current
            if e == .wouldBlock { return false }
            if e != .interrupted { throw e }
        }
    }
}

/// The C functions whose names the wrappers above shadow, reached without naming the C library module.
enum SystemCalls {
    static func open(_ path: String, _ flags: CInt, _ mode: mode_t) -> CInt { openFile(path, flags, mode) }
    static func open(_ path: String, _ flags: CInt) -> CInt { openFile(path, flags, 0) }
    static func close(_ fd: CInt) -> CInt { closeFile(fd) }
    static func mkdir(_ path: String, _ mode: mode_t) -> CInt { makeDir(path, mode) }
    static func rename(_ from: String, _ to: String) -> CInt { renameFile(from, to) }
    static func unlink(_ path: String) -> CInt { unlinkFile(path) }
}

private func openFile(_ path: String, _ flags: CInt, _ mode: mode_t) -> CInt { open(path, flags, mode) }
private func closeFile(_ fd: CInt) -> CInt { close(fd) }
private func makeDir(_ path: String, _ mode: mode_t) -> CInt { mkdir(path, mode) }
private func renameFile(_ from: String, _ to: String) -> CInt { rename(from, to) }
private func unlinkFile(_ path: String) -> CInt { unlink(path) }

/// Process-level services for the thin executables (they import no C library themselves).
package enum ProcessIO {
    /// Writes all of `text` to standard output (fd 1), ignoring a closed pipe.
    package static func writeStandardOutput(_ text: String) { writeAll(1, text) }
    /// Writes all of `text` to standard error (fd 2).
    package static func writeStandardError(_ text: String) { writeAll(2, text) }

    private static func writeAll(_ fd: CInt, _ text: String) {
        var text = text
        text.withUTF8 { b in
            var done = 0
            while done < b.count {
                let n = write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; return }
                done += n
            }
        }
    }

    /// Ends the process with `code` (stdio is flushed).
    package static func exit(_ code: Int32) -> Never { exitProcess(code) }
}

private func exitProcess(_ code: Int32) -> Never { exit(code) }
