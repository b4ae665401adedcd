import LogbookEvents

/// A run filter in MLflow's search syntax (the subset `run list --filter` takes):
/// `metrics.acc > 0.9 and params.lr = '0.01' and tags.team != 'x' and attributes.status = 'FINISHED'`.
///
/// - Conditions are joined by `AND` (any case); `OR`, `NOT` and parentheses are not supported.
/// - Identifiers: `metrics.KEY`, `params.KEY`, `tags.KEY`, `attributes.NAME` (also `metric.`, `param.`,
///   `tag.`, `attribute.`/`attr.`/`run.`, or an attribute name alone). A key with spaces or symbols is quoted
///   with backticks or double quotes: ``metrics.`my key` > 1``.
/// - Attributes: `status`, `run_name` (`name`), `run_id` (`id`), `start_time`, `end_time`, `experiment`
///   (its name), `experiment_id`.
/// - Metrics (their latest value), `start_time`, `end_time` and `experiment_id` compare numerically with
///   =, !=, <, <=, >, >= (times also take a quoted ISO-8601 time). Params, tags and the other attributes
///   compare as strings with =, !=, LIKE and ILIKE (`%` any run of characters, `_` one character; ILIKE ignores
///   case); `status` ignores case.
/// - As in MLflow, a run lacking the metric, param, tag or end time does not match, whatever the comparator.
/// - Values: strings in single or double quotes (a doubled quote or a backslash escapes one), numbers.
public struct RunFilter: Sendable {
    /// One condition.
    struct Condition: Sendable {
        var field: RunField
        var comparator: Comparator
        var value: Literal
    }

    enum Comparator: String, Sendable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case like = "LIKE", ilike = "ILIKE"

        var isNumeric: Bool { self != .like && self != .ilike }
    }

    enum Literal: Sendable {
        case number(Double)
        case string(String)
        /// A LIKE pattern, as scalars (lowercased for ILIKE).
        case pattern([Unicode.Scalar])
    }

    /// The conditions, all of which must hold.
    let conditions: [Condition]

    /// Parses a filter; an empty one matches every run.
    /// - Throws: `.usage` naming the character position and what was expected there.
    public init(parsing text: String) throws(LogbookError) {
        var s = QueryScanner(text, what: "filter")
        var conditions: [Condition] = []
        s.skipSpaces()
        if s.atEnd {
            self.conditions = []
            return
        }
        while true {
            conditions.append(try Self.condition(&s))
            s.skipSpaces()
            if s.atEnd { break }
            let at = s.i
            if s.keyword("and") {
                s.skipSpaces()
                if s.atEnd { throw s.error("expected a condition after AND, found the end of the filter") }
                continue
            }
            if s.keyword("or") { throw s.error("OR is not supported: only AND joins conditions", at: at) }
            throw s.error("expected AND or the end of the filter, found \(s.found())")
        }
        self.conditions = conditions
    }

    private static func condition(_ s: inout QueryScanner) throws(LogbookError) -> Condition {
        let (field, name) = try s.field()
        s.skipSpaces()
        let opAt = s.i
        guard let comparator = s.comparator() else {
            if s.keyword("not") || s.keyword("in") || s.keyword("is") {
                throw s.error("only =, !=, <, <=, >, >=, LIKE and ILIKE are supported", at: opAt)
            }
            throw s.error("expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE) after '\(name)', found \(s.found())")
        }
        s.skipSpaces()
        let valueAt = s.i
        let literal = try s.literal()
        switch field.kind {
        case .numeric:
            guard comparator.isNumeric else {
                throw s.error("'\(name)' is a number: compare it with =, !=, <, <=, >, >=, not \(comparator.rawValue)", at: opAt)
            }
            switch literal {
            case .number(let d, _):
                return Condition(field: field, comparator: comparator, value: .number(d))
            case .string(let text):
                if field.isTime, let t = Timestamp.parse(text) {
                    return Condition(field: field, comparator: comparator, value: .number(Double(t)))
                }
                throw s.error(field.isTime
                    ? "'\(name)' is a time: compare it with milliseconds since the epoch or a quoted ISO-8601 time, not '\(text)'"
                    : "'\(name)' is a number: compare it with a number, not the string '\(text)'", at: valueAt)
            }
        case .text:
            guard [.equal, .notEqual, .like, .ilike].contains(comparator) else {
                throw s.error("'\(name)' is a string: compare it with =, !=, LIKE or ILIKE, not \(comparator.rawValue)", at: opAt)
            }
            let text: String
            switch literal {
            case .number(_, let raw): text = raw
            case .string(let str): text = str
            }
            switch comparator {
            case .like: return Condition(field: field, comparator: .like, value: .pattern(Array(text.unicodeScalars)))
            case .ilike:
                return Condition(field: field, comparator: .ilike, value: .pattern(Array(text.lowercased().unicodeScalars)))
            default: return Condition(field: field, comparator: comparator, value: .string(text))
            }
        }
    }

    /// Whether `run` meets every condition.
    /// - Complexity: O(conditions × (params + tags + metrics of the run)).
    public func matches(_ run: Run, in state: LogbookState) -> Bool {
        withUnsafePointer(to: run) { matches($0, in: state, metricIDs: nil) }
    }

    /// The runs of `state` that meet every condition, in ordinal order. Each metric key is looked up once, and the
    /// runs are read in place (``RunTable/scanRuns(_:skimmed:)``): only the matching ones are decoded and copied.
    public func runs(in state: LogbookState) -> [Run] {
        let ids = metricIDs(in: state)
        var hits: [Int] = []
        state.runs.scanRuns({ i, run in
            if matches(run, in: state, metricIDs: ids) { hits.append(i) }
        }, skimmed: { i, run in
            if matches(run, in: state, metricIDs: ids) { hits.append(i) }
        })
        // Copied after the scan: appending runs inside it cost twice as much.
        return state.runs.runs(at: hits)
    }

    /// Each condition's metric key id (-1: no run has that metric; nil: not a metric condition).
    func metricIDs(in state: LogbookState) -> [Int32?] { conditions.map { $0.field.metricID(in: state) } }

    /// `metricIDs`: from ``metricIDs(in:)``, or nil to look each key up here.
    func matches(_ run: some RunFields, in state: LogbookState, metricIDs: [Int32?]?) -> Bool {
        for (i, c) in conditions.enumerated() {
            guard let v = run.value(of: c.field, in: state, metricID: metricIDs.flatMap { $0[i] }) else { return false }
            switch (v, c.value) {
            case let (.number(x), .number(y)):
                let ok: Bool
                switch c.comparator {
                case .equal: ok = x == y
                case .notEqual: ok = x != y
                case .less: ok = x < y
                case .lessOrEqual: ok = x <= y
                case .greater: ok = x > y
                case .greaterOrEqual: ok = x >= y
                case .like, .ilike: ok = false
                }
                if !ok { return false }
            case let (.string(x), .string(y)):
                let equal = c.field.ignoresCase ? x.lowercased() == y.lowercased() : x == y
                if c.comparator == .equal ? !equal : equal { return false }
            case let (.string(x), .pattern(p)):
                let subject = Array((c.comparator == .ilike ? x.lowercased() : x).unicodeScalars)
                if !Self.like(subject, p) { return false }
            default:
                return false
            }
        }
        return true
    }

    /// SQL LIKE: `%` matches any run of scalars, `_` exactly one.
    /// - Complexity: O(n × m) in the worst case.
    static func like(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar]) -> Bool {
        var si = 0, pi = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "_" || (p[pi] != "%" && p[pi] == s[si])) {
                si += 1
                pi += 1
            } else if pi < p.count && p[pi] == "%" {
                starP = pi
                starS = si
                pi += 1
            } else if starP >= 0 {
                pi = starP + 1
                starS += 1
                si = starS
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "%" { pi += 1 }
        return pi == p.count
    }
}

// MARK: - Fields

/// A run attribute a filter or an order can name.
enum RunAttribute: String, Sendable, CaseIterable {
    case status, runName = "run_name", runID = "run_id", startTime = "start_time", endTime = "end_time"
    case experiment, experimentID = "experiment_id"

    init?(name: String) {
        switch name.lowercased() {
        case "name": self = .runName
        case "id", "run_uuid": self = .runID
        case "experiment_name": self = .experiment
        default: self.init(rawValue: name.lowercased())
        }
    }
}

/// What a filter condition or an order key reads from a run.
enum RunField: Sendable, Equatable {
    case metric(String), param(String), tag(String), attribute(RunAttribute)

    enum Kind { case numeric, text }

    var kind: Kind {
        switch self {
        case .metric: .numeric
        case .param, .tag: .text
        case .attribute(let a):
            switch a {
            case .startTime, .endTime, .experimentID: .numeric
            case .status, .runName, .runID, .experiment: .text
            }
        }
    }

    var isTime: Bool { self == .attribute(.startTime) || self == .attribute(.endTime) }
    var ignoresCase: Bool { self == .attribute(.status) }

    enum Value {
        case number(Double)
        case string(String)
    }

    /// The metric key's id when this is a metric field (-1: no run has that metric), nil for any other field.
    func metricID(in state: LogbookState) -> Int32? {
        guard case .metric(let key) = self else { return nil }
        return state.metricKeys.id(of: key) ?? -1
    }

    /// The field's value for `run`, or nil when it has none.
    func value(of run: Run, in state: LogbookState) -> Value? {
        withUnsafePointer(to: run) { $0.value(of: self, in: state, metricID: nil) }
    }
}

// MARK: - Scanning

/// A cursor over the text of a filter or an order, with the errors both share.
struct QueryScanner {
    let scalars: [Unicode.Scalar]
    let what: String
    var i = 0

    init(_ text: String, what: String) {
        scalars = Array(text.unicodeScalars)
        self.what = what
    }

    var atEnd: Bool { i >= scalars.count }

    /// A usage error at character `at` (1-based in the message).
    func error(_ message: String, at: Int? = nil) -> LogbookError {
        LogbookError(.usage, "Invalid \(what) at character \((at ?? i) + 1): \(message)")
    }

    /// What sits at the cursor, for messages.
    func found() -> String {
        guard !atEnd else { return "the end of the \(what)" }
        guard Self.isWordScalar(scalars[i]) else { return "'\(scalars[i])'" }
        var word = ""
        var k = i
        while k < scalars.count, Self.isWordScalar(scalars[k]), word.unicodeScalars.count < 32 {
            word.unicodeScalars.append(scalars[k])
            k += 1
        }
        return "'\(word)'"
    }

    mutating func skipSpaces() {
        while i < scalars.count && scalars[i].properties.isWhitespace { i += 1 }
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    /// Consumes `word` (any case) when it stands at the cursor as a whole word.
    mutating func keyword(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= scalars.count else { return false }
        for k in 0..<w.count {
            let c = scalars[i + k]
            let lower = c >= "A" && c <= "Z" ? Unicode.Scalar(c.value + 32)! : c
            guard lower == w[k] else { return false }
        }
        if i + w.count < scalars.count && Self.isWordScalar(scalars[i + w.count]) { return false }
        i += w.count
        return true
    }

    /// An identifier: `ENTITY.KEY` (the key maybe quoted) or an attribute name alone; returns it and its text.
    mutating func field() throws(LogbookError) -> (RunField, String) {
        let start = i
        var prefix = ""
        while i < scalars.count && Self.isWordScalar(scalars[i]) {
            prefix.unicodeScalars.append(scalars[i])
            i += 1
        }
        guard !prefix.isEmpty else {
            throw error("expected a field such as metrics.KEY, params.KEY, tags.KEY or attributes.NAME, found \(found())")
        }
        guard i < scalars.count && scalars[i] == "." else {
            guard let a = RunAttribute(name: prefix) else {
                throw error("unknown field '\(prefix)': use metrics.KEY, params.KEY, tags.KEY or attributes.NAME", at: start)
            }
            return (.attribute(a), prefix)
        }
        i += 1
        let keyAt = i
        var key = ""
        if i < scalars.count && (scalars[i] == "`" || scalars[i] == "\"") {
            let q = scalars[i]
            i += 1
            while i < scalars.count && scalars[i] != q {
                key.unicodeScalars.append(scalars[i])
                i += 1
            }
            guard i < scalars.count else { throw error("unterminated quoted key (no closing \(q))", at: keyAt) }
            i += 1
        } else {
            while i < scalars.count {
                let c = scalars[i]
                if c.properties.isWhitespace || "=!<>'\"`(),".unicodeScalars.contains(c) { break }
                key.unicodeScalars.append(c)
                i += 1
            }
        }
        guard !key.isEmpty else { throw error("expected a key after '\(prefix).', found \(found())", at: keyAt) }
        let text = String(String.UnicodeScalarView(scalars[start..<i]))
        switch prefix.lowercased() {
        case "metric", "metrics": return (.metric(key), text)
        case "param", "params", "parameter", "parameters": return (.param(key), text)
        case "tag", "tags": return (.tag(key), text)
        case "attribute", "attributes", "attr", "run":
            guard let a = RunAttribute(name: key) else {
                throw error("unknown attribute '\(key)': use "
                            + RunAttribute.allCases.map(\.rawValue).joined(separator: ", "), at: keyAt)
            }
            return (.attribute(a), text)
        default:
            throw error("unknown entity '\(prefix)': use metrics., params., tags. or attributes.", at: start)
        }
    }

    /// A comparator at the cursor, consumed; nil when there is none.
    mutating func comparator() -> RunFilter.Comparator? {
        func next(_ k: Int) -> Unicode.Scalar? { i + k < scalars.count ? scalars[i + k] : nil }
        switch (next(0), next(1)) {
        case ("!", "="): i += 2; return .notEqual
        case ("<", ">"): i += 2; return .notEqual
        case ("<", "="): i += 2; return .lessOrEqual
        case (">", "="): i += 2; return .greaterOrEqual
        case ("=", "="): i += 2; return .equal
        case ("=", _): i += 1; return .equal
        case ("<", _): i += 1; return .less
        case (">", _): i += 1; return .greater
        default:
            if keyword("like") { return .like }
            if keyword("ilike") { return .ilike }
            return nil
        }
    }

    enum Literal {
        case number(Double, String)
        case string(String)
    }

    /// A quoted string or a number.
    mutating func literal() throws(LogbookError) -> Literal {
        guard i < scalars.count else { throw error("expected a value (a number or a quoted string), found the end of the \(what)") }
        let start = i
        let c = scalars[i]
        if c == "'" || c == "\"" {
            i += 1
            var s = ""
            while i < scalars.count {
                let d = scalars[i]
                if d == "\\" && i + 1 < scalars.count {
                    s.unicodeScalars.append(scalars[i + 1])
                    i += 2
                    continue
                }
                if d == c {
                    if i + 1 < scalars.count && scalars[i + 1] == c {
                        s.unicodeScalars.append(c)
                        i += 2
                        continue
                    }
                    i += 1
                    return .string(s)
                }
                s.unicodeScalars.append(d)
                i += 1
            }
            throw error("unterminated string (no closing \(c))", at: start)
        }
        var text = ""
        while i < scalars.count {
            let d = scalars[i]
            let isNumberScalar = (d >= "0" && d <= "9") || d == "." || d == "e" || d == "E"
                || ((d == "-" || d == "+") && (i == start || scalars[i - 1] == "e" || scalars[i - 1] == "E"))
            guard isNumberScalar else { break }
            text.unicodeScalars.append(d)
            i += 1
        }
        guard !text.isEmpty else {
            throw error("expected a value (a number or a quoted string), found \(found())")
        }
        guard let d = Double(text), d.isFinite, text.unicodeScalars.contains(where: { $0 >= "0" && $0 <= "9" }) else {
            throw error("'\(text)' is not a number", at: start)
        }
        return .number(d, text)
    }
}
