@testable import Logbook
import LogbookStorage
import LogbookTestSupport
import Testing

@Suite("UnitMap: A/B units in sorted arrays, in snapshot bytes, and recent inserts")
struct UnitMapTests {
    /// Packs sorted keys and values the way state codec version 3 does, after a few unrelated bytes.
    private func packed(_ keys: [UInt64], _ values: [UInt8]?) -> UnitMap {
        var bytes: [UInt8] = [7, 7, 7]
        for k in keys { withUnsafeBytes(of: k.littleEndian) { bytes += $0 } }
        if let values { bytes += values }
        return UnitMap(packed: .init(region: ByteRegion(copying: bytes), keys: 3, count: keys.count, hasValues: values != nil))
    }

    @Test("every way of holding the same entries answers the same, encodes the same, and compares equal")
    func representationsAgree() {
        var g = SeededGenerator(seed: 11)
        var entries: [UInt64: UInt8] = [:]
        while entries.count < 20_000 { entries[g.next() | 1] = UInt8(g.next() % 3) }
        let sorted = entries.sorted { $0.key < $1.key }
        let keys = sorted.map(\.key), values = sorted.map(\.value)
        var inserted = UnitMap()
        var added = 0
        for (k, v) in entries where inserted.insert(k, v) { added += 1 }
        #expect(added == entries.count)
        let arrays = UnitMap(sortedKeys: keys, values: values)
        let inPlace = packed(keys, values)
        for map in [inserted, arrays, inPlace] {
            #expect(map.count == entries.count)
            #expect(map.sortedArrays().keys == keys && map.sortedArrays().values == values)
            for (k, v) in entries.prefix(500) { #expect(map[k] == v) }
            #expect(map[2] == nil && !map.contains(0))
        }
        #expect(inserted == arrays && arrays == inPlace)
        // Changing the in-place map moves it to arrays; a repeated key is refused.
        var changed = inPlace
        let repeated = changed.insert(keys[7], 0), fresh = changed.insert(4, 2)
        #expect(!repeated && fresh)
        #expect(changed[4] == 2 && changed[keys[7]] == values[7] && changed.count == entries.count + 1)
        #expect(changed != inPlace)
        // A set (no values) reads 0 for every member.
        let set = packed(keys, nil)
        #expect(set[keys[3]] == 0 && set[6] == nil)
    }

    @Test("a batch insert equals inserting one by one: existing keys and repeats inside the batch are skipped")
    func batchInsert() {
        var g = SeededGenerator(seed: 3)
        let existing = (0..<3000).map { _ in g.next() % 50_000 }
        for start in 0..<3 {
            var one = UnitMap(), many = UnitMap()
            for k in existing { one.insert(k, UInt8(k % 3)); many.insert(k, UInt8(k % 3)) }
            if start == 1 { many = packed(many.sortedArrays().keys, many.sortedArrays().values); one = many }
            for round in 0..<4 {
                let batch = (0..<(round == 0 ? 20 : 2500)).map { _ in (key: g.next() % 50_000, value: UInt8(g.next() % 3)) }
                var expected: [Int] = []
                for (i, e) in batch.enumerated() where one.insert(e.key, e.value) { expected.append(i) }
                #expect(many.insert(batch: batch) == expected)
                #expect(many == one)
            }
        }
    }

    @Test("the radix order is the stable ascending order, whatever bytes the keys share or differ in")
    func keyOrder() {
        var g = SeededGenerator(seed: 5)
        let shapes: [[UInt64]] = [
            [], [9], [3, 3, 3], (0..<5000).map { _ in g.next() },
            (0..<3000).map { _ in g.next() % 97 },                       // many repeats, high bytes all zero
            (0..<2000).map { _ in (g.next() % 4) << 56 | 0xABCD },       // only the top byte differs
            (0..<1000).map { UInt64.max - UInt64($0 % 10) },
        ]
        for keys in shapes {
            let expected = keys.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }
            #expect(KeyOrder.ascending(keys) == expected, "\(keys.count) keys")
        }
    }

    @Test("looking up a batch in one walk gives what one lookup per key gives, in arrays, in snapshot bytes and with recent inserts")
    func batchLookup() {
        var g = SeededGenerator(seed: 8)
        var map = UnitMap()
        for _ in 0..<4000 { map.insert(g.next() % 20_000, UInt8(g.next() % 3)) }
        let arrays = UnitMap(sortedKeys: map.sortedArrays().keys, values: map.sortedArrays().values)
        var withRecent = arrays
        for _ in 0..<50 { withRecent.insert(g.next() % 20_000, 2) }
        for m in [arrays, packed(arrays.sortedArrays().keys, arrays.sortedArrays().values), withRecent] {
            let keys = (0..<3000).map { _ in g.next() % 20_000 } + [0, 19_999, UInt64.max]
            let found = m.values(of: keys, order: KeyOrder.ascending(keys))
            #expect(found == keys.map { m[$0] })
            #expect(found.contains(nil) && found.contains { $0 != nil })
        }
    }
}
