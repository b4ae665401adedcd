import LogbookStorage

// MARK: - Timing

/// A monotonic stopwatch in nanoseconds (CLOCK_MONOTONIC through `FileIO.monotonicNanoseconds`).
struct Stopwatch {
    private let start = FileIO.monotonicNanoseconds()

    /// Nanoseconds since the stopwatch was made.
    var elapsedNanoseconds: UInt64 { FileIO.monotonicNanoseconds() - start }
    /// Seconds since the stopwatch was made.
    var elapsedSeconds: Double { Double(elapsedNanoseconds) / 1e9 }
}

/// Runs `body` and returns how many seconds it took, with its result.
@inline(__always)
func timed<T>(_ body: () throws -> T) rethrows -> (seconds: Double, result: T) {
    let watch = Stopwatch()
    let result = try body()
    return (watch.elapsedSeconds, result)
}

/// Calls `body` (one unit of `bytesPerCall` bytes) until at least `minimumSeconds` have passed; returns bytes/s.
/// Starts with one untimed warm-up call.
func throughput(bytesPerCall: Int, minimumSeconds: Double, _ body: () -> Void) -> Double {
    body()
    var calls = 0
    let watch = Stopwatch()
    var elapsed = 0.0
    repeat {
        for _ in 0..<4 { body() }
        calls += 4
        elapsed = watch.elapsedSeconds
    } while elapsed < minimumSeconds
    return Double(calls) * Double(bytesPerCall) / elapsed
}

/// Keeps a value alive so the optimiser cannot drop the computation that produced it.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// Latency samples in nanoseconds.
struct Samples {
    private(set) var values: [UInt64] = []
    private var isSorted = true

    init(capacity: Int) { values.reserveCapacity(capacity) }

    mutating func add(_ nanoseconds: UInt64) {
        values.append(nanoseconds)
        isSorted = false
    }

    var count: Int { values.count }

    /// The `p`-th percentile (0...100) by the nearest-rank method, in nanoseconds.
    mutating func percentile(_ p: Double) -> UInt64 {
        precondition(!values.isEmpty, "percentile of no samples")
        if !isSorted { values.sort(); isSorted = true }
        let rank = Int((p / 100 * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }

    /// The `p`-th percentile in microseconds.
    mutating func percentileMicroseconds(_ p: Double) -> Double { Double(percentile(p)) / 1000 }
}

// MARK: - Number formatting (no Foundation)

/// `value` rounded to `decimals` places, in plain decimal notation (never exponent form).
func formatNumber(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return "null" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return String(value) }
    let n = UInt64(scaled)
    let whole = n / UInt64(scale)
    var text = (value < 0 && n != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let fraction = String(n % UInt64(scale))
        text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
}

// MARK: - JSON

/// A JSON value for the report (objects keep their key order).
indirect enum JSONValue {
    case number(Double, decimals: Int)
    case integer(Int)
    case bool(Bool)
    case string(String)
    case object(JSONObject)
}

/// An ordered JSON object writer.
struct JSONObject {
    private(set) var entries: [(key: String, value: JSONValue)] = []

    mutating func set(_ key: String, _ value: JSONValue) {
        if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = value } else { entries.append((key, value)) }
    }

    subscript(key: String) -> JSONValue? { entries.first(where: { $0.key == key })?.value }

    /// The object as compact-ish JSON, one key per line.
    func serialized(indent: String = "") -> String {
        guard !entries.isEmpty else { return "{}" }
        let inner = indent + "  "
        var out = "{\n"
        for (i, entry) in entries.enumerated() {
            out += inner + JSONObject.quote(entry.key) + ": " + JSONObject.render(entry.value, indent: inner)
            out += i == entries.count - 1 ? "\n" : ",\n"
        }
        return out + indent + "}"
    }

    static func render(_ value: JSONValue, indent: String) -> String {
        switch value {
        case .number(let v, let decimals): return formatNumber(v, decimals: decimals)
        case .integer(let v): return String(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let s): return quote(s)
        case .object(let o): return o.serialized(indent: indent)
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

// MARK: - Scratch directory

/// A fresh directory for one benchmark run, removed (with everything in it) by ``remove()``.
struct ScratchDirectory {
    let path: String
    private let io = FileIO()

    /// Creates `<parent>/logbook-bench-<pid>-<n>` (mode 0700), refusing to reuse an existing entry.
    init(under parent: String) throws {
        var base = parent
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        guard io.isDirectory(base) else { throw BenchError("'\(parent)' is not a directory") }
        var attempt = FileIO.monotonicNanoseconds() % 1_000_000
        while true {
            let candidate = "\(base)/logbook-bench-\(FileIO.processID)-\(attempt)"
            if !io.exists(candidate) {
                do { try io.makeDirectory(candidate) } catch {
                    throw BenchError("Cannot create '\(candidate)': \(error)")
                }
                path = candidate
                return
            }
            attempt += 1
        }
    }

    /// Removes the directory tree (symbolic links are removed, never followed).
    func remove() { removeTree(path) }

    /// Removes `subpath` (a path inside this directory) and everything under it.
    func remove(_ subpath: String) {
        precondition(subpath.hasPrefix(path + "/"), "only paths inside the scratch directory are removed")
        removeTree(subpath)
    }

    private func removeTree(_ path: String) {
        if io.isDirectory(path) {
            for name in (try? io.listDirectory(path)) ?? [] { removeTree(path + "/" + name) }
            _ = try? ProcessIO.removeDirectory(path)
        } else {
            _ = try? io.unlink(path)
        }
    }

    /// Total size in bytes of the regular files under `path` (recursively).
    func bytes(under path: String) -> Int {
        if io.isDirectory(path) {
            return ((try? io.listDirectory(path)) ?? []).reduce(0) { $0 + bytes(under: path + "/" + $1) }
        }
        guard let file = try? io.open(path, writable: false), let size = try? file.size() else { return 0 }
        return size
    }
}

/// A benchmark failure with a message for standard error.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Machine

/// What the report says about the machine.
struct MachineInfo {
    var cpuModel = "unknown"
    var logicalCPUs = 0
    var hasCRC32C = CRC32C.isHardwareAccelerated
    var hasSHANI = SHA256.isHardwareAccelerated

    /// Reads /proc/cpuinfo (absent off Linux: the fields stay unknown).
    static func current() -> MachineInfo {
        var info = MachineInfo()
        guard let text = readProcFile("/proc/cpuinfo") else { return info }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingSpaces
            if key == "processor" { info.logicalCPUs += 1 }
            if key == "model name" && info.cpuModel == "unknown" { info.cpuModel = String(parts[1].trimmingSpaces) }
        }
        return info
    }

    /// This process's resident memory now (from /proc/self/statm, in 4 KiB pages), in MiB.
    static func residentMegabytes() -> Double {
        let fields = readProcFile("/proc/self/statm")?.split(separator: " ") ?? []
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * 4096 / 1_048_576
    }

    /// /proc files report size 0: read until end of file.
    private static func readProcFile(_ path: String) -> String? {
        guard let file = try? FileIO().open(path, writable: false) else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = (try? chunk.withUnsafeMutableBytes { try file.read(into: $0, at: bytes.count) }) ?? 0
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
