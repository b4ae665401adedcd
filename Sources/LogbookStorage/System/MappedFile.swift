#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

/// Bytes that stay valid as long as this object lives: a read-only memory mapping of a file, or a private copy.
///
/// Snapshots are mapped rather than read: the pages come from the page cache on first touch, so a state whose
/// largest parts (an A/B test's units) are searched in place costs no copy and no anonymous memory at open.
package final class ByteRegion: @unchecked Sendable {
    // @unchecked: the bytes are never written after init; the mapping or allocation is released in deinit only.
    /// The bytes.
    package let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// A private copy of `array`.
    package init(copying array: [UInt8]) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, array.count), alignment: 16)
        array.withUnsafeBytes { memory.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(memory)[0..<array.count])
        mapped = false
    }

    fileprivate init(mapping: UnsafeRawBufferPointer) {
        bytes = mapping
        mapped = true
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if mapped { _ = munmap(UnsafeMutableRawPointer(mutating: base), max(1, bytes.count)) } else { base.deallocate() }
    }
}

extension FileIO {
    /// Maps a whole file read-only (symbolic links refused). An empty file gives an empty region.
    ///
    /// The corresponding C functions are `open` (`O_NOFOLLOW`), `fstat` and `mmap(PROT_READ, MAP_PRIVATE)`.
    package func map(_ path: String) throws(Errno) -> ByteRegion {
        let file = try open(path, writable: false)
        defer { file.close() }
        let size = try file.size()
        try check(.read)
        guard size > 0 else { return ByteRegion(copying: []) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, file.descriptor, 0), base != MAP_FAILED else {
            throw Errno.current
        }
        return ByteRegion(mapping: UnsafeRawBufferPointer(start: base, count: size))
    }
}
