import LogbookStorage

/// Where a command's output goes: standard output (buffered, flushed in large chunks and at the end) and
/// standard error (written at once). Tests and the demo capture both instead.
public final class Console {
    private let capturing: Bool
    private var buffer: [UInt8] = []
    /// Captured standard output (capturing consoles only).
    public private(set) var capturedOutput: [UInt8] = []
    /// Captured standard error (capturing consoles only).
    public private(set) var capturedError = ""

    /// A console writing to the process's standard output and error.
    public static func standard() -> Console { Console(capturing: false) }

    /// A console that keeps everything in memory.
    public static func capture() -> Console { Console(capturing: true) }

    private init(capturing: Bool) { self.capturing = capturing }

    deinit { flush() }

    /// Captured standard output as text.
    public var outputText: String { String(decoding: capturedOutput, as: UTF8.self) }

    /// Writes a result to standard output.
    func out(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes a line to standard output.
    func line(_ text: String) { out(text + "\n") }

    /// Writes a JSON value as one line to standard output, rendered straight into the buffer.
    func line(_ json: JSON) {
        json.render(into: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes raw bytes to standard output.
    func outBytes(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes a message to standard error (after what is pending on standard output).
    func err(_ text: String) {
        flush()
        if capturing { capturedError += text } else { ProcessIO.writeStandardError(text) }
    }

    /// Writes what is buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        if capturing { capturedOutput += buffer } else { StandardStreams.writeOutput(buffer) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The process environment, or a fixed one (tests, the demo).
public struct Environment: Sendable {
    private let lookup: @Sendable (String) -> String?

    /// The process's environment.
    public static let process = Environment { FileIO.environment($0) }

    /// A fixed environment.
    public init(_ values: [String: String]) { lookup = { values[$0] } }

    private init(lookup: @escaping @Sendable (String) -> String?) { self.lookup = lookup }

    /// A variable's value; an empty value counts as unset.
    public subscript(_ name: String) -> String? {
        guard let v = lookup(name), !v.isEmpty else { return nil }
        return v
    }
}
