import LogbookCLI
import LogbookTestSupport
import Testing

/// Parses bytes, returning the error instead of throwing.
private func result(_ bytes: [UInt8]) -> Result<JSON, JSONParseError> {
    Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(bytes) }
}

private func parse(_ text: String) throws -> JSON { try JSONParser.parse(text) }

private func parseError(_ text: String) -> JSONParseError? {
    if case .failure(let e) = result(Array(text.utf8)) { return e }
    return nil
}

/// Exact equality, with doubles compared bit for bit (so -0.0 differs from 0.0).
private func identical(_ a: JSON, _ b: JSON) -> Bool {
    switch (a, b) {
    case let (.double(x), .double(y)): return x.bitPattern == y.bitPattern
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
    case let (.object(x), .object(y)):
        return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && identical($0.value, $1.value) }
    default: return a == b
    }
}

struct JSONParserTests {
    // MARK: Valid documents

    @Test("literals, strings, arrays and objects parse, object members keep their order")
    func values() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("\tfalse\r\n") == .bool(false))
        #expect(try parse("\"\"") == .string(""))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([]))
        #expect(try parse("[1, \"a\", null, [true], {\"k\": -2.5}]")
                == .array([.int(1), .string("a"), .null, .array([.bool(true)]), .object([JSONMember("k", .double(-2.5))])]))
        let object = try parse(#"{"z":1,"a":2,"m":{"y":[],"b":{}}}"#)
        #expect(object == .object([JSONMember("z", 1), JSONMember("a", 2),
                                   JSONMember("m", .object([JSONMember("y", .array([])), JSONMember("b", .object([]))]))]))
    }

    @Test("a repeated key is kept, in order")
    func duplicateKeys() throws {
        #expect(try parse(#"{"a":1,"a":2}"#) == .object([JSONMember("a", 1), JSONMember("a", 2)]))
    }

    @Test("every escape decodes, surrogate pairs included; raw UTF-8 passes through")
    func escapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u20AC\u0000""#) == .string("A\u{E9}\u{20AC}\u{0}"))
        #expect(try parse(#""\uD83D\uDE00 \ud834\udd1e""#) == .string("😀 𝄞"))
        #expect(try parse("\"é😀 ü\u{10FFFF}\"") == .string("é😀 ü\u{10FFFF}"))
        #expect(try parse(#""abc\ndef é""#) == .string("abc\ndef é"))
    }

    // MARK: Numbers

    @Test("integers that fit Int64 are .int, the edges included; larger ones are .double")
    func integerEdges() throws {
        #expect(try parse("0") == .int(0))
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try parse("1.0") == .double(1.0))
        #expect(try parse("1e2") == .double(100))
    }

    @Test("-0 and -0.0 keep their sign")
    func negativeZero() throws {
        guard case .double(let a) = try parse("-0"), case .double(let b) = try parse("-0.0"),
              case .double(let c) = try parse("-0e5") else {
            Issue.record("negative zero did not parse as a double")
            return
        }
        #expect(a.sign == .minus && a == 0)
        #expect(b.sign == .minus && b == 0)
        #expect(c.sign == .minus && c == 0)
    }

    @Test("doubles at the edges parse exactly", arguments: [
        ("5e-324", Double.leastNonzeroMagnitude),
        ("4.9406564584124654e-324", Double.leastNonzeroMagnitude),
        ("2.2250738585072014e-308", Double.leastNormalMagnitude),
        ("2.225073858507201e-308", Double.leastNormalMagnitude.nextDown),
        ("1.7976931348623157e308", Double.greatestFiniteMagnitude),
        ("0.1", 0.1),
        ("0.30000000000000004", 0.30000000000000004),
        ("9007199254740993e0", 9_007_199_254_740_992.0),
        ("9007199254740993.0", 9_007_199_254_740_992.0),
        ("1e-400", 0.0),
        ("123.456e-2", 1.23456),
        ("0.000001", 1e-6),
        ("1E+2", 100.0),
    ])
    func doubleEdges(text: String, expected: Double) throws {
        let value = try parse(text)
        guard case .double(let d) = value else {
            Issue.record("\(text) parsed as \(value)")
            return
        }
        #expect(d.bitPattern == expected.bitPattern, "\(text) gave \(d)")
    }

    @Test("a finite literal too large for a double is an error, not infinity")
    func overflow() {
        #expect(parseError("1e400")?.message.contains("out of range") == true)
        #expect(parseError("-1.8e308") != nil)
    }

    @Test("every double's shortest form round-trips bit for bit (200,000 random bit patterns)")
    func doubleRoundTrip() throws {
        var g = SeededGenerator(seed: 42)
        for _ in 0..<200_000 {
            let d = Double(bitPattern: g.next())
            guard d.isFinite else { continue }
            let value = try parse(d.description)
            guard case .double(let back) = value else {
                // Integral doubles print as "1e+16" etc.; only the sign of zero could make an int.
                Issue.record("\(d.description) parsed as \(value)")
                return
            }
            #expect(back.bitPattern == d.bitPattern, "\(d.description) gave \(back)")
        }
    }

    @Test("decimal strings of every shape agree with the standard library's correctly rounded parse")
    func decimalStrings() throws {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<100_000 {
            let digits = 1 + Int(g.next() % 25)
            var text = g.next() % 2 == 0 ? "-" : ""
            let first = 1 + g.next() % 9
            text += String(first)
            for _ in 1..<digits { text += String(g.next() % 10) }
            let point = Int(g.next() % UInt64(digits + 1))
            if point > 0 && point < digits {
                text.insert(".", at: text.index(text.endIndex, offsetBy: -(digits - point)))
            }
            if g.next() % 2 == 0 { text += "e" + String(Int(g.next() % 80) - 40) }
            guard let expected = Double(text), expected.isFinite else { continue }
            let value = try parse(text)
            let got: Double
            switch value {
            case .double(let d): got = d
            case .int(let i): got = Double(i)
            default: Issue.record("\(text) parsed as \(value)"); return
            }
            #expect(got.bitPattern == expected.bitPattern, "\(text): \(got) != \(expected)")
        }
    }

    // MARK: Invalid documents

    @Test("malformed documents fail at the right byte with a clear message", arguments: [
        ("", 0, "expected a JSON value"),
        ("   ", 3, "expected a JSON value"),
        ("{", 1, "expected a string key or '}'"),
        ("[1,]", 3, "expected a value after ','"),
        (#"{"a":1,}"#, 7, "expected a string key after ','"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        ("{1:2}", 1, "expected a string key"),
        ("[1 2]", 3, "expected ',' or ']'"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        ("01", 0, "leading zero"),
        ("1.", 2, "expected a digit after '.'"),
        (".5", 0, "expected a JSON value"),
        ("-", 1, "expected a digit after '-'"),
        ("+1", 0, "expected a JSON value"),
        ("1e", 2, "expected a digit in the exponent"),
        ("1e+", 3, "expected a digit in the exponent"),
        ("tru", 0, "invalid literal"),
        ("truex", 0, "invalid literal"),
        ("nul", 0, "invalid literal"),
        ("NaN", 0, "expected a JSON value"),
        ("Infinity", 0, "expected a JSON value"),
        ("1 2", 2, "after the JSON value"),
        ("{} x", 3, "after the JSON value"),
        (#""abc"#, 0, "unterminated string"),
        (#""\x""#, 1, "invalid escape"),
        (#""\u12xy""#, 5, "expected a hex digit"),
        (#""\u12"#, 1, "incomplete \\u escape"),
        (#""\uD800""#, 1, "unpaired surrogate"),
        (#""\uDC00""#, 1, "unpaired surrogate"),
        (#""\uD800\u0041""#, 7, "not a low surrogate"),
        ("\"a\u{1}b\"", 2, "control character"),
        ("\"tab\there\"", 4, "control character"),
        ("[[[]]", 5, "unterminated array"),
        ("{\"a\":[1}", 7, "expected ',' or ']'"),
    ])
    func malformed(text: String, offset: Int, message: String) {
        guard let e = parseError(text) else {
            Issue.record("'\(text)' parsed")
            return
        }
        #expect(e.offset == offset, "'\(text)': \(e)")
        #expect(e.message.contains(message), "'\(text)': \(e)")
    }

    @Test("ill-formed UTF-8 is rejected where it starts", arguments: [
        ([0x22, 0xC0, 0xAF, 0x22], 1), // overlong '/'
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1), // overlong, 3 bytes
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1), // a surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1), // above U+10FFFF
        ([0x22, 0x61, 0xE2, 0x82, 0x22], 2), // truncated
        ([0x22, 0xFF, 0x22], 1),
        ([0x22, 0x80, 0x22], 1), // a lone continuation byte
        ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 3), // after an escape (slow path)
        ([0x7B, 0x22, 0xF0, 0x9F, 0x98, 0x22, 0x3A, 0x31, 0x7D], 2), // in a key
    ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        guard case .failure(let e) = result(bytes) else {
            Issue.record("\(bytes) parsed")
            return
        }
        #expect(e.offset == offset)
        #expect(e.message.contains("UTF-8"), "\(e)")
    }

    @Test("strings accept exactly the well-formed UTF-8 the standard library accepts")
    func utf8AgreesWithStandardLibrary() {
        var g = SeededGenerator(seed: 99)
        for _ in 0..<20_000 {
            let n = Int(g.next() % 8)
            // Bytes from the interesting ranges, without quote, backslash or control characters.
            let body: [UInt8] = (0..<n).map { _ in
                let pool: [UInt8] = [0x41, 0x7E, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                                     0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
                return pool[Int(g.next() % UInt64(pool.count))]
            }
            let valid = String(validating: body, as: UTF8.self) != nil
            switch result([0x22] + body + [0x22]) {
            case .success(let v): #expect(valid && v == .string(String(decoding: body, as: UTF8.self)), "\(body)")
            case .failure: #expect(!valid, "\(body) was rejected")
            }
        }
    }

    @Test("nesting is limited: 64 levels parse, 65 fail, 100,000 fail without exhausting the stack")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONParser.parse(ok) != .null)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(deep)?.message.contains("nesting deeper than 64") == true)
        #expect(parseError(deep)?.offset == 64)
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(parseError(objects)?.message.contains("nesting") == true)
        #expect(parseError(String(repeating: "[", count: 100_000)) != nil)
        #expect(try JSONParser.parse(deep, maxDepth: 65) != .null)
    }

    // MARK: Round trips and fuzzing

    /// A random JSON value (finite doubles only: the renderer writes non-finite ones as strings).
    private static func randomValue(_ g: inout SeededGenerator, depth: Int = 0) -> JSON {
        let strings = ["", "a", "key", "é", "😀", "quote\"back\\slash", "line\nbreak\u{1}\u{7F}", "\u{0}", "tab\t/"]
        switch g.next() % (depth > 4 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(g.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: g.next()) >> Int64(g.next() % 64))
        case 3:
            var d = Double(bitPattern: g.next())
            if !d.isFinite { d = -0.0 }
            return .double(d)
        case 4: return .string(strings[Int(g.next() % UInt64(strings.count))] + String(g.next() % 100))
        case 5: return .array((0..<Int(g.next() % 5)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            return .object((0..<Int(g.next() % 5)).map { _ in
                JSONMember(strings[Int(g.next() % UInt64(strings.count))], randomValue(&g, depth: depth + 1))
            })
        }
    }

    @Test("rendered values parse back identically (doubles bit for bit)")
    func renderRoundTrip() throws {
        var g = SeededGenerator(seed: 2026)
        for _ in 0..<3_000 {
            let v = Self.randomValue(&g)
            let text = v.rendered()
            let back = try JSONParser.parse(text)
            #expect(identical(back, v), "\(text)")
        }
    }

    @Test("rendering is exact: integers at their limits, escapes, non-finite doubles, order of members", arguments: [
        (JSON.int(0), "0"), (.int(-1), "-1"), (.int(.min), "-9223372036854775808"), (.int(.max), "9223372036854775807"),
        (.double(0.1), "0.1"), (.double(-2.5e-300), "-2.5e-300"), (.double(.nan), "\"NaN\""), (.double(-.infinity), "\"-Infinity\""),
        (.string("quote\"back\\slash\nline\r\ttab\u{1}\u{1F}\u{7F}é😀"), "\"quote\\\"back\\\\slash\\nline\\r\\ttab\\u0001\\u001f\\u007fé😀\""),
        (.string(""), "\"\""), (.null, "null"), (.bool(true), "true"), (.bool(false), "false"),
        (["b": 1, "a": [nil, "x"], "": [:]], "{\"b\":1,\"a\":[null,\"x\"],\"\":{}}"),
    ] as [(JSON, String)])
    func renderExact(value: JSON, text: String) {
        #expect(value.rendered() == text)
        var bytes: [UInt8] = [0x41]
        value.render(into: &bytes)
        #expect(bytes == [0x41] + Array(text.utf8))
    }

    @Test("random mutations of valid documents either parse or throw, never trap (seeded fuzz)")
    func fuzz() throws {
        var g = SeededGenerator(seed: 0xF00D)
        let interesting: [UInt8] = Array("{}[]\":,\\-+.eE0123456789tfnu ".utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]
        var parsed = 0, failed = 0
        for _ in 0..<20_000 {
            var bytes = Array(Self.randomValue(&g).rendered().utf8)
            for _ in 0...Int(g.next() % 4) {
                let at = bytes.isEmpty ? 0 : Int(g.next() % UInt64(bytes.count))
                let b = g.next() % 2 == 0 ? interesting[Int(g.next() % UInt64(interesting.count))] : UInt8(truncatingIfNeeded: g.next())
                switch g.next() % 4 {
                case 0 where !bytes.isEmpty: bytes[at] = b
                case 1: bytes.insert(b, at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                default: if !bytes.isEmpty { bytes.insert(contentsOf: bytes[at...].prefix(8), at: at) }
                }
            }
            switch result(bytes) {
            case .success(let v):
                parsed += 1
                // Whatever parses renders to a document that parses to the same value.
                let again = try JSONParser.parse(v.rendered())
                #expect(identical(again, v) || v.rendered() == again.rendered(), "\(bytes)")
            case .failure(let e):
                failed += 1
                #expect(e.offset >= 0 && e.offset <= bytes.count, "\(e) for \(bytes)")
                #expect(!e.message.isEmpty)
            }
        }
        #expect(parsed > 100 && failed > 100, "parsed \(parsed), failed \(failed)")
    }

    @Test("parsing a String, bytes and a raw buffer agree")
    func entryPoints() throws {
        let text = #"{"a":[1,2.5,"x"]}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { try JSONParser.parse($0) }
        #expect(try JSONParser.parse(text) == JSONParser.parse(bytes))
        #expect(fromBuffer == (try JSON(parsing: text)))
    }

    @Test("the error's description names the byte offset")
    func description() {
        #expect(parseError("[1,,2]")?.description == "at byte 3: expected a JSON value, found ','")
    }
}
