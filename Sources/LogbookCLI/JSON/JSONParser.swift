import LogbookEvents
/// Why a text is not JSON: the byte offset of the problem (from the start of the parsed bytes) and what was wrong.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Offset of the offending byte from the start of the input (the input's length at an unexpected end).
    public var offset: Int
    /// What is wrong, e.g. "expected ',' or '}' after an object member, found 'x'".
    public var message: String

    /// Makes an error.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "at byte \(offset): \(message)" }
}

/// A strict RFC 8259 JSON parser working straight on bytes, without Foundation.
///
/// - Object members keep their order; a repeated key is kept too (callers that care reject it).
/// - A number without fraction or exponent that fits `Int64` becomes `.int`; every other number becomes `.double`,
///   correctly rounded (`-0` becomes `.double(-0.0)` so the sign survives). A finite literal too large for a
///   `Double` is an error, never infinity.
/// - The strings "NaN", "Infinity" and "-Infinity" stay strings: callers decide what they mean.
/// - Every escape, including surrogate pairs; an unpaired surrogate, a raw control character or ill-formed UTF-8
///   (overlong forms, surrogates, beyond U+10FFFF) is an error.
/// - Nesting deeper than `maxDepth` arrays and objects is an error, so hostile input cannot exhaust the stack.
///
/// Errors carry the byte offset of the problem and say what was expected.
public enum JSONParser {
    /// The default limit on nested arrays and objects.
    public static let defaultMaxDepth = 64

    /// Parses one JSON value filling `bytes` (whitespace around it allowed).
    /// - Complexity: O(n) in the input length.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(offset: 0, message: "expected a JSON value, found the end of the input")
        }
        var parser = Parser(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth)
        return try parser.document()
    }

    /// Parses one JSON value filling `bytes`.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        var result: Result<JSON, JSONParseError> = .success(.null)
        bytes.withUnsafeBytes { buffer in
            result = Result { () throws(JSONParseError) -> JSON in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON value filling `text`.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        var text = text
        var result: Result<JSON, JSONParseError> = .success(.null)
        text.withUTF8 { buffer in
            result = Result { () throws(JSONParseError) -> JSON in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        return try result.get()
    }
}

// MARK: - The parser

private let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, comma: UInt8 = 0x2C, colon: UInt8 = 0x3A
private let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D, openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
private let minus: UInt8 = 0x2D, plus: UInt8 = 0x2B, dot: UInt8 = 0x2E, zero: UInt8 = 0x30, nine: UInt8 = 0x39

/// Exact powers of ten as doubles (10^0 ... 10^22 are all exactly representable).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
]

private struct Parser {
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i = 0
    /// Members of the objects being parsed, stacked, so each finished object is one exact-size allocation.
    var memberStack: [JSONMember] = []
    /// Elements of the arrays being parsed, stacked likewise.
    var elementStack: [JSON] = []
    /// Scratch bytes for strings with escapes.
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.end = count
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONParseError) -> JSON {
        skipWhitespace()
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard i == end else { throw error(at: i, "unexpected \(found(i)) after the JSON value") }
        return value
    }

    // MARK: Helpers

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let c = base[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i &+= 1
        }
    }

    func error(at offset: Int, _ message: String) -> JSONParseError { JSONParseError(offset: offset, message: message) }

    /// A description of what sits at `offset`, for messages.
    func found(_ offset: Int) -> String {
        guard offset < end else { return "the end of the input" }
        let c = base[offset]
        if c >= 0x20 && c < 0x7F { return c == 0x27 ? "\"'\"" : "'\(Character(Unicode.Scalar(c)))'" }
        let hex = String(c, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    // MARK: Values

    mutating func value(depth: Int) throws(JSONParseError) -> JSON {
        guard i < end else { throw error(at: i, "expected a JSON value, found the end of the input") }
        switch base[i] {
        case quote: return .string(try string())
        case openBrace: return try object(depth: depth + 1)
        case openBracket: return try array(depth: depth + 1)
        case minus, zero...nine: return try number()
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        default: throw error(at: i, "expected a JSON value, found \(found(i))")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let start = i
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        var k = 0
        while k < n {
            guard i < end, base[i] == w[k] else {
                throw error(at: start, "invalid literal: expected '\(word)'")
            }
            i &+= 1
            k &+= 1
        }
        // "truex", "nullnull": a literal must end where a token can end.
        if i < end {
            let c = base[i]
            if (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= zero && c <= nine) || c == 0x5F {
                throw error(at: start, "invalid literal: expected '\(word)'")
            }
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSON {
        let open = i
        guard depth <= maxDepth else {
            throw error(at: open, "nesting deeper than \(maxDepth) arrays and objects")
        }
        i &+= 1
        skipWhitespace()
        if i < end && base[i] == closeBrace {
            i &+= 1
            return .object([])
        }
        let mark = memberStack.count
        while true {
            guard i < end, base[i] == quote else {
                throw error(at: i, memberStack.count == mark
                    ? "expected a string key or '}' in the object opened at byte \(open), found \(found(i))"
                    : "expected a string key after ',' in the object opened at byte \(open), found \(found(i))")
            }
            let key = try string()
            skipWhitespace()
            guard i < end, base[i] == colon else {
                throw error(at: i, "expected ':' after the key \"\(key)\", found \(found(i))")
            }
            i &+= 1
            skipWhitespace()
            let v = try value(depth: depth)
            memberStack.append(JSONMember(key, v))
            skipWhitespace()
            guard i < end else {
                throw error(at: i, "unterminated object opened at byte \(open): expected ',' or '}'")
            }
            let c = base[i]
            i &+= 1
            if c == comma {
                skipWhitespace()
                continue
            }
            if c == closeBrace { break }
            throw error(at: i - 1, "expected ',' or '}' after an object member, found \(found(i - 1))")
        }
        let members = Array(memberStack[mark...])
        memberStack.removeLast(memberStack.count &- mark)
        return .object(members)
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSON {
        let open = i
        guard depth <= maxDepth else {
            throw error(at: open, "nesting deeper than \(maxDepth) arrays and objects")
        }
        i &+= 1
        skipWhitespace()
        if i < end && base[i] == closeBracket {
            i &+= 1
            return .array([])
        }
        let mark = elementStack.count
        while true {
            if i < end && base[i] == closeBracket {
                throw error(at: i, "expected a value after ',' in the array opened at byte \(open), found ']'")
            }
            let v = try value(depth: depth)
            elementStack.append(v)
            skipWhitespace()
            guard i < end else {
                throw error(at: i, "unterminated array opened at byte \(open): expected ',' or ']'")
            }
            let c = base[i]
            i &+= 1
            if c == comma {
                skipWhitespace()
                continue
            }
            if c == closeBracket { break }
            throw error(at: i - 1, "expected ',' or ']' after an array element, found \(found(i - 1))")
        }
        let elements = Array(elementStack[mark...])
        elementStack.removeLast(elementStack.count &- mark)
        return .array(elements)
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    mutating func string() throws(JSONParseError) -> String {
        let open = i
        i &+= 1
        let start = i
        // Fast path: no escapes. Multi-byte sequences are validated here, so decoding never repairs anything.
        while i < end {
            let c = base[i]
            if c == quote {
                let s = String(decoding: UnsafeBufferPointer(start: base + start, count: i &- start), as: UTF8.self)
                i &+= 1
                return s
            }
            if c == backslash { break }
            if c < 0x20 { throw controlCharacter(at: i) }
            if c < 0x80 {
                i &+= 1
            } else {
                i &+= try utf8Sequence(at: i)
            }
        }
        guard i < end else { throw error(at: open, "unterminated string (no closing '\"')") }
        // Slow path: copy what was scanned, then decode escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i &- start))
        while i < end {
            let c = base[i]
            if c == quote {
                i &+= 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if c == backslash {
                try escape()
            } else if c < 0x20 {
                throw controlCharacter(at: i)
            } else if c < 0x80 {
                scratch.append(c)
                i &+= 1
            } else {
                let n = try utf8Sequence(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + i, count: n))
                i &+= n
            }
        }
        throw error(at: open, "unterminated string (no closing '\"')")
    }

    func controlCharacter(at offset: Int) -> JSONParseError {
        error(at: offset, "control character \(found(offset)) in a string; escape it (\\n, \\t, \\u00XX)")
    }

    /// The length of the well-formed UTF-8 sequence at `offset` (its first byte is >= 0x80), or an error.
    func utf8Sequence(at offset: Int) throws(JSONParseError) -> Int {
        switch UTF8Validation.sequence(base, count: end, at: offset) {
        case .valid(let length): return length
        case .badStart: throw error(at: offset, "invalid UTF-8: \(found(offset)) cannot start a character")
        case .truncated: throw error(at: offset, "invalid UTF-8: truncated character")
        case .illFormed: throw error(at: offset, "invalid UTF-8: ill-formed sequence (overlong, surrogate or out of range)")
        }
    }

    /// Decodes the escape at `i` (a backslash) into `scratch`.
    mutating func escape() throws(JSONParseError) {
        let at = i
        guard i + 1 < end else { throw error(at: at, "unterminated escape at the end of the input") }
        let e = base[i + 1]
        i &+= 2
        switch e {
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case 0x2F: scratch.append(0x2F)
        case 0x62: scratch.append(0x08)
        case 0x66: scratch.append(0x0C)
        case 0x6E: scratch.append(0x0A)
        case 0x72: scratch.append(0x0D)
        case 0x74: scratch.append(0x09)
        case 0x75:
            var scalar = try hex4(escapeAt: at)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard i + 1 < end, base[i] == backslash, base[i + 1] == 0x75 else {
                    throw error(at: at, "unpaired surrogate \\u\(hexString(scalar)): a high surrogate must be followed by a low one")
                }
                let lowAt = i
                i &+= 2
                let low = try hex4(escapeAt: lowAt)
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw error(at: lowAt, "unpaired surrogate \\u\(hexString(scalar)): \\u\(hexString(low)) is not a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error(at: at, "unpaired surrogate \\u\(hexString(scalar)): a low surrogate without a high one")
            }
            appendUTF8(scalar)
        default:
            throw error(at: at, "invalid escape: \(found(at + 1)) after a backslash; use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX")
        }
    }

    func hexString(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// Reads the four hex digits after "\u" (at `i`).
    mutating func hex4(escapeAt at: Int) throws(JSONParseError) -> UInt32 {
        guard end - i >= 4 else { throw error(at: at, "incomplete \\u escape: expected 4 hex digits") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let d: UInt8
            switch c {
            case zero...nine: d = c - zero
            case 0x61...0x66: d = c - 0x61 + 10
            case 0x41...0x46: d = c - 0x41 + 10
            default: throw error(at: i + k, "invalid \\u escape: expected a hex digit, found \(found(i + k))")
            }
            v = v << 4 | UInt32(d)
        }
        i &+= 4
        return v
    }

    mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(v))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | v >> 6))
            scratch.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | v >> 12))
            scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | v & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | v >> 18))
            scratch.append(UInt8(0x80 | v >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | v >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | v & 0x3F))
        }
    }

    // MARK: Numbers

    /// Parses a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(JSONParseError) -> JSON {
        let start = i
        let negative = base[i] == minus
        if negative { i &+= 1 }
        guard i < end, base[i] >= zero && base[i] <= nine else {
            throw error(at: i, "expected a digit after '-', found \(found(i))")
        }
        // Integer part. Significant digits go into `mantissa` (up to 19 of them); the rest only scale.
        var mantissa: UInt64 = 0
        var significant = 0 // digits in mantissa, leading zeros excluded
        var dropped = 0 // significant digits beyond the 19 kept
        var exponent = 0 // decimal exponent applied to mantissa
        if base[i] == zero {
            i &+= 1
            if i < end, base[i] >= zero && base[i] <= nine {
                throw error(at: start, "invalid number: a leading zero must stand alone (write 0, 0.5 or 5, not 05)")
            }
        } else {
            while i < end, base[i] >= zero && base[i] <= nine {
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(base[i] &- zero)
                    significant &+= 1
                } else {
                    dropped &+= 1
                }
                i &+= 1
            }
        }
        let integerEnd = i
        var isInteger = true
        if i < end && base[i] == dot {
            isInteger = false
            i &+= 1
            guard i < end, base[i] >= zero && base[i] <= nine else {
                throw error(at: i, "invalid number: expected a digit after '.', found \(found(i))")
            }
            while i < end, base[i] >= zero && base[i] <= nine {
                if significant < 19 {
                    if mantissa != 0 || base[i] != zero {
                        mantissa = mantissa &* 10 &+ UInt64(base[i] &- zero)
                        significant &+= 1
                    }
                    exponent &-= 1
                } else {
                    dropped &+= 1 // past the kept digits: they neither scale nor enter the mantissa
                }
                i &+= 1
            }
        }
        if i < end && (base[i] == 0x65 || base[i] == 0x45) {
            isInteger = false
            i &+= 1
            var expNegative = false
            if i < end && (base[i] == plus || base[i] == minus) {
                expNegative = base[i] == minus
                i &+= 1
            }
            guard i < end, base[i] >= zero && base[i] <= nine else {
                throw error(at: i, "invalid number: expected a digit in the exponent, found \(found(i))")
            }
            var e = 0
            while i < end, base[i] >= zero && base[i] <= nine {
                if e < 100_000 { e = e &* 10 &+ Int(base[i] &- zero) }
                i &+= 1
            }
            exponent &+= expNegative ? -e : e
        }
        if isInteger {
            if let v = integer(from: start, to: integerEnd) {
                if v == 0 && negative { return .double(-0.0) }
                return .int(v)
            }
            return .double(try slowDouble(from: start))
        }
        // Clinger's fast path: an exact mantissa times an exact power of ten rounds once, correctly.
        if dropped == 0 && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var d = Double(mantissa)
            if exponent < 0 { d /= exactPowersOfTen[-exponent] } else { d *= exactPowersOfTen[exponent] }
            return .double(negative ? -d : d)
        }
        return .double(try slowDouble(from: start))
    }

    /// The integer in `start..<stop` (an optional '-' then digits), or nil when it does not fit Int64.
    func integer(from start: Int, to stop: Int) -> Int64? {
        var k = start
        let negative = base[k] == minus
        if negative { k &+= 1 }
        guard stop - k <= 19 else { return nil }
        // Accumulate negatively: Int64.min has no positive twin.
        var v: Int64 = 0
        while k < stop {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(base[k] &- zero))
            if o1 || o2 { return nil }
            v = s
            k &+= 1
        }
        if negative { return v }
        return v == .min ? nil : -v
    }

    /// A correctly rounded double for the number text `start..<i` (already checked against the grammar).
    func slowDouble(from start: Int) throws(JSONParseError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i &- start), as: UTF8.self)
        guard let d = Double(text) else { throw error(at: start, "invalid number") }
        guard d.isFinite else { throw error(at: start, "number out of range: \(text) is too large for a double") }
        return d
    }
}
