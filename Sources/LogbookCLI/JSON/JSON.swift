/// A JSON value, built in code and rendered compactly. Object members keep their order (so output is stable).
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([JSONMember])

    /// Renders compact JSON (no spaces). Non-finite doubles become the strings "NaN", "Infinity", "-Infinity"
    /// (MLflow's REST convention), so every value round-trips through ``JSONParser``.
    public func rendered() -> String {
        var out: [UInt8] = []
        render(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact rendering to `out`, as UTF-8: the one renderer (bytes, not String appends, which took
    /// nine tenths of an export).
    public func render(into out: inout [UInt8]) {
        switch self {
        case .null: JSON.append("null", to: &out)
        case .bool(let b): JSON.append(b ? "true" : "false", to: &out)
        case .int(let i): JSON.renderInt(i, into: &out)
        case .double(let d): JSON.renderDouble(d, into: &out)
        case .string(let s): JSON.renderString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.renderString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                m.value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// An integer in decimal, written digit by digit (no String made).
    static func renderInt(_ i: Int64, into out: inout [UInt8]) {
        if i < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = i.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    /// A double as JSON: integral values keep a ".0"-free integer form only when they are exactly integral and
    /// small; otherwise Swift's shortest round-trip form.
    static func renderDouble(_ d: Double, into out: inout [UInt8]) {
        if d.isNaN { append("\"NaN\"", to: &out); return }
        if d.isInfinite { append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", to: &out); return }
        out.append(contentsOf: d.description.utf8)
    }

    static func renderString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: append them whole (a walk over their bytes, not the UTF8View's iterator).
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: needsEscape) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case 0x22: append("\\\"", to: &out)
            case 0x5C: append("\\\\", to: &out)
            case 0x0A: append("\\n", to: &out)
            case 0x0D: append("\\r", to: &out)
            case 0x09: append("\\t", to: &out)
            case ..<0x20, 0x7F:
                append("\\u00", to: &out)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    /// The member `key` of an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A string or null.
    public static func string(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
    /// An integer or null.
    public static func int(_ i: Int?) -> JSON { i.map { .int(Int64($0)) } ?? .null }
    /// A double or null.
    public static func double(_ d: Double?) -> JSON { d.map { .double($0) } ?? .null }
}

/// One member of a JSON object.
public struct JSONMember: Equatable, Sendable {
    /// The key.
    public var key: String
    /// The value.
    public var value: JSON

    /// Makes a member.
    public init(_ key: String, _ value: JSON) { self.key = key; self.value = value }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// Keys in the order written.
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements.map { JSONMember($0.0, $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}
