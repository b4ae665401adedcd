/// Unit hash → small value (an A/B variant index), for millions of units.
///
/// Most entries live in two sorted arrays (keys and values), which is also their snapshot encoding: decoding them is
/// a sequential fill, not a million hash-table inserts. New entries go to a small dictionary that is merged into the
/// arrays once it grows past an eighth of them, so inserts stay amortised O(1) and lookups O(log n).
package struct UnitMap: Sendable {
    private var keys: [UInt64] = []
    private var values: [UInt8] = []
    private var recent: [UInt64: UInt8] = [:]

    /// An empty map.
    package init() {}

    /// A map of `keys` (strictly ascending) and their values.
    package init(sortedKeys keys: [UInt64], values: [UInt8]) {
        precondition(keys.count == values.count)
        self.keys = keys
        self.values = values
    }

    /// The number of entries.
    package var count: Int { keys.count + recent.count }

    /// The value of `key`, if present.
    package subscript(key: UInt64) -> UInt8? {
        if let v = recent[key] { return v }
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
        recent[key] = value
        if recent.count > max(4096, keys.count >> 3) { merge() }
        return true
    }

    /// The keys and values in ascending key order (the arrays themselves when nothing is recent).
    package func sortedArrays() -> (keys: [UInt64], values: [UInt8]) {
        if recent.isEmpty { return (keys, values) }
        var k: [UInt64] = [], v: [UInt8] = []
        k.reserveCapacity(count)
        v.reserveCapacity(count)
        forEachSorted { k.append($0); v.append($1) }
        return (k, v)
    }

    /// Calls `body` with every entry in ascending key order.
    package func forEachSorted(_ body: (UInt64, UInt8) throws -> Void) rethrows {
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
    /// The same entries, however they are split between the arrays and the recent ones.
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
