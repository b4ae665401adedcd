/// Runs in chunks of 512: copying the list (a transaction keeps the state as it was, to go back to on failure)
/// copies one reference per chunk, and changing a run then copies only its chunk, where one array would copy
/// every run on every transaction's first change.
struct RunChunks: Equatable, Sendable {
    static let shift = 9
    static let chunkSize = 1 << shift
    private static let mask = chunkSize - 1

    private var chunks: [[Run]] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(i: Int) -> Run {
        get { chunks[i >> Self.shift][i & Self.mask] }
        _modify { yield &chunks[i >> Self.shift][i & Self.mask] }
    }

    mutating func append(_ run: Run) {
        if count & Self.mask == 0 {
            var chunk: [Run] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(run)
        count += 1
    }

    /// Calls `body` with run `i` in place (no copy of the run, nor of its chunk when that is not shared).
    @inline(__always)
    mutating func update(_ i: Int, _ body: (inout Run) -> Void) {
        chunks[i >> Self.shift].withUnsafeMutableBufferPointer { body(&$0[i & Self.mask]) }
    }

    /// Calls `body` with a pointer to each run in order, and its index (valid only during the call).
    func forEach(_ body: (Int, UnsafePointer<Run>) -> Void) {
        var i = 0
        for chunk in chunks {
            chunk.withUnsafeBufferPointer { runs in
                for r in runs.indices {
                    body(i, runs.baseAddress! + r)
                    i += 1
                }
            }
        }
    }

    /// Every run in one array.
    var array: [Run] { chunks.count == 1 ? chunks[0] : Array(chunks.joined()) }
}
