@testable import Logbook
import LogbookTestSupport
import Testing

@Suite("Interning by bytes (replay's actors and metric keys)")
struct ByteInternerTests {
    /// Interns each of `keys` through a memo and through a table alone: the ids must be the same.
    static func agree(_ keys: [[UInt8]], colliding: Bool = false) -> Bool {
        var memo = ByteInterner(hashMask: colliding ? 0 : .max)
        var viaMemo = StringTable(), alone = StringTable()
        for key in keys {
            let a = key.withUnsafeBytes { b in memo.id(of: b) { viaMemo.intern($0) } }
            let b = alone.intern(String(decoding: key, as: UTF8.self))
            guard a == b else {
                Issue.record("\(key): \(a) through the memo, \(b) from the table")
                return false
            }
        }
        return viaMemo == alone
    }

    @Test("ids through the memo are the table's own, for 20,000 random keys of 0 to 40 bytes met many times")
    func sameIDs() {
        var g = SeededGenerator(seed: 0xB17E)
        let distinct = (0..<5_000).map { _ in Array("k\(g.next() % 1_000_000)-".utf8) + g.bytes(Int(g.next() % 32)).map { $0 & 0x7F } }
        let keys = (0..<20_000).map { _ in distinct[Int(g.next() % UInt64(distinct.count))] } + [[], [], Array("a".utf8)]
        #expect(Self.agree(keys))
    }

    @Test("spellings that String holds equal (canonically equivalent) get the table's one id, in either order")
    func canonicalEquivalence() {
        let pairs: [(String, String)] = [("caf\u{E9}", "cafe\u{301}"), ("m\u{212A}", "mK"), ("x\u{37E}", "x;")]
        for (a, b) in pairs {
            #expect(Self.agree([Array(a.utf8), Array(b.utf8), Array(a.utf8), Array("other".utf8), Array(b.utf8)]))
            #expect(Self.agree([Array(b.utf8), Array(a.utf8), Array(b.utf8)]))
        }
    }

    @Test("keys that differ only past the first 8 bytes, or only in length, are told apart, also when every hash collides")
    func longKeys() {
        let base = Array("validation/accuracy".utf8)
        var keys: [[UInt8]] = []
        for i in 0..<base.count { var k = base; k[i] ^= 1; keys.append(k) }
        keys += (0...base.count).map { Array(base.prefix($0)) }
        keys += keys
        #expect(Self.agree(keys))
        #expect(Self.agree(keys, colliding: true))
    }
}
