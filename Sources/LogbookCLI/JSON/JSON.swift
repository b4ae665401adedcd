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
        var out = ""
        render(into: &out)
        return out
    }

    /// Appends the compact rendering to `out`.
    public func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): JSON.renderDouble(d, into: &out)
        case .string(let s): JSON.renderString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.render(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.renderString(m.key, into: &out)
                out += ":"
                m.value.render(into: &out)
            }
            out += "}"
        }
    }

    /// A double as JSON: integral values keep a ".0"-free integer form only when they are exactly integral and
    /// small; otherwise Swift's shortest round-trip form.
    static func renderDouble(_ d: Double, into out: inout String) {
        if d.isNaN { out += "\"NaN\""; return }
        if d.isInfinite { out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""; return }
        out += d.description
    }

    static func renderString(_ s: String, into out: inout String) {
        out += "\""
        // Most strings need no escaping: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F }) {
            out += s
            out += "\""
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

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
