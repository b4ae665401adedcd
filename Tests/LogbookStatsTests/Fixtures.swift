import Foundation
import Testing

/// A JSON value read from a fixture file, in a Sendable form that Swift Testing can pass as an argument.
enum JSONValue: Sendable, Decodable, CustomStringConvertible {
    /// JSON null.
    case null
    /// true or false.
    case bool(Bool)
    /// Any JSON number, as a double (the fixtures' integers are all below 2^53).
    case number(Double)
    /// A string (large hash values are written as decimal strings).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Decodes whichever JSON type is present (booleans are tried before numbers).
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Compact JSON-like text for failure messages.
    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): "\(d)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\($0): \(o[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    /// The number, if this is one.
    var number: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// The string, if this is one.
    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is JSON null.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A `{"rel": .., "abs": ..}` tolerance: |actual - expected| <= abs + rel * |expected|.
struct Tolerance: Sendable, Decodable, CustomStringConvertible {
    /// Relative part.
    let rel: Double
    /// Absolute part.
    let abs: Double

    /// Whether `actual` passes against `expected`.
    func accepts(actual: Double, expected: Double) -> Bool {
        guard actual.isFinite else { return false }
        return Swift.abs(actual - expected) <= self.abs + rel * Swift.abs(expected)
    }

    /// "rel .., abs .." for failure messages.
    var description: String { "rel \(rel), abs \(self.abs)" }
}

/// One case of a fixture file; its test description is the case id.
struct FixtureCase: Sendable, Decodable, CustomTestStringConvertible {
    /// Case id, for example "ztest-003".
    let id: String
    /// Operation, in files with several.
    let op: String?
    /// Inputs in full.
    let input: [String: JSONValue]
    /// Expected results; null means undefined (nil).
    let expected: [String: JSONValue]
    /// The case's tolerance.
    let tol: Tolerance
    /// Per-field tolerance overrides.
    let fieldTol: [String: Tolerance]?
    /// Explanation of an edge case.
    let note: String?

    /// JSON keys (field_tol is snake case).
    enum CodingKeys: String, CodingKey {
        case id, op, input, expected, tol, note
        case fieldTol = "field_tol"
    }

    /// The case id, so that a failure names the case.
    var testDescription: String { id }

    /// The tolerance of `field`: its field_tol entry, else the case's tol.
    func tolerance(for field: String) -> Tolerance {
        fieldTol?[field] ?? tol
    }

    /// A numeric input.
    func number(_ key: String) throws -> Double {
        try #require(input[key]?.number, "\(id): input \(key) is not a number")
    }

    /// An integer input.
    func integer(_ key: String) throws -> Int {
        let d = try number(key)
        return try #require(Int(exactly: d), "\(id): input \(key) is not an integer")
    }

    /// A string input.
    func string(_ key: String) throws -> String {
        try #require(input[key]?.string, "\(id): input \(key) is not a string")
    }

    /// A numeric array input.
    func numbers(_ key: String) throws -> [Double] {
        let values = try #require(input[key]?.array, "\(id): input \(key) is not an array")
        return try values.map { try #require($0.number, "\(id): input \(key) has a non-number") }
    }
}

/// A fixture file: the header fields the tests use, and its cases.
struct FixtureFile: Decodable {
    /// Fixture name.
    let fixture: String
    /// All cases.
    let cases: [FixtureCase]

    /// Fixtures/stats, found from this source file: Tests/LogbookStatsTests/Fixtures.swift is three levels below the root.
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
        .appendingPathComponent("stats")

    /// Reads and decodes `name` (for example "normal.json").
    static func load(_ name: String) throws -> FixtureFile {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONDecoder().decode(FixtureFile.self, from: data)
    }

    /// The cases of `name`, restricted to operation `op` when given.
    static func cases(_ name: String, op: String? = nil) throws -> [FixtureCase] {
        let all = try load(name).cases
        guard let op else { return all }
        return all.filter { $0.op == op }
    }
}

/// Compares results with one fixture case using the README's pass rule, and checks that every expected
/// field of the case was compared (so a field cannot be skipped silently).
struct CaseChecker {
    /// The case being checked.
    let fixtureCase: FixtureCase
    /// Expected fields compared so far.
    private(set) var checked: Set<String> = []

    /// A checker for one case.
    init(_ fixtureCase: FixtureCase) {
        self.fixtureCase = fixtureCase
    }

    /// The case id.
    private var id: String { fixtureCase.id }

    /// The expected value of a field, marking it as compared.
    private mutating func expectedValue(_ field: String, _ sourceLocation: SourceLocation) -> JSONValue? {
        checked.insert(field)
        guard let value = fixtureCase.expected[field] else {
            Issue.record("\(id): expected field \(field) missing from the fixture", sourceLocation: sourceLocation)
            return nil
        }
        return value
    }

    /// A real number with tolerance; a null expected value requires nil.
    mutating func number(_ field: String, _ actual: Double?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        compareNumber(field, expected: expected, actual: actual, tolerance: fixtureCase.tolerance(for: field), sourceLocation)
    }

    /// Pass rule for one number (null expected requires nil).
    private func compareNumber(
        _ field: String, expected: JSONValue, actual: Double?, tolerance: Tolerance, _ sourceLocation: SourceLocation
    ) {
        if expected.isNull {
            if let actual {
                Issue.record("\(id) \(field): expected nil (undefined), actual \(actual)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let e = expected.number else {
            Issue.record("\(id) \(field): expected value \(expected) is not a number", sourceLocation: sourceLocation)
            return
        }
        guard let a = actual else {
            Issue.record("\(id) \(field): expected \(e), actual nil", sourceLocation: sourceLocation)
            return
        }
        if ProcessInfo.processInfo.environment["LOGBOOK_STATS_MARGINS"] != nil, a.isFinite {
            // Debug aid: how much of the allowed error each comparison uses (1.0 = at the limit).
            let allowed = tolerance.abs + tolerance.rel * abs(e)
            let used = allowed > 0 ? abs(a - e) / allowed : (a == e ? 0 : .infinity)
            print("MARGIN \(used) \(id) \(field) expected \(e) actual \(a)")
        }
        if !tolerance.accepts(actual: a, expected: e) {
            let rel = e == 0 ? Double.infinity : abs(a - e) / abs(e)
            Issue.record(
                "\(id) \(field): expected \(e), actual \(a), |diff| \(abs(a - e)), rel \(rel), tol \(tolerance)",
                sourceLocation: sourceLocation)
        }
    }

    /// An array of reals (or nil for a null expected value), element by element.
    mutating func numbers(_ field: String, _ actual: [Double]?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        let tolerance = fixtureCase.tolerance(for: field)
        if expected.isNull {
            if let actual {
                Issue.record("\(id) \(field): expected nil (undefined), actual \(actual)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let e = expected.array else {
            Issue.record("\(id) \(field): expected value \(expected) is not an array", sourceLocation: sourceLocation)
            return
        }
        guard let a = actual else {
            Issue.record("\(id) \(field): expected \(expected), actual nil", sourceLocation: sourceLocation)
            return
        }
        guard e.count == a.count else {
            Issue.record("\(id) \(field): expected \(e.count) elements \(expected), actual \(a.count) \(a)",
                         sourceLocation: sourceLocation)
            return
        }
        for (i, (ev, av)) in zip(e, a).enumerated() {
            compareNumber("\(field)[\(i)]", expected: ev, actual: av, tolerance: tolerance, sourceLocation)
        }
    }

    /// An integer, compared exactly.
    mutating func integer(_ field: String, _ actual: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        compareInteger(field, expected: expected, actual: actual, sourceLocation)
    }

    /// Exact comparison for one integer (numbers or decimal strings).
    private func compareInteger(_ field: String, expected: JSONValue, actual: Int?, _ sourceLocation: SourceLocation) {
        if expected.isNull {
            if let actual {
                Issue.record("\(id) \(field): expected nil (undefined), actual \(actual)", sourceLocation: sourceLocation)
            }
            return
        }
        let e: Int?
        switch expected {
        case .number(let d): e = Int(exactly: d)
        case .string(let s): e = Int(s)
        default: e = nil
        }
        guard let e else {
            Issue.record("\(id) \(field): expected value \(expected) is not an integer", sourceLocation: sourceLocation)
            return
        }
        if actual != e {
            Issue.record("\(id) \(field): expected \(e), actual \(actual.map(String.init) ?? "nil")",
                         sourceLocation: sourceLocation)
        }
    }

    /// An array of integers, compared exactly.
    mutating func integers(_ field: String, _ actual: [Int]?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        guard let e = expected.array, let a = actual, e.count == a.count else {
            Issue.record("\(id) \(field): expected \(expected), actual \(actual.map { "\($0)" } ?? "nil")",
                         sourceLocation: sourceLocation)
            return
        }
        for (i, (ev, av)) in zip(e, a).enumerated() {
            compareInteger("\(field)[\(i)]", expected: ev, actual: av, sourceLocation)
        }
    }

    /// A boolean, compared exactly.
    mutating func boolean(_ field: String, _ actual: Bool?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        guard case .bool(let e) = expected else {
            Issue.record("\(id) \(field): expected value \(expected) is not a boolean", sourceLocation: sourceLocation)
            return
        }
        if actual != e {
            Issue.record("\(id) \(field): expected \(e), actual \(actual.map(String.init) ?? "nil")",
                         sourceLocation: sourceLocation)
        }
    }

    /// An array of booleans, compared exactly.
    mutating func booleans(_ field: String, _ actual: [Bool]?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let expected = expectedValue(field, sourceLocation) else { return }
        let e = expected.array?.compactMap { v -> Bool? in
            if case .bool(let b) = v { return b }
            return nil
        }
        if e == nil || e! != actual {
            Issue.record("\(id) \(field): expected \(expected), actual \(actual.map { "\($0)" } ?? "nil")",
                         sourceLocation: sourceLocation)
        }
    }

    /// Marks a field as compared elsewhere (for example a nested structure checked by the test itself).
    mutating func markChecked(_ field: String) {
        checked.insert(field)
    }

    /// Records an issue for every expected field that no comparison looked at.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        let missed = Set(fixtureCase.expected.keys).subtracting(checked)
        if !missed.isEmpty {
            Issue.record("\(id): expected fields not compared: \(missed.sorted())", sourceLocation: sourceLocation)
        }
    }
}
