import LogbookStorage

/// The inputs at a path: the file itself, or every file in the directory, sorted by name.
enum FuzzCorpus {
    static func files(at path: String) -> [String] {
        let io = FileIO()
        guard io.isDirectory(path) else { return io.exists(path) ? [path] : [] }
        let names = ((try? io.listDirectory(path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.map { path + "/" + $0 }.filter { !io.isDirectory($0) }
    }
}

#if LOGBOOK_FUZZ
/// libFuzzer's entry point for programs that keep their own `main` (LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// libFuzzer's per-input callback, for builds where libFuzzer's own `main` runs (a debug build renames ours): the
/// target then comes from `LOGBOOK_FUZZ_TARGET`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.body(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// Hands control to libFuzzer with `arguments` (argv[0] first), calling `body` once per input.
enum FuzzDriver {
    nonisolated(unsafe) static var body: (UnsafeRawBufferPointer) -> Void = {
        let name = FileIO.environment("LOGBOOK_FUZZ_TARGET") ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            ProcessIO.writeStandardError("logbook-fuzz: set LOGBOOK_FUZZ_TARGET to one of \(names)\n")
            ProcessIO.exit(2)
        }
        let workspace = Workspace()
        return { target.run($0, in: workspace) }
    }()

    static func run(arguments: [String]) -> Int32 {
        // libFuzzer keeps argv for the whole run: the strings are never freed.
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { argument in
            let c = argument.utf8CString
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: c.count)
            c.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: c.count) }
            return p
        }
        pointers.append(nil)
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: pointers.count)
        argv.initialize(from: pointers, count: pointers.count)
        var argc = Int32(arguments.count)
        var argvPointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&argc, &argvPointer) { data, size in fuzzOneInput(data, size) }
    }
}
#endif
