import Logbook
import LogbookEvents

/// `ab` commands: A/B tests between versions of a model (docs/cli.md, "A/B tests"; docs/ab-testing.md).
enum ABCommands {
    static func create(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let specs = inv.values("--variant")
        guard !specs.isEmpty else {
            throw LogbookError(.usage, "missing --variant NAME=VERSION:WEIGHT (at least two; the first is the control)")
        }
        var parsed: [(name: String, version: Int, weight: Double)] = []
        for text in specs { parsed.append(try ABInput.variant(text)) }
        let bp = try ABInput.basisPoints(parsed.map(\.weight), what: "--variant weights")
        let variants = zip(parsed, bp).map { ABVariant(name: $0.name, version: $0.version, weightBasisPoints: $1) }
        var guardrails: [ABGuardrail] = []
        for g in inv.values("--guardrail") { guardrails.append(try ABInput.guardrail(g, what: "--guardrail")) }
        let t = try inv.store.createABTest(name: name, model: try inv.require("--model"), variants: variants,
                                           metric: try inv.require("--metric"), continuous: inv.flag("--continuous"),
                                           guardrails: guardrails, minimumSample: try inv.countOption("--min-sample") ?? 1000,
                                           alpha: try inv.doubleOption("--alpha") ?? 0.05, salt: inv.value("--salt"),
                                           sequential: inv.flag("--sequential"), inv.context)
        if inv.json {
            inv.printJSON(.object(Render.abStatus(try inv.store.abStatus(t.name), inv.store.state)))
        } else {
            inv.line(t.name)
        }
        return 0
    }

    static func start(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        try inv.store.startABTest(name, inv.context)
        inv.message("Started A/B test '\(name)': assign units with 'logbook ab assign \(name) UNIT'")
        return 0
    }

    static func stop(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let promote = inv.flag("--promote-winner")
        try inv.store.stopABTest(name, promoteWinner: promote, inv.context)
        let s = inv.store.state
        let report = try inv.store.abStatus(name)
        let t = report.test
        var promotedVariant: ABVariant?
        var promotion: String?
        if let w = t.promotedVariant, w >= 0, w < t.variants.count {
            let v = t.variants[w]
            promotedVariant = v
            let m = s.model(ordinal: t.model)
            promotion = m.versions[v.version - 1].stage == .production ? "promoted" : "pending_approval"
        }
        let decision = t.decision ?? report.decision
        if inv.json {
            var members = Render.abStatus(report, s)
            members.append(JSONMember("promoted", .string(promotedVariant?.name)))
            members.append(JSONMember("promoted_version", .int(promotedVariant?.version)))
            members.append(JSONMember("promotion", .string(promotion)))
            inv.printJSON(.object(members))
        } else {
            inv.line(decision)
        }
        let model = s.model(ordinal: t.model).name
        var text = "Stopped A/B test '\(name)': \(decision)"
        if let v = promotedVariant {
            text += promotion == "promoted"
                ? "; version \(v.version) of '\(model)' (\(v.name)) is now in Production"
                : "; version \(v.version) of '\(model)' (\(v.name)) awaits approval: logbook model approve \(model) \(v.version) --reason TEXT"
        }
        inv.message(text)
        return 0
    }

    static func list(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        var reports: [ABStatusReport] = []
        for t in s.abTests { reports.append(try inv.store.abStatus(t.name, in: inv.pastState)) }
        if inv.json {
            inv.printJSON(.object([JSONMember("tests", .array(reports.map { Render.abSummary($0, s) }))]))
            return 0
        }
        var table = Table(["NAME", "MODEL", "STATUS", "VARIANTS", "UNITS", "DECISION"], rightAligned: [4])
        for r in reports {
            let t = r.test
            table.add([t.name, Render.modelName(t.model, s), t.status.rawValue,
                       t.variants.map { "\($0.name)=\($0.version):\(ABFormat.percent(basisPoints: $0.weightBasisPoints))" }
                           .joined(separator: ","),
                       String(t.units.reduce(0, +)), t.decision ?? r.decision])
        }
        inv.out(table.render())
        return 0
    }

    static func plan(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let baseline = try ValueParser.double(try inv.require("--baseline"), "--baseline")
        let mde = try ValueParser.double(try inv.require("--mde"), "--mde")
        let relative = inv.flag("--relative")
        let alpha = try inv.doubleOption("--alpha") ?? 0.05
        let power = try inv.doubleOption("--power") ?? 0.8
        let plan = try LogbookStore.planSampleSize(baseline: baseline, effect: mde, relative: relative, alpha: alpha, power: power)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("per_arm", .int(plan.perArm)),
                JSONMember("baseline", .double(baseline)),
                JSONMember("treatment_rate", Render.abNumber(plan.treatmentRate)),
                JSONMember("alpha", .double(alpha)),
                JSONMember("power", .double(power)),
                JSONMember("mde", .double(mde)),
                JSONMember("relative", .bool(relative)),
                JSONMember("total", .int(plan.perArm * 2)),
            ]))
        } else {
            inv.line(String(plan.perArm))
            inv.message("\(plan.perArm) units per arm (\(plan.perArm * 2) for a control and one treatment) to detect "
                        + "\(baseline) -> \(ABFormat.plain((plan.treatmentRate * 1e6).rounded() / 1e6)) at two-sided alpha \(alpha) with power \(power)")
        }
        return 0
    }

    static func assign(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        if let file = inv.value("--units-file") {
            guard inv.positionals.count == 1 else {
                throw LogbookError(.usage, "give a UNIT or --units-file F, not both")
            }
            let bytes = file == "-" ? try StandardStreams.readInput() : try StandardStreams.readFile(file)
            let units = try ABInput.lines(bytes, what: file == "-" ? "standard input" : "'\(file)'").map(\.text)
            guard !units.isEmpty else {
                throw LogbookError(.usage, "no unit in \(file == "-" ? "standard input" : "'\(file)'") (one unit per line)")
            }
            let variants = try inv.store.assign(test: name, units: units, inv.context)
            if inv.json {
                inv.printJSON(.object([JSONMember("assignments", .array(zip(units, variants).map { u, v in
                    .object([JSONMember("unit", .string(u)), JSONMember("variant", .string(v))])
                }))]))
            } else {
                var out = ""
                out.reserveCapacity(units.count * 24)
                for (u, v) in zip(units, variants) {
                    out += u
                    out += "\t"
                    out += v
                    out += "\n"
                }
                inv.out(out)
            }
            return 0
        }
        guard inv.positionals.count == 2 else { throw LogbookError(.usage, "missing UNIT (or --units-file F)") }
        let unit = inv.positional(1)
        let variant = try inv.store.assign(test: name, units: [unit], inv.context)[0]
        if inv.json {
            let t = try inv.store.requireABTest(name)
            inv.printJSON(.object([
                JSONMember("test", .string(name)),
                JSONMember("unit", .string(unit)),
                JSONMember("variant", .string(variant)),
                JSONMember("version", .int(t.variants.first { $0.name == variant }?.version)),
            ]))
        } else {
            inv.line(variant)
        }
        return 0
    }

    static func record(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let name = inv.positional(0)
        let metric = inv.value("--metric")
        var outcomes: [(unit: String, value: Double, metric: String?)] = []
        if let file = inv.value("--file") {
            guard inv.positionals.count == 1 else {
                throw LogbookError(.usage, "give UNIT VALUE or --file F, not both")
            }
            let bytes = file == "-" ? try StandardStreams.readInput() : try StandardStreams.readFile(file)
            let source = file == "-" ? "standard input" : "'\(file)'"
            for line in try ABInput.lines(bytes, what: source) {
                let fields = ABInput.fields(line.text)
                guard fields.count == 2 || fields.count == 3 else {
                    throw LogbookError(.usage, "line \(line.number) of \(source) is not 'UNIT VALUE [METRIC]' "
                                       + "(tab- or space-separated)")
                }
                let value = try ValueParser.double(fields[1], "line \(line.number) of \(source): the value")
                outcomes.append((fields[0], value, fields.count == 3 ? fields[2] : metric))
            }
            guard !outcomes.isEmpty else {
                throw LogbookError(.usage, "no outcome in \(source) (one 'UNIT VALUE [METRIC]' per line)")
            }
        } else {
            guard inv.positionals.count == 3 else {
                throw LogbookError(.usage, inv.positionals.count == 1 ? "missing UNIT (or --file F)" : "missing VALUE")
            }
            outcomes.append((inv.positional(1), try ValueParser.double(inv.positional(2), "VALUE"), metric))
        }
        try inv.store.recordOutcomes(test: name, outcomes, inv.context)
        if inv.json {
            inv.printJSON(.object([JSONMember("test", .string(name)), JSONMember("recorded", .int(outcomes.count))]))
        }
        inv.message("Recorded \(outcomes.count) outcome(s) in A/B test '\(name)'")
        return 0
    }

    static func status(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state(forABTest: inv.positional(0))
        let report = try inv.store.abStatus(inv.positional(0), in: s)
        if inv.json {
            inv.printJSON(.object(Render.abStatus(report, s)))
            return 0
        }
        inv.out(humanStatus(report, s))
        return 0
    }

    /// The key-value header, then the variants, comparisons and guardrails as aligned tables.
    static func humanStatus(_ r: ABStatusReport, _ s: LogbookState) -> String {
        let t = r.test
        let a = r.analysis
        var out = Table.keyValues([
            ("test", t.name),
            ("model", Render.modelName(t.model, s)),
            ("status", t.status.rawValue),
            ("metric", "\(t.metric) (\(t.continuous ? "continuous: Welch's t-test" : "conversion: pooled z-test"))"),
            ("alpha", Human.number(t.alpha) + (t.variants.count > 2 && !t.sequential ? " (Holm-adjusted across treatments)" : "")),
            ("min_sample", "\(t.minimumSample) units per variant" + (a.map { $0.isPowerReached ? " (reached)" : " (not yet)" } ?? "")),
            ("sequential", t.sequential ? "yes (always-valid p-values, mSPRT)" : "no"),
            ("srm_p_value", a.map { ABFormat.pValue($0.srmPValue) + ($0.srmPValue < 0.001 ? "  SAMPLE RATIO MISMATCH" : "") } ?? "-"),
            ("decision", t.decision ?? r.decision),
        ])
        out += "\n"
        var variants = Table(["VARIANT", "VERSION", "WEIGHT", "UNITS", "OUTCOMES", "CONVERSIONS", "MEAN", "VARIANCE"],
                             rightAligned: [1, 2, 3, 4, 5, 6, 7])
        for v in r.variants {
            variants.add([v.name, String(v.version), ABFormat.percent(basisPoints: v.weightBasisPoints), String(v.units),
                          String(v.outcomes), t.continuous ? "-" : String(v.conversions), ABFormat.fixed(v.mean, 6),
                          ABFormat.fixed(v.variance, 6)])
        }
        out += variants.render()
        if let a, !a.comparisons.isEmpty {
            out += "\n"
            var comparisons = Table(["VARIANT", "AGAINST", "LIFT", "REL_LIFT", "CI", "P_VALUE", "SIGNIFICANT", "CHANCE_TO_WIN"],
                                    rightAligned: [2, 3, 5, 7])
            for c in a.comparisons {
                let ci = c.interval.map { "[\(ABFormat.fixed($0.lower, 6)), \(ABFormat.fixed($0.upper, 6))]" } ?? "-"
                comparisons.add([c.variant, c.against, ABFormat.fixed(c.lift, 6), ABFormat.signedPercent(c.relativeLift), ci,
                                 ABFormat.pValue(c.pValue), c.isSignificant ? "yes" : "no", ABFormat.percent(c.chanceToWin)])
            }
            out += comparisons.render()
        }
        if let a, !a.guardrails.isEmpty {
            out += "\n"
            var guardrails = Table(["GUARDRAIL", "VARIANT", "HARM", "LIFT", "P_VALUE", "VIOLATED"], rightAligned: [3, 4])
            for g in a.guardrails {
                let def = g.guardrail < t.guardrails.count ? t.guardrails[g.guardrail] : nil
                guardrails.add([def?.metric ?? String(g.guardrail), g.variant, def.map { $0.higherIsWorse ? "higher" : "lower" } ?? "-",
                                ABFormat.fixed(g.lift, 6), ABFormat.pValue(g.pValue), g.isViolated ? "YES" : "no"])
            }
            out += guardrails.render()
        }
        return out
    }
}

/// Parsing of the A/B inputs the command line and ingest share: variants, weights, guardrails, unit lists.
enum ABInput {
    /// `NAME=VERSION:WEIGHT`.
    static func variant(_ text: String) throws(LogbookError) -> (name: String, version: Int, weight: Double) {
        let bad = LogbookError(.usage, "--variant '\(text)' is not NAME=VERSION:WEIGHT (e.g. control=1:90 treatment=2:10)")
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { throw bad }
        let rest = text[text.index(after: eq)...]
        guard let colon = rest.lastIndex(of: ":") else { throw bad }
        let versionText = String(rest[..<colon]), weightText = String(rest[rest.index(after: colon)...])
        guard let version = Int(versionText), version >= 1 else {
            throw LogbookError(.usage, "--variant '\(text)': '\(versionText)' is not a version number (1, 2, ...)")
        }
        let weight = try ValueParser.double(weightText, "--variant '\(text)': the weight")
        return (String(text[..<eq]), version, weight)
    }

    /// Weights as written, in percent or basis points, to basis points. Percent when every weight is at most 100
    /// and they sum to 100 (decimals allowed, to 0.01); basis points (whole numbers) when they sum to 10,000.
    static func basisPoints(_ weights: [Double], what: String) throws(LogbookError) -> [Int] {
        for w in weights where !(w.isFinite && w > 0) {
            throw LogbookError(.usage, "\(what): the weight \(ABFormat.plain(w)) is not positive; every variant needs traffic")
        }
        let sum = weights.reduce(0, +)
        if weights.allSatisfy({ $0 <= 100 }) && abs(sum - 100) < 1e-9 {
            var out: [Int] = []
            for w in weights {
                let b = (w * 100).rounded()
                guard abs(w * 100 - b) < 1e-6 else {
                    throw LogbookError(.usage, "\(what): \(ABFormat.plain(w))% is finer than a basis point (0.01%)")
                }
                out.append(Int(b))
            }
            if out.reduce(0, +) == 10_000 { return out }
        } else if abs(sum - 10_000) < 1e-9 {
            var out: [Int] = []
            for w in weights {
                guard w == w.rounded() else {
                    throw LogbookError(.usage, "\(what) sum to 10000, so they are basis points, which are whole numbers "
                                       + "(not \(ABFormat.plain(w)))")
                }
                out.append(Int(w))
            }
            return out
        }
        throw LogbookError(.usage, "\(what) sum to \(ABFormat.plain(sum)); they must sum to 100 (percent) "
                           + "or to 10000 (basis points)")
    }

    /// `KEY`, `KEY:higher` (an increase is harm, the default) or `KEY:lower` (a decrease is harm).
    static func guardrail(_ text: String, what: String) throws(LogbookError) -> ABGuardrail {
        if let colon = text.lastIndex(of: ":") {
            let direction = text[text.index(after: colon)...].lowercased()
            let key = String(text[..<colon])
            switch direction {
            case "higher": return ABGuardrail(metric: key, higherIsWorse: true)
            case "lower": return ABGuardrail(metric: key, higherIsWorse: false)
            default:
                throw LogbookError(.usage, "\(what) '\(text)': the direction after ':' is 'higher' (an increase is harm) "
                                   + "or 'lower' (a decrease is harm), not '\(direction)'")
            }
        }
        return ABGuardrail(metric: text, higherIsWorse: true)
    }

    /// The non-blank lines of a text, trimmed of spaces, tabs and a carriage return, with their numbers.
    static func lines(_ bytes: [UInt8], what: String) throws(LogbookError) -> [(number: Int, text: String)] {
        var out: [(number: Int, text: String)] = []
        var start = 0
        var number = 0
        let count = bytes.count
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        while start < count {
            var stop = start
            while stop < count && bytes[stop] != 0x0A { stop += 1 }
            number += 1
            var a = start, b = stop
            while a < b && (bytes[a] == 0x20 || bytes[a] == 0x09) { a += 1 }
            while b > a && (bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D) { b -= 1 }
            if a < b {
                guard let text = String(validating: bytes[a..<b], as: UTF8.self) else {
                    throw LogbookError(.usage, "line \(number) of \(what) is not UTF-8 text")
                }
                out.append((number, text))
            }
            start = stop + 1
        }
        return out
    }

    /// The fields of a line: split at tabs when it has any, else at runs of spaces.
    static func fields(_ line: String) -> [String] {
        if line.contains("\t") { return line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).trimmingSpaces } }
        return line.split(separator: " ").map(String.init)
    }
}

/// Number formatting of the A/B tables (no Foundation).
enum ABFormat {
    /// `value` with exactly `decimals` decimals; `-` when absent or not finite.
    static func fixed(_ value: Double?, _ decimals: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return value.description }
        let n = UInt64(scaled), p = UInt64(scale)
        var text = (value < 0 && n != 0 ? "-" : "") + String(n / p)
        if decimals > 0 {
            let fraction = String(n % p)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// A p-value: 4 decimals, `<0.0001` below that.
    static func pValue(_ p: Double) -> String { p.isFinite && p < 0.0001 ? "<0.0001" : fixed(p, 4) }

    /// A probability as a percentage with one decimal.
    static func percent(_ x: Double?) -> String { x.map { fixed($0 * 100, 1) + "%" } ?? "-" }

    /// A relative change as a signed percentage with two decimals.
    static func signedPercent(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "-" }
        return (x > 0 ? "+" : "") + fixed(x * 100, 2) + "%"
    }

    /// Basis points as a percentage: `90%`, `33.34%`.
    static func percent(basisPoints bp: Int) -> String {
        bp % 100 == 0 ? "\(bp / 100)%" : fixed(Double(bp) / 100, 2) + "%"
    }

    /// A number without a trailing `.0` when it is whole.
    static func plain(_ x: Double) -> String {
        x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : x.description
    }
}
