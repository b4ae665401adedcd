import LogbookStorage

// logbook-bench: measures the storage engine and the A/B test path. docs/performance.md has the method and the numbers.

let usage = """
Usage: logbook-bench storage|ab|monitor|reference|replay|soak [--scale S] [--commands N] [--json] [--dir DIR]

Commands:
  storage       append, durable append, replay, verify and hashing benchmarks (one run)
  ab            A/B assignment throughput (1,000,000 units, durable batches) and `ab status` time on that test
  monitor       predictions logged per second (durable batches) and `monitor status` time over 10,000,000 predictions
  reference     the reference workload (docs/performance.md) at --scale S (default 1: 10,000,000 metric points,
                2,000 model versions, 1,000,000 A/B units, 1,000,000 predictions), generated then measured
  replay STORE  [--times N] full replays of an existing store (snapshots ignored), e.g. one kept by reference --keep
  filter STORE  [--times N] [--filter F] the reference filter (or F) over every run of an existing store, N times
  soak          --commands N (default 1,000,000) commands through the library, one durable write each, automatic
                snapshots; closed and reopened every tenth: resident memory and open time at each

Options:
  --json        print one JSON object on standard output instead of a table
  --dir DIR     make the scratch directory under DIR (default: $TMPDIR, else /tmp); it is removed at the end
  --keep        keep the scratch directory (its path is printed on standard error), e.g. to profile queries on it

Build with: swift build -c release --product logbook-bench

"""

func fail(_ message: String, status: Int32) -> Never {
    ProcessIO.writeStandardError(message)
    ProcessIO.exit(status)
}

func usageError(_ message: String) -> Never {
    fail("Error: \(message)\n\n" + usage, status: 2)
}

/// Whether this is a debug build: its timings would mean nothing, so the tool refuses to run.
let isDebugBuild: Bool = {
    #if DEBUG
    return true
    #else
    return false
    #endif
}()

if isDebugBuild { fail("logbook-bench must be built with -c release\n", status: 2) }

struct Options {
    var json = false
    var keep = false
    var directory: String? = nil
}

func parse(_ arguments: ArraySlice<String>) -> Options {
    var options = Options()
    var rest = arguments
    while let argument = rest.popFirst() {
        switch argument {
        case "--json":
            options.json = true
        case "--keep":
            options.keep = true
        case "--dir":
            guard let value = rest.popFirst(), !value.isEmpty else { usageError("--dir needs a directory") }
            options.directory = value
        case "--help", "-h":
            ProcessIO.writeStandardOutput(usage)
            ProcessIO.exit(0)
        default:
            if argument.hasPrefix("--dir=") {
                let value = String(argument.dropFirst("--dir=".count))
                guard !value.isEmpty else { usageError("--dir needs a directory") }
                options.directory = value
            } else {
                usageError("unknown option '\(argument)'")
            }
        }
    }
    return options
}

/// Takes `name VALUE` out of `arguments`: the value (nil when the option is absent) and the other arguments.
func extractOption(_ name: String, from arguments: ArraySlice<String>) -> (value: String?, rest: ArraySlice<String>) {
    var rest = arguments
    var value: String?
    var passed: [String] = []
    while let a = rest.popFirst() {
        if a == name {
            guard let v = rest.popFirst() else { usageError("\(name) needs a value") }
            value = v
        } else {
            passed.append(a)
        }
    }
    return (value, passed[...])
}

/// The human table: metric, value, unit, target, verdict; columns aligned.
func table(_ metrics: [Metric], machine: MachineInfo) -> String {
    var rows: [[String]] = [["metric", "value", "unit", "target", ""]]
    for m in metrics {
        let target: String
        switch m.target {
        case .none: target = ""
        case .atLeast(let t): target = ">= " + formatNumber(t, decimals: t == t.rounded() ? 0 : 2)
        case .atMost(let t): target = "<= " + formatNumber(t, decimals: t == t.rounded() ? 0 : 2)
        }
        let verdict = m.meetsTarget.map { $0 ? "ok" : "MISSED" } ?? ""
        rows.append([m.key, formatNumber(m.value, decimals: m.decimals), m.unit, target, verdict])
    }
    var widths = [Int](repeating: 0, count: 5)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func pad(_ s: String, _ w: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, w - s.count))
        return right ? fill + s : s + fill
    }
    var out = ""
    for row in rows {
        var line = pad(row[0], widths[0], right: false) + "  " + pad(row[1], widths[1], right: true) + "  "
            + pad(row[2], widths[2], right: false) + "  " + pad(row[3], widths[3], right: false) + "  " + row[4]
        while line.hasSuffix(" ") { line.removeLast() }
        out += line + "\n"
    }
    out += "\nmachine: \(machine.cpuModel), \(machine.logicalCPUs) logical CPU(s), "
        + "crc32c instruction: \(machine.hasCRC32C ? "yes" : "no"), SHA-NI: \(machine.hasSHANI ? "yes" : "no")\n"
    return out
}

func json(_ metrics: [Metric], machine: MachineInfo) -> String {
    var object = JSONObject()
    for m in metrics {
        object.set(m.key, m.decimals == 0 && abs(m.value) < 9e15 ? .integer(Int(m.value.rounded())) : .number(m.value, decimals: m.decimals))
    }
    var machineObject = JSONObject()
    machineObject.set("cpu_has_crc32c", .bool(machine.hasCRC32C))
    machineObject.set("cpu_has_sha_ni", .bool(machine.hasSHANI))
    machineObject.set("cpu_model", .string(machine.cpuModel))
    machineObject.set("logical_cpus", .integer(machine.logicalCPUs))
    object.set("machine", .object(machineObject))
    return object.serialized() + "\n"
}

/// Runs one suite in a fresh scratch directory (removed afterwards) and prints its metrics as a table or JSON.
func runSuite(_ options: Options, _ run: (ScratchDirectory, @escaping @Sendable (String) -> Void) throws -> [Metric]) -> Int32 {
    let parent = options.directory ?? FileIO.environment("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let scratch: ScratchDirectory
    do { scratch = try ScratchDirectory(under: parent) } catch {
        ProcessIO.writeStandardError("Error: \(error)\n")
        return 1
    }
    defer {
        if options.keep { ProcessIO.writeStandardError("Kept the scratch directory \(scratch.path)\n") } else { scratch.remove() }
    }
    let quiet = options.json
    let metrics: [Metric]
    do {
        metrics = try run(scratch) { line in if !quiet { ProcessIO.writeStandardError("... " + line + "\n") } }
    } catch {
        ProcessIO.writeStandardError("Error: benchmark failed: \(error)\n")
        return 1
    }
    let machine = MachineInfo.current()
    ProcessIO.writeStandardOutput(options.json ? json(metrics, machine: machine) : table(metrics, machine: machine))
    return 0
}

func runStorage(_ options: Options) -> Int32 {
    runSuite(options) { scratch, progress in try StorageBenchmarks(directory: scratch, progress: progress).run() }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "storage":
    ProcessIO.exit(runStorage(parse(arguments.dropFirst())))
case "ab":
    ProcessIO.exit(runAB(parse(arguments.dropFirst())))
case "monitor":
    ProcessIO.exit(runMonitor(parse(arguments.dropFirst())))
case "reference":
    ProcessIO.exit(runReference(arguments.dropFirst()))
case "soak":
    ProcessIO.exit(runSoak(arguments.dropFirst()))
case "replay":
    ProcessIO.exit(runReplay(arguments.dropFirst()))
case "filter":
    ProcessIO.exit(runFilter(arguments.dropFirst()))
case "child-probe":
    ProcessIO.exit(runChildProbe(arguments.dropFirst()))
case "--help", "-h":
    ProcessIO.writeStandardOutput(usage)
    ProcessIO.exit(0)
case nil:
    usageError("missing command")
case let other?:
    usageError("unknown command '\(other)'")
}
