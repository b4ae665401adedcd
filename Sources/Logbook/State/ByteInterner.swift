/// The ids that a string table gave to byte strings met before, found by their bytes: replay interns each event's
/// actor and each metric key without making a String or hashing Unicode for ones it has seen.
///
/// A table's ids never change (strings are only added), so the id found once for some bytes stays theirs for as
/// long as the table only grows: a memo lives for one replay into one state. The bytes, not the string, are the
/// key, so two spellings that Swift's `String` holds equal (canonically equivalent) are each looked up once through
/// the table and then both answer its one id.
struct ByteInterner {
    private struct Entry {
        var hash: UInt64
        var start: Int
        var count: Int
        var id: Int32
    }

    /// Positions in `entries` + 1 (0: empty), open addressing with linear probing, a power of two long.
    private var slots = [Int32](repeating: 0, count: 16)
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []
    /// Per process, so that no log can choose keys that collide here.
    private static let seed = UInt64.random(in: .min ... .max)
    /// Kept bits of the hash: tests clear them all, so that every key collides and is told apart by its bytes.
    private let hashMask: UInt64

    init(hashMask: UInt64 = .max) { self.hashMask = hashMask }

    /// The id of `key` (valid UTF-8): from the memo, else from `intern` given the string, then remembered.
    @inline(__always)
    mutating func id(of key: UnsafeRawBufferPointer, intern: (String) -> Int32) -> Int32 {
        let h = Self.hash(key) & hashMask
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            let e = entries[Int(slots[i]) - 1]
            if e.hash == h && e.count == key.count
                && bytes.withUnsafeBytes({ Self.equal(UnsafeRawBufferPointer(rebasing: $0[e.start..<(e.start + e.count)]), key) }) {
                return e.id
            }
            i = (i + 1) & mask
        }
        let id = intern(String(decoding: key, as: UTF8.self))
        entries.append(Entry(hash: h, start: bytes.count, count: key.count, id: id))
        bytes.append(contentsOf: key)
        slots[i] = Int32(entries.count)
        if entries.count * 2 > slots.count { grow() }
        return id
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (n, e) in entries.enumerated() {
            var i = Int(truncatingIfNeeded: e.hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(n + 1)
        }
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < a.count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    /// A multiply-xorshift hash of 8 bytes at a time, seeded per process.
    @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed ^ (UInt64(b.count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }
}

/// The memos of one replay: actors and metric keys.
struct ReplayStrings {
    var actors = ByteInterner()
    var metricKeys = ByteInterner()
}
