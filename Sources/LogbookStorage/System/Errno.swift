#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// A C `errno` value, as returned by a failed system call.
package struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw `errno` value.
    package let rawValue: CInt

    /// Wraps a raw `errno` value.
    package init(rawValue: CInt) { self.rawValue = rawValue }

    /// The value of the thread's `errno` right now.
    static var current: Errno { Errno(rawValue: errno) }

    /// `EINTR`: the call was interrupted by a signal.
    package static let interrupted = Errno(rawValue: EINTR)
    /// `EIO`: a low-level I/O error.
    package static let ioError = Errno(rawValue: EIO)
    /// `ENOSPC`: no space left on the device.
    package static let noSpace = Errno(rawValue: ENOSPC)
    /// `EWOULDBLOCK` (== `EAGAIN` on Linux): a non-blocking call would block.
    package static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    /// `ENOENT`: no such file or directory.
    package static let noSuchFile = Errno(rawValue: ENOENT)
    /// `EEXIST`: the file exists.
    package static let fileExists = Errno(rawValue: EEXIST)
    /// `ELOOP`: a symbolic link was met where `O_NOFOLLOW` forbids one.
    package static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    /// `EACCES`: permission denied.
    package static let permissionDenied = Errno(rawValue: EACCES)

    /// The C library's text for this error (`strerror`), e.g. "No space left on device".
    package var description: String {
        guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: text)
    }
}
