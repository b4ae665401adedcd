import Foundation
import LogbookTestSupport
import Testing

/// Fixtures/fuzz in the package (found from this file's path).
let fuzzCorpusDirectory: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/LogbookCLITests/FuzzCorpusTests.swift
    return parts.joined(separator: "/") + "/Fixtures/fuzz"
}()

/// The fuzz targets' seed corpora (and every crash input ever found, kept as a regression seed) run through the
/// same target functions the fuzzer drives, in the ordinary build: each returns normally, and each corpus has
/// inputs that get past validation (a corpus the decoder rejects outright would teach the fuzzer nothing).
@Suite("Fuzz corpora")
struct FuzzCorpusTests {
    static let targets = ["record", "event", "snapshot", "ingest", "filter"]

    @Test("every seed and regression input runs without a crash, and some are accepted", arguments: targets)
    func corpus(target: String) throws {
        let scratch = TemporaryDirectory("fuzz")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: builtProductsDirectory + "/logbook-fuzz")
        process.arguments = [target, fuzzCorpusDirectory + "/" + target]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        // "event: 43 inputs, 43 accepted, no crash"
        let numbers = output.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count >= 2 && numbers[0] > 0 && numbers[1] > 0, "\(output)")
    }
}
