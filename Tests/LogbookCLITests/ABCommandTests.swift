import Foundation
import Logbook
import LogbookCLI
import LogbookTestSupport
import Testing

/// `logbook ab ...` end to end, through the built binary, checked against the library on the same store.
@Suite("End to end: A/B tests")
struct ABCommandTests {
    /// A store with model "m" (versions 1...4 from runs r1...r4), version 1 in Production.
    static func seeded() -> CLISession {
        let s = CLISession()
        s.ok("init")
        s.ok("experiment", "create", "e")
        for i in 1...4 { s.ok("run", "start", "--experiment", "e", "--id", "r\(i)") }
        s.ok("model", "create", "m")
        for i in 1...4 { s.ok("model", "register", "m", "--run", "r\(i)") }
        s.ok("model", "stage", "m", "1", "Production", "--reason", "baseline")
        return s
    }

    /// `UNIT<TAB>VARIANT` lines as pairs.
    static func pairs(_ stdout: String) -> [(unit: String, variant: String)] {
        stdout.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            return (String(f.first ?? ""), f.count > 1 ? String(f[1]) : "")
        }
    }

    /// The sequence number of the newest event.
    static func sequence(_ s: CLISession) -> Int { s.run(["audit", "digest", "--json"]).json["seq"] as? Int ?? -1 }

    /// Checks a `status --json` document field by field against the library's report on the same state. The
    /// document is read with Logbook's own parser, whose numbers are exact (Foundation's are not on Linux), so
    /// every statistic must be bit for bit the library's.
    static func expectSameStatus(_ stdout: String, _ report: ABStatusReport,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        guard let json = try? JSON(parsing: stdout) else {
            Issue.record("not JSON: \(stdout)", sourceLocation: sourceLocation)
            return
        }
        func same(_ a: JSON?, _ b: Double?, _ what: String) {
            if let b, b.isFinite {
                #expect(a?.exactDouble == b, "\(what): \(String(describing: a)) vs \(b)", sourceLocation: sourceLocation)
            } else {
                #expect(a == .null, "\(what) should be null: \(String(describing: a))", sourceLocation: sourceLocation)
            }
        }
        func int(_ a: JSON?) -> Int? { if case .int(let i)? = a { Int(i) } else { nil } }
        #expect(json["test"] == .string(report.test.name), sourceLocation: sourceLocation)
        #expect(json["status"] == .string(report.test.status.rawValue), sourceLocation: sourceLocation)
        #expect(json["decision"] == .string(report.test.decision ?? report.decision), sourceLocation: sourceLocation)
        let variants = json["variants"]?.items ?? []
        #expect(variants.count == report.variants.count, sourceLocation: sourceLocation)
        for (j, v) in zip(variants, report.variants) {
            #expect(j["name"] == .string(v.name), sourceLocation: sourceLocation)
            #expect(int(j["version"]) == v.version, sourceLocation: sourceLocation)
            #expect(int(j["weight_bp"]) == v.weightBasisPoints, sourceLocation: sourceLocation)
            #expect(int(j["units"]) == v.units, sourceLocation: sourceLocation)
            #expect(int(j["outcomes"]) == v.outcomes, sourceLocation: sourceLocation)
            #expect(int(j["conversions"]) == v.conversions, sourceLocation: sourceLocation)
            same(j["mean"], v.mean, "\(v.name).mean")
            same(j["variance"], v.variance, "\(v.name).variance")
        }
        let analysis = report.analysis
        let comparisons = json["comparisons"]?.items ?? []
        #expect(comparisons.count == (analysis?.comparisons.count ?? 0), sourceLocation: sourceLocation)
        for (j, c) in zip(comparisons, analysis?.comparisons ?? []) {
            #expect(j["variant"] == .string(c.variant), sourceLocation: sourceLocation)
            #expect(j["against"] == .string(c.against), sourceLocation: sourceLocation)
            same(j["lift"], c.lift, "lift")
            same(j["rel_lift"], c.relativeLift, "rel_lift")
            same(j["ci_low"], c.interval?.lower, "ci_low")
            same(j["ci_high"], c.interval?.upper, "ci_high")
            same(j["p_value"], c.pValue, "p_value")
            same(j["raw_p_value"], c.rawPValue, "raw_p_value")
            same(j["chance_to_win"], c.chanceToWin, "chance_to_win")
            #expect(j["significant"] == .bool(c.isSignificant), sourceLocation: sourceLocation)
        }
        same(json["srm_p_value"], analysis?.srmPValue, "srm_p_value")
        #expect(json["power_reached"] == analysis.map { .bool($0.isPowerReached) }, sourceLocation: sourceLocation)
        let guardrails = json["guardrails"]?.items ?? []
        #expect(guardrails.count == (analysis?.guardrails.count ?? 0), sourceLocation: sourceLocation)
        for (j, g) in zip(guardrails, analysis?.guardrails ?? []) {
            #expect(j["metric"] == .string(report.test.guardrails[g.guardrail].metric), sourceLocation: sourceLocation)
            #expect(j["variant"] == .string(g.variant), sourceLocation: sourceLocation)
            same(j["lift"], g.lift, "guardrail lift")
            same(j["p_value"], g.pValue, "guardrail p_value")
            #expect(j["violated"] == .bool(g.isViolated), sourceLocation: sourceLocation)
        }
    }

    @Test("a scripted test: percent weights, bulk assignment, a planted lift, status = the library's, --at, promotion")
    func session() throws {
        let s = Self.seeded()
        #expect(s.ok("ab", "create", "checkout", "--model", "m", "--variant", "control=1:50", "--variant", "treatment=2:50",
                     "--metric", "converted", "--guardrail", "latency_ms", "--guardrail", "revenue:lower",
                     "--min-sample", "2000").output == "checkout")
        s.ok("ab", "start", "checkout")

        // 10,000 units in one write; each one's variant is the library's deterministic choice.
        let units = (0..<10_000).map { "user-\($0)" }
        let unitsFile = s.directory.appending("units.txt")
        writeFile(unitsFile, Array((units.joined(separator: "\n") + "\n").utf8))
        let before = Self.sequence(s)
        let assigned = Self.pairs(s.ok("ab", "assign", "checkout", "--units-file", unitsFile).stdout)
        #expect(Self.sequence(s) == before + 1, "one durable batch")
        #expect(assigned.map(\.unit) == units)
        let definition = try #require(try LogbookStore(at: s.store, writable: false).state.abTest(named: "checkout"))
        let expected = units.map { definition.variants[definition.variantIndex(forHash: ABTest.unitHash(salt: "checkout", unit: $0))!].name }
        #expect(assigned.map(\.variant) == expected)
        // Sticky: assigning again records nothing and answers the same.
        #expect(s.ok("ab", "assign", "checkout", units[7]).output == expected[7])
        #expect(Self.sequence(s) == before + 1)
        let afterAssign = Self.sequence(s)

        // Outcomes with a planted lift (10% against 14%), through ingest; guardrails through `ab record --file`.
        var g = SeededGenerator(seed: 7)
        var lines: [String] = []
        var conversions = ["control": 0, "treatment": 0], counts = ["control": 0, "treatment": 0]
        for (u, v) in assigned {
            let converted = Double(g.next() % 10_000) / 10_000 < (v == "control" ? 0.10 : 0.14)
            counts[v, default: 0] += 1
            if converted { conversions[v, default: 0] += 1 }
            lines.append(#"{"op":"ab.record","test":"checkout","unit":"\#(u)","value":\#(converted ? 1 : 0)}"#)
        }
        writeFile(s.directory.appending("outcomes.jsonl"), Array(lines.joined(separator: "\n").utf8))
        #expect(s.ok("ingest", s.directory.appending("outcomes.jsonl"), "--json").json["events"] as? Int == 10_000)
        var guard_ = ""
        for (u, v) in assigned.prefix(2000) {
            guard_ += "\(u)\t\(Double(g.next() % 100) + (v == "treatment" ? 0.5 : 0))\tlatency_ms\n"
            guard_ += "\(u) \(Double(g.next() % 50)) revenue\n"
        }
        writeFile(s.directory.appending("guardrails.txt"), Array(guard_.utf8))
        s.ok("ab", "record", "checkout", "--file", s.directory.appending("guardrails.txt"))

        let statusResult = s.ok("ab", "status", "checkout", "--json")
        let status = statusResult.json
        let reader = try LogbookStore(at: s.store, writable: false)
        Self.expectSameStatus(statusResult.stdout, try reader.abStatus("checkout"))
        // And against what this test planted, independently of the library.
        let variants = status["variants"] as? [[String: Any]] ?? []
        #expect(variants.map { $0["units"] as? Int } == [counts["control"], counts["treatment"]])
        #expect(variants.map { $0["conversions"] as? Int } == [conversions["control"], conversions["treatment"]])
        #expect(variants.map { $0["weight_bp"] as? Int } == [5000, 5000])
        let rates = ["control", "treatment"].map { Double(conversions[$0]!) / Double(counts[$0]!) }
        let comparison = try #require((status["comparisons"] as? [[String: Any]])?.first)
        #expect(abs((number(comparison["lift"]) ?? 0) - (rates[1] - rates[0])) < 1e-12)
        #expect((number(comparison["p_value"]) ?? 1) < 0.001 && comparison["significant"] as? Bool == true)
        #expect((number(comparison["chance_to_win"]) ?? 0) > 0.99)
        #expect(status["decision"] as? String == "winner:treatment")
        #expect((status["guardrails"] as? [[String: Any]])?.map { $0["metric"] as? String } == ["latency_ms", "revenue"])
        #expect((status["guardrails"] as? [[String: Any]])?.map { $0["harm"] as? String } == ["higher", "lower"])
        let human = s.ok("ab", "status", "checkout").stdout
        #expect(human.contains("winner:treatment") && human.contains("VARIANT") && human.contains("CHANCE_TO_WIN"))
        let list = s.ok("ab", "list", "--json").json["tests"] as? [[String: Any]] ?? []
        #expect(list.map { $0["name"] as? String } == ["checkout"])
        #expect(list.first?["units"] as? Int == 10_000 && list.first?["decision"] as? String == "winner:treatment")

        // As of the moment before the outcomes: units, no outcomes, and the library agrees.
        let pastResult = s.ok("ab", "status", "checkout", "--json", "--at", "#\(afterAssign)")
        let past = pastResult.json
        Self.expectSameStatus(pastResult.stdout, try reader.abStatus("checkout", in: try reader.state(at: .sequence(UInt64(afterAssign)))))
        #expect((past["variants"] as? [[String: Any]])?.map { $0["outcomes"] as? Int } == [0, 0])
        #expect((past["variants"] as? [[String: Any]])?.map { $0["units"] as? Int } == [counts["control"], counts["treatment"]])
        #expect(past["decision"] as? String != "winner:treatment")
        s.fails(3, "ab", "status", "checkout", "--at", "#3") // before the test existed

        // Stop and promote: version 2 goes to Production and the evaluation records the statistics.
        let stopped = s.ok("ab", "stop", "checkout", "--promote-winner", "--json").json
        #expect(stopped["promoted"] as? String == "treatment" && stopped["promoted_version"] as? Int == 2)
        #expect(stopped["status"] as? String == "concluded" && stopped["decision"] as? String == "winner:treatment")
        #expect(s.ok("model", "resolve", "m@production", "--json").json["version"] as? Int == 2)
        let evaluations = s.ok("audit", "log", "--entity", "model:m", "--json").jsonLines.filter { $0["type"] as? String == "promotion.evaluated" }
        let data = try #require(evaluations.last?["data"] as? [String: Any])
        #expect(data["version"] as? Int == 2)
        let explanation = data["explanation"] as? String ?? ""
        for part in ["A/B test checkout: winner:treatment", "lift ", "p ", "chance to win ", "SRM p "] {
            #expect(explanation.contains(part), "explanation: \(explanation)")
        }
        s.fails(4, "ab", "assign", "checkout", "late-user")
        #expect(s.ok("ab", "list").stdout.contains("concluded"))
    }

    @Test("stop --promote-winner without a winner is refused (4) and appends nothing; stop alone concludes")
    func noWinner() throws {
        let s = Self.seeded()
        s.ok("ab", "create", "flat", "--model", "m", "--variant", "a=1:5000", "--variant", "b=2:5000", "--metric", "c",
             "--min-sample", "10")
        s.ok("ab", "start", "flat")
        let units = (0..<400).map { "u\($0)" }
        writeFile(s.directory.appending("u"), Array(units.joined(separator: "\n").utf8))
        s.ok("ab", "assign", "flat", "--units-file", s.directory.appending("u"))
        let digest = s.digest()
        let r = s.fails(4, "ab", "stop", "flat", "--promote-winner")
        #expect(r.stderr.contains("no winning treatment"), "\(r)")
        #expect(s.digest() == digest, "a refused stop appends nothing")
        #expect(s.ok("ab", "status", "flat", "--json").json["status"] as? String == "running")
        #expect(s.ok("model", "resolve", "m@production", "--json").json["version"] as? Int == 1)
        #expect(s.ok("ab", "stop", "flat").output == "no_difference")
        #expect(s.ok("ab", "status", "flat", "--json").json["status"] as? String == "concluded")
        #expect(s.ok("model", "resolve", "m@production", "--json").json["version"] as? Int == 1)
    }

    @Test("with a policy that requires approval, --promote-winner leaves the winner awaiting 'model approve'")
    func promotionAwaitingApproval() throws {
        let s = Self.seeded()
        // The policy still applies to an A/B winner: give the runs its metric (version 3 beats the champion).
        s.ok("run", "log", "r1", "--metric", "auc=0.80")
        s.ok("run", "log", "r3", "--metric", "auc=0.85")
        s.ok("model", "policy", "m", "--metric", "auc", "--require-approval")
        s.ok("ab", "create", "t", "--model", "m", "--variant", "c=1:50", "--variant", "x=3:50", "--metric", "k", "--min-sample", "500")
        s.ok("ab", "start", "t")
        let assigned = Self.pairs(s.run(["ab", "assign", "t", "--units-file", "-"],
                                        stdin: (0..<4000).map { "u\($0)" }.joined(separator: "\n")).stdout)
        var g = SeededGenerator(seed: 5)
        let outcomes = assigned.map { "\($0.unit) \(Double(g.next() % 100) < ($0.variant == "c" ? 10 : 20) ? 1 : 0)" }
        #expect(s.run(["ab", "record", "t", "--file", "-"], stdin: outcomes.joined(separator: "\n")).status == 0)
        let stopped = s.ok("ab", "stop", "t", "--promote-winner", "--json").json
        #expect(stopped["decision"] as? String == "winner:x")
        #expect(stopped["promoted"] as? String == "x" && stopped["promoted_version"] as? Int == 3)
        #expect(stopped["promotion"] as? String == "pending_approval")
        #expect(s.ok("model", "resolve", "m@production", "--json").json["version"] as? Int == 1)
        let versions = s.ok("model", "versions", "m", "--json").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.first { $0["version"] as? Int == 3 }?["pending_approval"] as? Bool == true)
        s.ok("model", "approve", "m", "3", "--reason", "A/B winner", "--actor", "bob")
        #expect(s.ok("model", "resolve", "m@production", "--json").json["version"] as? Int == 3)
    }

    @Test("the same unit gets the same variant from separate processes and separate stores")
    func determinism() throws {
        let a = Self.seeded(), b = Self.seeded()
        for s in [a, b] {
            s.ok("ab", "create", "t", "--model", "m", "--variant", "c=1:90", "--variant", "x=2:10", "--metric", "k",
                 "--salt", "shared-salt")
            s.ok("ab", "start", "t")
        }
        let units = (0..<12).map { "visitor-\($0 * 7919)" }
        let definition = try #require(try LogbookStore(at: a.store, writable: false).state.abTest(named: "t"))
        var seen = Set<String>()
        for u in units {
            let first = a.ok("ab", "assign", "t", u).output
            let second = b.ok("ab", "assign", "t", u).output
            let again = a.ok("ab", "assign", "t", u).output
            #expect(first == second && first == again, "\(u): \(first) / \(second) / \(again)")
            #expect(first == definition.variants[definition.variantIndex(forHash: ABTest.unitHash(salt: "shared-salt", unit: u))!].name)
            seen.insert(first)
        }
        // In bulk too, including through standard input.
        let many = (0..<3000).map { "bulk-\($0)" }.joined(separator: "\n")
        let fromA = a.run(["ab", "assign", "t", "--units-file", "-"], stdin: many)
        let fromB = b.run(["ab", "assign", "t", "--units-file", "-"], stdin: many)
        #expect(fromA.status == 0 && fromB.status == 0)
        #expect(fromA.stdout == fromB.stdout && !fromA.stdout.isEmpty)
        let treated = Self.pairs(fromA.stdout).filter { $0.variant == "x" }.count
        #expect(treated > 200 && treated < 400, "about 10% of 3000: \(treated)")
        let json = a.run(["ab", "assign", "t", "--units-file", "-", "--json"], stdin: "bulk-1\nnew-one\n").json
        #expect((json["assignments"] as? [[String: Any]])?.map { $0["unit"] as? String } == ["bulk-1", "new-one"])
        #expect((json["assignments"] as? [[String: Any]])?.first?["variant"] as? String == Self.pairs(fromA.stdout)[1].variant)
        #expect(seen.isSubset(of: ["c", "x"]))
    }

    @Test("assignment follows the reference SHA-256 buckets (Fixtures/stats/assignment.json) through the CLI")
    func referenceBuckets() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/stats/assignment.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let cases = (root["cases"] as? [[String: Any]] ?? []).filter { $0["op"] as? String == "sha256_bucket" }
        var bySalt: [String: [(unit: String, expected: [String: Int])]] = [:]
        for c in cases {
            let input = c["input"] as? [String: Any] ?? [:], expected = c["expected"] as? [String: Any] ?? [:]
            guard let salt = input["salt"] as? String, let unit = input["unit"] as? String, !unit.isEmpty else { continue }
            let variants = (expected["variants"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
            bySalt[salt, default: []].append((unit, variants))
        }
        try #require(bySalt.count == 3)
        let s = Self.seeded()
        var checked = 0
        for (n, (salt, items)) in bySalt.sorted(by: { $0.key < $1.key }).enumerated() {
            for (k, weights) in ["5000,5000", "9000,1000", "3334,3333,3333", "2500,2500,2500,2500"].enumerated() {
                let name = "ref-\(n)-\(k)"
                var args = ["ab", "create", name, "--model", "m", "--metric", "k", "--salt", salt]
                for (i, w) in weights.split(separator: ",").enumerated() { args += ["--variant", "v\(i)=\(i + 1):\(w)"] }
                #expect(s.run(args).status == 0)
                s.ok("ab", "start", name)
                let r = s.run(["ab", "assign", name, "--units-file", "-"], stdin: items.map(\.unit).joined(separator: "\n"))
                #expect(r.status == 0, "\(r)")
                for ((unit, expected), (u, variant)) in zip(items, Self.pairs(r.stdout)) {
                    #expect(u == unit)
                    #expect(variant == "v\(expected[weights] ?? -1)", "\(salt).\(unit) with \(weights)")
                    checked += 1
                }
            }
        }
        #expect(checked == 39 * 4)
    }

    @Test("weights: percents with decimals, basis points, and a wrong sum named")
    func weights() throws {
        let s = Self.seeded()
        s.ok("ab", "create", "thirds", "--model", "m", "--variant", "a=1:33.33", "--variant", "b=2:33.33", "--variant", "c=3:33.34",
             "--metric", "k", "--continuous")
        s.ok("ab", "create", "bp", "--model", "m", "--variant", "a=1:9000", "--variant", "b=2:1000", "--metric", "k")
        let list = s.ok("ab", "list", "--json").json["tests"] as? [[String: Any]] ?? []
        #expect(list.map { ($0["variants"] as? [[String: Any]] ?? []).map { $0["weight_bp"] as? Int } } == [[3333, 3333, 3334], [9000, 1000]])
        let wrong = s.fails(2, "ab", "create", "x", "--model", "m", "--variant", "a=1:90", "--variant", "b=2:5", "--metric", "k")
        #expect(wrong.stderr.contains("sum to 95"), "\(wrong)")
        let wrongBP = s.fails(2, "ab", "create", "x", "--model", "m", "--variant", "a=1:9000", "--variant", "b=2:900", "--metric", "k")
        #expect(wrongBP.stderr.contains("sum to 9900"), "\(wrongBP)")
        s.fails(2, "ab", "create", "x", "--model", "m", "--variant", "a=1:50.005", "--variant", "b=2:49.995", "--metric", "k")
        s.fails(2, "ab", "create", "x", "--model", "m", "--variant", "a=1:100", "--variant", "b=2:0", "--metric", "k")
        let status = s.ok("ab", "status", "thirds", "--json").json
        #expect(status["continuous"] as? Bool == true && status["status"] as? String == "created")
        #expect(s.ok("ab", "status", "thirds").stdout.contains("33.34%"))
    }

    @Test("exit codes of every error class; failures append nothing")
    func errors() throws {
        let s = Self.seeded()
        s.ok("ab", "create", "t", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "k",
             "--guardrail", "latency")
        s.ok("ab", "create", "cont", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "rev", "--continuous")
        let created = s.digest()
        // 4: not started yet.
        s.fails(4, "ab", "assign", "t", "u1")
        s.fails(4, "ab", "record", "t", "u1", "1")
        s.fails(4, "ab", "stop", "t")
        #expect(s.digest() == created)
        s.ok("ab", "start", "t")
        s.ok("ab", "start", "cont")
        s.ok("ab", "assign", "t", "u1")
        s.ok("ab", "assign", "cont", "u1")
        s.ok("ab", "record", "t", "u1", "1")
        s.ok("ab", "record", "cont", "u1", "-12.5")
        let before = s.digest()

        // 2: usage.
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--metric", "k", "--variant", "bad")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=one:50", "--variant", "x=2:50", "--metric", "k")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:lots", "--metric", "k")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "k", "--guardrail", "lat:sideways")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "k", "--alpha", "2")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50")
        s.fails(2, "ab", "create", "y", "--model", "m", "--metric", "k")
        s.fails(2, "ab", "create", "y", "--model", "m", "--variant", "c=1:100", "--metric", "k")
        s.fails(2, "ab", "record", "t", "u1", "abc")
        s.fails(2, "ab", "record", "t", "u1", "nan")
        s.fails(2, "ab", "record", "t", "u1", "2")     // a conversion is 0 or 1
        s.fails(2, "ab", "record", "t", "u1")
        s.fails(2, "ab", "assign", "t")
        s.fails(2, "ab", "assign", "t", "u1", "--units-file", "-")
        #expect(s.run(["ab", "assign", "t", "--units-file", "-"], stdin: "\n  \n").status == 2)
        s.fails(2, "ab", "assign", "t", "bad\u{1}unit")
        s.fails(2, "ab", "assign", "t", "u1", "--at", "#3")
        s.fails(2, "ab", "status", "t", "--bogus")
        s.fails(2, "ab", "plan", "--baseline", "1.5", "--mde", "0.1")
        s.fails(2, "ab", "plan", "--baseline", "0.1")
        s.fails(2, "ab", "plan", "--baseline", "0.1", "--mde", "0.1", "--at", "#1")
        s.fails(2, "ab", "frobnicate")
        // 3: not found.
        s.fails(3, "ab", "status", "nope")
        s.fails(3, "ab", "start", "nope")
        s.fails(3, "ab", "assign", "nope", "u1")
        s.fails(3, "ab", "record", "nope", "u1", "1")
        s.fails(3, "ab", "stop", "nope")
        s.fails(3, "ab", "record", "t", "never-assigned", "1")
        s.fails(3, "ab", "record", "t", "u1", "3", "--metric", "no-such-metric")
        s.fails(3, "ab", "create", "y", "--model", "ghost", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "k")
        s.fails(3, "ab", "create", "y", "--model", "m", "--variant", "c=1:50", "--variant", "x=9:50", "--metric", "k")
        // 4: refused by a rule.
        s.fails(4, "ab", "create", "t", "--model", "m", "--variant", "c=1:50", "--variant", "x=2:50", "--metric", "k")
        s.fails(4, "ab", "start", "t")
        s.fails(4, "ab", "record", "t", "u1", "0")   // one outcome per unit and metric
        s.fails(4, "ab", "stop", "t", "--promote-winner")
        #expect(s.digest() == before, "failed commands append nothing")
        // A bad line of a file fails the whole file.
        writeFile(s.directory.appending("o"), Array("u1\t5\tlatency\nu1 nope\n".utf8))
        s.fails(2, "ab", "record", "t", "--file", s.directory.appending("o"))
        #expect(s.digest() == before)
        // After the stop: 4 for assignments and outcomes.
        s.ok("ab", "stop", "t")
        s.fails(4, "ab", "assign", "t", "u2")
        s.fails(4, "ab", "record", "t", "u1", "5", "--metric", "latency")
        s.fails(4, "ab", "stop", "t")
        // A missing units file is an I/O failure (1).
        #expect(s.run("ab", "assign", "cont", "--units-file", s.directory.appending("missing")).status == 1)
    }

    @Test("ab plan prints the library's sample size per arm", arguments: [
        (0.1, 0.02, false, 0.05, 0.8), (0.1, 0.1, true, 0.05, 0.8), (0.3, 0.05, false, 0.01, 0.9), (0.02, 0.5, true, 0.1, 0.95),
    ] as [(Double, Double, Bool, Double, Double)])
    func plan(baseline: Double, mde: Double, relative: Bool, alpha: Double, power: Double) throws {
        let expected = try LogbookStore.planSampleSize(baseline: baseline, effect: mde, relative: relative, alpha: alpha, power: power)
        let s = CLISession() // no store needed
        var args = ["ab", "plan", "--baseline", "\(baseline)", "--mde", "\(mde)", "--alpha", "\(alpha)", "--power", "\(power)"]
        if relative { args.append("--relative") }
        let human = s.run(args)
        #expect(human.status == 0 && human.output == String(expected.perArm), "\(human)")
        let json = s.run(args + ["--json"])
        #expect(json.status == 0)
        let j = json.json
        #expect(j["per_arm"] as? Int == expected.perArm)
        #expect((try? JSON(parsing: json.stdout))?["treatment_rate"]?.exactDouble == expected.treatmentRate)
        #expect(number(j["baseline"]) == baseline && number(j["alpha"]) == alpha && number(j["power"]) == power)
    }

    @Test("a sequential continuous test with guardrails: status follows the library after every batch")
    func sequential() throws {
        let s = Self.seeded()
        s.ok("ab", "create", "seq", "--model", "m", "--variant", "c=1:34", "--variant", "x=2:33", "--variant", "y=3:33",
             "--metric", "revenue", "--continuous", "--sequential", "--guardrail", "latency_ms:higher", "--min-sample", "100")
        s.ok("ab", "start", "seq")
        var g = SeededGenerator(seed: 11)
        for round in 0..<3 {
            let units = (0..<600).map { "r\(round)-\($0)" }
            let assigned = Self.pairs(s.run(["ab", "assign", "seq", "--units-file", "-"], stdin: units.joined(separator: "\n")).stdout)
            #expect(assigned.count == 600)
            var file = ""
            for (u, v) in assigned {
                let base = Double(g.next() % 1000) / 100
                file += "\(u)\t\(v == "y" ? base + 3 : base)\n"
                file += "\(u)\t\(Double(g.next() % 100) + (v == "x" ? 40 : 0))\tlatency_ms\n"
            }
            let r = s.run(["ab", "record", "seq", "--file", "-"], stdin: file)
            #expect(r.status == 0, "\(r)")
            let result = s.ok("ab", "status", "seq", "--json")
            Self.expectSameStatus(result.stdout, try LogbookStore(at: s.store, writable: false).abStatus("seq"))
            let status = result.json
            #expect(status["sequential"] as? Bool == true)
        }
        let status = s.ok("ab", "status", "seq", "--json").json
        let guardrails = status["guardrails"] as? [[String: Any]] ?? []
        #expect(guardrails.first { $0["variant"] as? String == "x" }?["violated"] as? Bool == true, "x is 40 ms slower")
        #expect(status["decision"] as? String == "winner:y")
        // The analysis uses Holm only without --sequential: p_value is the always-valid one here.
        let y = (status["comparisons"] as? [[String: Any]] ?? []).first { $0["variant"] as? String == "y" }
        #expect((number(y?["p_value"]) ?? 0) >= (number(y?["raw_p_value"]) ?? 1))
    }
}

extension JSON {
    /// A number exactly as written (integers too); nil for anything else.
    var exactDouble: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }

    /// The elements of an array; [] for anything else.
    var items: [JSON] {
        if case .array(let a) = self { return a }
        return []
    }
}
