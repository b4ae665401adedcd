/// HMAC-SHA256 (RFC 2104, FIPS 198-1) over ``SHA256``: keyed pseudonyms of actors.
package enum HMACSHA256 {
    /// The MAC of `message` under `key` (a key longer than 64 bytes is hashed first, as the RFC says).
    package static func mac(key: [UInt8], message: [UInt8]) -> SHA256Digest {
        var k = key.count > 64 ? SHA256.hash(key).bytes : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var inner = SHA256()
        inner.update(k.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(k.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}
