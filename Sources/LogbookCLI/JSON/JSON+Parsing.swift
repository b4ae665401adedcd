import Logbook
import LogbookEvents

extension JSON {
    /// Parses a JSON text (see ``JSONParser`` for the rules).
    public init(parsing text: String) throws(JSONParseError) { self = try JSONParser.parse(text) }

    /// Parses JSON bytes (see ``JSONParser`` for the rules).
    public init(parsing bytes: [UInt8]) throws(JSONParseError) { self = try JSONParser.parse(bytes) }

    /// What kind of value this is, with an article, for messages: "a string", "an integer", "null"...
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A number as a double: an integer or a double, or one of the strings "NaN", "Infinity", "-Infinity"
    /// (how non-finite values are written, MLflow's REST convention); nil for anything else.
    var numberValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .string(let s):
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return nil
            }
        default: return nil
        }
    }

    /// An integer: `.int`, or a `.double` holding an exact integer (`-0`, `1e3`); nil otherwise.
    var integerValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.isFinite, d.rounded(.towardZero) == d, let i = Int64(exactly: d) else { return nil }
            return i
        default: return nil
        }
    }
}

/// Typed access to the members of a JSON object, with usage errors that name the key, what was expected and
/// what was found. Missing keys and `null` are the same for optional values.
struct JSONObjectReader {
    /// The members, in order.
    let members: [JSONMember]
    /// What the object is, for messages: "the line", "\"data\"", "a metric"...
    let what: String

    /// Reads `json`, which must be an object.
    init(_ json: JSON, what: String) throws(LogbookError) {
        guard case .object(let members) = json else {
            throw LogbookError(.usage, "\(what) must be a JSON object, not \(json.kindDescription)")
        }
        self.members = members
        self.what = what
    }

    /// The value of `key`, or nil when missing.
    @inline(__always)
    func value(_ key: String) -> JSON? {
        for m in members where m.key == key { return m.value }
        return nil
    }

    /// The value of `key` unless missing or null.
    func present(_ key: String) -> JSON? {
        guard let v = value(key), v != .null else { return nil }
        return v
    }

    func missing(_ key: String) -> LogbookError {
        LogbookError(.usage, "\(what) has no \"\(key)\"")
    }

    func mistyped(_ key: String, _ expected: String, _ found: JSON) -> LogbookError {
        LogbookError(.usage, "\"\(key)\" in \(what) must be \(expected), not \(found.kindDescription)")
    }

    /// A required string.
    func string(_ key: String) throws(LogbookError) -> String {
        guard let s = try optionalString(key) else { throw missing(key) }
        return s
    }

    /// An optional string.
    func optionalString(_ key: String) throws(LogbookError) -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw mistyped(key, "a string", v) }
        return s
    }

    /// A required integer.
    func int(_ key: String) throws(LogbookError) -> Int64 {
        guard let i = try optionalInt(key) else { throw missing(key) }
        return i
    }

    /// An optional integer.
    func optionalInt(_ key: String) throws(LogbookError) -> Int64? {
        guard let v = present(key) else { return nil }
        guard let i = v.integerValue else { throw mistyped(key, "an integer", v) }
        return i
    }

    /// A required integer that fits `Int` and is at least `minimum`.
    func count(_ key: String, minimum: Int = 1) throws(LogbookError) -> Int {
        guard let n = try optionalCount(key, minimum: minimum) else { throw missing(key) }
        return n
    }

    /// An optional integer that fits `Int` and is at least `minimum`.
    func optionalCount(_ key: String, minimum: Int = 1) throws(LogbookError) -> Int? {
        guard let i = try optionalInt(key) else { return nil }
        guard let n = Int(exactly: i), n >= minimum else {
            throw LogbookError(.usage, "\"\(key)\" in \(what) must be \(minimum) or more, not \(i)")
        }
        return n
    }

    /// A boolean, `defaultValue` when missing or null.
    func bool(_ key: String, default defaultValue: Bool = false) throws(LogbookError) -> Bool {
        guard let v = present(key) else { return defaultValue }
        guard case .bool(let b) = v else { throw mistyped(key, "true or false", v) }
        return b
    }

    /// A required number (non-finite values as the strings "NaN", "Infinity", "-Infinity").
    func double(_ key: String) throws(LogbookError) -> Double {
        guard let d = try optionalDouble(key) else { throw missing(key) }
        return d
    }

    /// An optional number.
    func optionalDouble(_ key: String) throws(LogbookError) -> Double? {
        guard let v = present(key) else { return nil }
        guard let d = v.numberValue else { throw mistyped(key, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", v) }
        return d
    }

    /// An optional array.
    func optionalArray(_ key: String) throws(LogbookError) -> [JSON]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw mistyped(key, "an array", v) }
        return a
    }

    /// A required array.
    func array(_ key: String) throws(LogbookError) -> [JSON] {
        guard let a = try optionalArray(key) else { throw missing(key) }
        return a
    }

    /// An object of strings as key-value pairs, in order (duplicates kept); `[]` when missing or null.
    /// - Parameter scalars: also take numbers and booleans, as their JSON text (params written `{"epochs": 10}`).
    func keyValues(_ key: String, scalars: Bool = false) throws(LogbookError) -> [KeyValue] {
        guard let v = present(key) else { return [] }
        guard case .object(let members) = v else { throw mistyped(key, "an object of strings", v) }
        var pairs: [KeyValue] = []
        pairs.reserveCapacity(members.count)
        for m in members {
            switch m.value {
            case .string(let s): pairs.append(KeyValue(m.key, s))
            case .int(let i) where scalars: pairs.append(KeyValue(m.key, String(i)))
            case .double(let d) where scalars && d.isFinite: pairs.append(KeyValue(m.key, d.description))
            case .bool(let b) where scalars: pairs.append(KeyValue(m.key, b ? "true" : "false"))
            default:
                throw LogbookError(.usage, "\"\(key)\".\"\(m.key)\" in \(what) must be a string, not \(m.value.kindDescription)")
            }
        }
        return pairs
    }

    /// A time: an ISO-8601 string or milliseconds since the epoch.
    func optionalTime(_ key: String) throws(LogbookError) -> Int64? {
        guard let v = present(key) else { return nil }
        switch v {
        case .string(let s):
            guard let t = Timestamp.parse(s) else {
                throw LogbookError(.usage, "\"\(key)\" in \(what) is not an ISO-8601 time: '\(s)' "
                                   + "(use 2026-03-01T14:00:00.000Z or milliseconds since the epoch)")
            }
            return t
        default:
            guard let t = v.integerValue else {
                throw mistyped(key, "an ISO-8601 string or milliseconds since the epoch", v)
            }
            return t
        }
    }

    /// A required time.
    func time(_ key: String) throws(LogbookError) -> Int64 {
        guard let t = try optionalTime(key) else { throw missing(key) }
        return t
    }
}
