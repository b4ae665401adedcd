import Foundation

/// A fresh directory for one test, removed when the value goes away unless `LOGBOOK_KEEP_TEST_DIRS=1`.
public final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: the only state is an immutable path.
    /// The directory's absolute path.
    public let path: String

    /// Makes a new, empty directory under the system's temporary directory.
    public init(_ label: String = "test") {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/logbook-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A path inside the directory.
    public func appending(_ name: String) -> String { path + "/" + name }

    deinit {
        if ProcessInfo.processInfo.environment["LOGBOOK_KEEP_TEST_DIRS"] != "1" {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// Reads a whole file.
public func readFile(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

/// Writes a whole file (replacing it).
public func writeFile(_ path: String, _ bytes: [UInt8]) {
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
}

/// Copies a directory tree to a new path.
public func copyTree(_ from: String, to: String) {
    try! FileManager.default.copyItem(atPath: from, toPath: to)
}

/// Names of the files in a directory, sorted.
public func listFiles(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
