import LogbookStorage

// logbook-fuzz: the fuzz targets of docs/reliability.md.
//
//   logbook-fuzz TARGET FILE_OR_DIRECTORY...   runs each input once (the seed corpora in Fixtures/fuzz, a crash
//                                              file); exit 0 when every input returns normally
//   logbook-fuzz TARGET [libFuzzer options] [CORPUS...]
//                                              in a build with `-Xswiftc -sanitize=fuzzer -Xswiftc -DLOGBOOK_FUZZ`:
//                                              libFuzzer's driver, coverage-guided
//
// Not installed and not part of the product.

let arguments = CommandLine.arguments
let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")

#if LOGBOOK_FUZZ
// The target is the first argument, or LOGBOOK_FUZZ_TARGET when libFuzzer's own main runs instead of this one.
var driverArguments = arguments
if arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) {
    let workspace = Workspace()
    FuzzDriver.body = { target.run($0, in: workspace) }
    driverArguments.remove(at: 1)
}
ProcessIO.exit(FuzzDriver.run(arguments: driverArguments))
#else
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    ProcessIO.writeStandardError("usage: logbook-fuzz TARGET [INPUT...]   (targets: \(targets))\n")
    ProcessIO.exit(2)
}
let workspace = Workspace()
var inputs = 0, accepted = 0
for path in arguments.dropFirst(2) {
    let files = FuzzCorpus.files(at: path)
    if files.isEmpty { ProcessIO.writeStandardError("logbook-fuzz: no inputs at \(path)\n"); ProcessIO.exit(1) }
    for file in files {
        guard let bytes = try? ProcessIO.readUserFile(file) else {
            ProcessIO.writeStandardError("logbook-fuzz: cannot read \(file)\n")
            ProcessIO.exit(1)
        }
        if bytes.withUnsafeBytes({ target.run($0, in: workspace) }) { accepted += 1 }
        inputs += 1
    }
}
ProcessIO.writeStandardOutput("\(target.rawValue): \(inputs) inputs, \(accepted) accepted, no crash\n")
#endif
