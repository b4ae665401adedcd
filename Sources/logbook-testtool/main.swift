// A child process for the crash tests: it appends and acknowledges over stdout, and is killed with SIGKILL.
// Not part of the product.
import LogbookStorage

/// Deterministic payload for record `index` of batch `batch` (mirrors LogFixtures.payload in the tests).
func payload(batch: Int, index: Int, count: Int) -> [UInt8] {
    var state = UInt64(batch) &* 1_000_003 &+ UInt64(index)
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let size = Int(next() % 48)
    var bytes = Array("b\(batch).\(index)/\(count):".utf8)
    for _ in 0..<size { bytes.append(UInt8(truncatingIfNeeded: next())) }
    return bytes
}

/// `append-loop DIR FIRST_BATCH SEGMENT_SIZE`: appends batches of 1...4 records forever; after each durable
/// append prints "ack <batch> <lastSequence>" on stdout.
func appendLoop(_ args: [String]) throws {
    var configuration = LogConfiguration()
    configuration.segmentSize = Int(args[2]) ?? (64 << 20)
    let log = try SegmentedLog.open(at: args[0], configuration: configuration)
    var b = Int(args[1]) ?? 0
    var batch = AppendBatch()
    while true {
        let count = 1 + b % 4
        for i in 0..<count { batch.add(type: UInt16(b % 7), payload: payload(batch: b, index: i, count: count)) }
        let result = try log.append(&batch, timestamp: 1_700_000_000_000 + Int64(b) * 1000)
        ProcessIO.writeStandardOutput("ack \(b) \(result.lastSequence)\n")
        b += 1
    }
}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "append-loop" where args.count == 4: try appendLoop(Array(args.dropFirst()))
    default:
        ProcessIO.writeStandardError("usage: logbook-testtool append-loop DIR FIRST_BATCH SEGMENT_SIZE\n")
        ProcessIO.exit(2)
    }
} catch {
    ProcessIO.writeStandardError("Error: \(error)\n")
    ProcessIO.exit(1)
}
