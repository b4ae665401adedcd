/// Unit hash → small value (an A/B variant index), for millions of units.
///
/// Entries live in one of three places. Decoded from a snapshot they stay in its bytes (`packed`: the sorted u64
/// hashes, then a value byte each), searched in place, so opening a store copies nothing. Once changed, they move
/// to two sorted arrays; new entries go to a small dictionary that is merged into the arrays once it grows past an
/// eighth of them, so inserts stay amortised O(1) and lookups O(log n).
package import LogbookStorage

package struct UnitMap: Sendable {
    private var keys: [UInt64] = []
    private var values: [UInt8] = []
    private var recent: [UInt64: UInt8] = [:]
    private var packed: Packed?

    /// Sorted unit hashes inside a snapshot's bytes: `count` u64 (little-endian) at `keys`, then, when the map has
    /// values, `count` bytes at `keys + 8 × count`. A map of some of those keys only (the units with an outcome,
    /// among the assigned ones) also has a bitmap of the keys it holds.
    package struct Packed: Sendable {
        let region: ByteRegion
        let keys: Int
        /// How many keys the array at `keys` has.
        let count: Int
        let hasValues: Bool
        /// Where the bitmap is in `region`: bit `i % 8` of byte `i / 8` is set when the map holds key `i`. Nil: the map
        /// holds every key.
        let bitmap: Int?
        /// How many keys the map holds.
        let members: Int

        /// Describes a part of `region`; the caller has checked that it fits.
        package init(region: ByteRegion, keys: Int, count: Int, hasValues: Bool) {
            self.region = region
            self.keys = keys
            self.count = count
            self.hasValues = hasValues
            bitmap = nil
            members = count
        }

        /// The map of those of `keys`'s keys whose bit is set in the bitmap at `bitmap` (`members` of them), without
        /// values; the caller has checked that the bitmap fits and has `members` bits set.
        package init(holding keys: Packed, bitmap: Int, members: Int) {
            region = keys.region
            self.keys = keys.keys
            count = keys.count
            hasValues = false
            self.bitmap = bitmap
            self.members = members
        }

        /// Whether the map holds key `i` of the array.
        @inline(__always)
        func holds(_ i: Int) -> Bool {
            guard let bitmap else { return true }
            return region.bytes[bitmap &+ i >> 3] & (1 << UInt8(i & 7)) != 0
        }

        @inline(__always)
        func key(_ i: Int) -> UInt64 {
            UInt64(littleEndian: region.bytes.loadUnaligned(fromByteOffset: keys &+ i &* 8, as: UInt64.self))
        }

        @inline(__always)
        func value(_ i: Int) -> UInt8 { hasValues ? region.bytes[keys &+ count &* 8 &+ i] : 0 }

        /// The largest value byte (0 for none).
        func largestValue() -> Int {
            guard hasValues else { return 0 }
            let start = keys + count * 8
            return Int(UnsafeRawBufferPointer(rebasing: region.bytes[start..<(start + count)]).reduce(0, max))
        }
    }

    /// An empty map.
    package init() {}

    /// A map of `keys` (strictly ascending) and their values.
    package init(sortedKeys keys: [UInt64], values: [UInt8]) {
        precondition(keys.count == values.count)
        self.keys = keys
        self.values = values
    }

    /// A map that reads its entries from snapshot bytes until it is changed.
    package init(packed: Packed) { self.packed = packed }

    /// The number of entries.
    package var count: Int { (packed?.members ?? keys.count) + recent.count }

    /// The value of `key`, if present.
    package subscript(key: UInt64) -> UInt8? {
        if let v = recent[key] { return v }
        if let p = packed {
            var lo = 0, hi = p.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if p.key(mid) < key { lo = mid + 1 } else { hi = mid }
            }
            return lo < p.count && p.key(lo) == key && p.holds(lo) ? p.value(lo) : nil
        }
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if keys[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < keys.count && keys[lo] == key ? values[lo] : nil
    }

    /// Whether `key` is present.
    package func contains(_ key: UInt64) -> Bool { self[key] != nil }

    /// Adds `key` with `value` unless present. - Returns: whether it was added.
    @discardableResult
    package mutating func insert(_ key: UInt64, _ value: UInt8) -> Bool {
        guard self[key] == nil else { return false }
        if packed != nil { (keys, values) = sortedArrays(); packed = nil }
        recent[key] = value
        if recent.count > max(4096, keys.count >> 3) { merge() }
        return true
    }

    /// Adds many entries at once (an event's units), sorted and merged into the arrays in one pass, skipping keys
    /// already present and later repeats of a key: the same result as inserting them one by one, in order.
    /// - Parameter order: the positions of `batch` in ascending key order, equal keys in position order
    ///   (``KeyOrder/ascending(_:)``), when the caller has it already.
    /// - Returns: the positions in `batch` of the entries added, ascending.
    package mutating func insert(batch: [(key: UInt64, value: UInt8)], order given: [Int]? = nil) -> [Int] {
        guard batch.count > 64 else {
            var added: [Int] = []
            for (i, e) in batch.enumerated() where insert(e.key, e.value) { added.append(i) }
            return added
        }
        if packed != nil || !recent.isEmpty { (keys, values) = sortedArrays(); packed = nil; recent = [:] }
        let order = given ?? KeyOrder.ascending(batch.map(\.key))
        // The new entries, ascending: each key looked up by galloping from the last one's place.
        var isAdded = [Bool](repeating: false, count: batch.count)
        var newKeys: [UInt64] = [], newValues: [UInt8] = []
        newKeys.reserveCapacity(batch.count)
        newValues.reserveCapacity(batch.count)
        keys.withUnsafeBufferPointer { k in
            var i = 0
            for j in order {
                let e = batch[j]
                if newKeys.last == e.key { continue }
                i = Self.gallop(to: e.key, from: i, count: k.count) { k[$0] }
                if i < k.count && k[i] == e.key { continue }
                newKeys.append(e.key)
                newValues.append(e.value)
                isAdded[j] = true
            }
        }
        // Merged in place from the back, so the old entries are moved at most once and never copied whole.
        let old = keys.count, m = newKeys.count
        keys.append(contentsOf: repeatElement(0, count: m))
        values.append(contentsOf: repeatElement(0, count: m))
        keys.withUnsafeMutableBufferPointer { k in
            values.withUnsafeMutableBufferPointer { v in
                var i = old - 1, j = m - 1, w = old + m - 1
                while j >= 0 {
                    if i >= 0 && k[i] > newKeys[j] {
                        k[w] = k[i]; v[w] = v[i]; i -= 1
                    } else {
                        k[w] = newKeys[j]; v[w] = newValues[j]; j -= 1
                    }
                    w -= 1
                }
            }
        }
        return isAdded.indices.filter { isAdded[$0] }
    }

    /// The first position at or after `start` whose key is not below `wanted` (`count` when none), given keys
    /// ascending and the key at `start - 1`, if any, below `wanted`: doubling steps, then a binary search.
    @inline(__always)
    private static func gallop(to wanted: UInt64, from start: Int, count: Int, key: (Int) -> UInt64) -> Int {
        var i = start, step = 1
        while i + step < count && key(i + step) < wanted { i += step; step <<= 1 }
        var lo = i, hi = min(i + step, count)
        while lo < hi {
            let mid = (lo + hi) >> 1
            if key(mid) < wanted { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The values of many keys at once: `order` is their positions in ascending key order
    /// (``KeyOrder/ascending(_:)``), so the map is walked once rather than searched for each.
    /// - Returns: the value of each key of `keys` (nil when absent), in the order of `keys`.
    package func values(of keys: [UInt64], order: [Int]) -> [UInt8?] {
        var result = [UInt8?](repeating: nil, count: keys.count)
        if let p = packed {
            walk(keys, order, count: p.count, key: p.key, into: &result) { p.holds($0) ? p.value($0) : nil }
        } else {
            self.keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in walk(keys, order, count: k.count, key: { k[$0] }, into: &result) { v[$0] } }
            }
        }
        if !recent.isEmpty { for (i, key) in keys.enumerated() where result[i] == nil { result[i] = recent[key] } }
        return result
    }

    /// Walks sorted entries `0..<count` (read through `key` and `value`, nil for a key the map does not hold)
    /// alongside `keys` in `order`.
    @inline(__always)
    private func walk(_ keys: [UInt64], _ order: [Int], count: Int, key: (Int) -> UInt64, into result: inout [UInt8?],
                      value: (Int) -> UInt8?) {
        var i = 0
        for j in order {
            i = Self.gallop(to: keys[j], from: i, count: count, key: key)
            if i < count && key(i) == keys[j] { result[j] = value(i) }
        }
    }

    /// The keys and values in ascending key order.
    package func sortedArrays() -> (keys: [UInt64], values: [UInt8]) {
        if recent.isEmpty && packed == nil { return (keys, values) }
        var k: [UInt64] = [], v: [UInt8] = []
        k.reserveCapacity(count)
        v.reserveCapacity(count)
        forEachSorted { k.append($0); v.append($1) }
        return (k, v)
    }

    /// Calls `body` with every entry in ascending key order.
    package func forEachSorted(_ body: (UInt64, UInt8) throws -> Void) rethrows {
        if let p = packed {
            for i in 0..<p.count where p.holds(i) { try body(p.key(i), p.value(i)) }
            return
        }
        let extra = recent.sorted { $0.key < $1.key }
        var i = 0, j = 0
        while i < keys.count || j < extra.count {
            if j == extra.count || (i < keys.count && keys[i] < extra[j].key) {
                try body(keys[i], values[i]); i += 1
            } else {
                try body(extra[j].key, extra[j].value); j += 1
            }
        }
    }

    private mutating func merge() {
        (keys, values) = sortedArrays()
        recent = [:]
    }
}

extension UnitMap: Equatable {
    /// The same entries, wherever they are kept.
    package static func == (a: UnitMap, b: UnitMap) -> Bool {
        guard a.count == b.count else { return false }
        var left: [(UInt64, UInt8)] = [], right: [(UInt64, UInt8)] = []
        left.reserveCapacity(a.count)
        right.reserveCapacity(b.count)
        a.forEachSorted { left.append(($0, $1)) }
        b.forEachSorted { right.append(($0, $1)) }
        return left.elementsEqual(right) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
