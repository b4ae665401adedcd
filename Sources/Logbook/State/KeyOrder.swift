/// The order of a batch of 64-bit keys (unit hashes), for merging it into or looking it up in a sorted map in one
/// pass: a stable least-significant-digit radix sort, eight passes of one byte, a pass skipped when every key has
/// the same byte there. Sorting an A/B event's 5,000 units this way is about ten times faster than a comparison
/// sort of their positions (that sort was a quarter of a full replay).
enum KeyOrder {
    /// The positions of `keys` in ascending key order; equal keys keep their order.
    static func ascending(_ keys: [UInt64]) -> [Int] {
        let n = keys.count
        guard n > 1 else { return Array(0..<n) }
        precondition(n <= Int(UInt32.max), "too many keys")
        // Every byte's histogram in one pass.
        var counts = [Int](repeating: 0, count: 8 * 256)
        counts.withUnsafeMutableBufferPointer { c in
            for k in keys {
                for b in 0..<8 { c[b &* 256 &+ Int(truncatingIfNeeded: (k >> (8 &* UInt64(b))) & 0xFF)] &+= 1 }
            }
        }
        var order = (0..<UInt32(n)).map { $0 }
        var sorted = keys
        var nextOrder = [UInt32](repeating: 0, count: n), nextKeys = [UInt64](repeating: 0, count: n)
        for b in 0..<8 {
            let shift = UInt64(8 * b)
            let start = b * 256
            if counts[start + Int((sorted[0] >> shift) & 0xFF)] == n { continue } // one bucket: nothing moves
            var offsets = [Int](repeating: 0, count: 256)
            var sum = 0
            for d in 0..<256 {
                offsets[d] = sum
                sum += counts[start + d]
            }
            offsets.withUnsafeMutableBufferPointer { o in
                sorted.withUnsafeBufferPointer { k in
                    order.withUnsafeBufferPointer { p in
                        nextKeys.withUnsafeMutableBufferPointer { nk in
                            nextOrder.withUnsafeMutableBufferPointer { np in
                                for i in 0..<n {
                                    let d = Int(truncatingIfNeeded: (k[i] >> shift) & 0xFF)
                                    let to = o[d]
                                    o[d] = to &+ 1
                                    nk[to] = k[i]
                                    np[to] = p[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&sorted, &nextKeys)
            swap(&order, &nextOrder)
        }
        return order.map { Int($0) }
    }
}
