import Logbook
import LogbookEvents
import LogbookStorage

/// `logbook demo [DIR]`: builds a seeded, realistic store through the library (fixed timestamps, a deterministic
/// random generator), then prints a guided tour: the commands a user would type, each with its real output.
enum DemoCommand {
    static func run(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let io = FileIO()
        let dir: String
        if let given = inv.positionals.first {
            // Only an explicitly named directory can exist already: the default picks a fresh name.
            guard !io.exists(given) else {
                throw LogbookError(.refused, "'\(given)' already exists; remove it or name another directory: logbook demo DIR")
            }
            dir = given
        } else {
            var candidate = "logbook-demo"
            var n = 2
            while io.exists(candidate) { candidate = "logbook-demo-\(n)"; n += 1 }
            dir = candidate
        }
        inv.message("Building a demo store in '\(dir)'...")
        let facts = try build(dir)
        tour(dir, facts, inv.console)
        return 0
    }

    // MARK: Building

    /// What the tour needs to know about the store it built.
    struct Facts {
        var bestRun = ""
        var beforeRollback: Int64 = 0
        var digest = ""
    }

    /// A deterministic generator (SplitMix64), so every demo store is the same.
    struct SeededRandom {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

        /// Roughly normal (sum of uniforms), mean 0, standard deviation `sd`.
        mutating func noise(_ sd: Double) -> Double {
            var s = 0.0
            for _ in 0..<12 { s += unit() }
            return (s - 6) * sd
        }

        /// `count` hex digits.
        mutating func hex(_ count: Int) -> String {
            var out = ""
            while out.count < count {
                let h = String(next(), radix: 16)
                out += String(repeating: "0", count: 16 - h.count) + h
            }
            return String(out.prefix(count))
        }

        mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    }

    /// The demo's clock: fixed timestamps that only move forward.
    struct Clock {
        var now: Int64

        mutating func advance(minutes: Double) { now += Int64(minutes * 60_000) }

        mutating func set(_ iso: String) {
            let t = Timestamp.parse(iso)!
            precondition(t >= now, "the demo clock goes back at \(iso)")
            now = t
        }
    }

    /// One training configuration of the churn sweep.
    struct Config {
        var lr: String
        var depth: Int
        var trees: Int
        /// Final validation AUC.
        var auc: Double
        var latency: Double
        var failed = false
    }

    static func build(_ dir: String) throws(LogbookError) -> Facts {
        var random = SeededRandom(state: 20_260_301)
        var clock = Clock(now: Timestamp.parse("2026-03-02T09:00:00Z")!)
        var facts = Facts()
        let store = try LogbookStore(at: dir, writable: true)
        func ctx(_ actor: String, _ reason: String? = nil) -> WriteContext {
            WriteContext(actor: actor, reason: reason, time: clock.now)
        }

        // Experiments.
        try store.createExperiment(name: "churn", tags: [KeyValue("team", "growth")], ctx("alice"))
        clock.advance(minutes: 1)
        try store.createExperiment(name: "fraud", tags: [KeyValue("team", "risk")], ctx("dave"))
        clock.advance(minutes: 4)

        // The churn sweep: a parent run with nested runs, each with metric curves of 300 steps.
        let commit = random.hex(40)
        let trainDigest = SHA256.hash(Array("churn-train-2026-02.parquet".utf8)).hex
        let sweep = try store.startRun(experiment: "churn", name: "lr-sweep", id: random.hex(12),
                                       tags: [KeyValue("kind", "sweep")], gitCommit: commit, source: "train_churn.py",
                                       ctx("alice"))
        try store.logToRun(sweep.id, params: [KeyValue("search", "grid"), KeyValue("folds", "5")], ctx("alice"))
        let configs = [
            Config(lr: "0.1", depth: 8, trees: 400, auc: 0.702, latency: 31, failed: true),
            Config(lr: "0.003", depth: 6, trees: 300, auc: 0.842, latency: 24),
            Config(lr: "0.01", depth: 6, trees: 200, auc: 0.846, latency: 22),
            Config(lr: "0.03", depth: 8, trees: 400, auc: 0.871, latency: 38),
        ]
        var churnRuns: [String] = []
        for c in configs {
            clock.advance(minutes: 2)
            let run = try store.startRun(experiment: "churn", name: "lr-\(c.lr)-d\(c.depth)", id: random.hex(12),
                                         parent: sweep.id, tags: [KeyValue("lr", c.lr)], gitCommit: commit,
                                         source: "train_churn.py", ctx("alice"))
            churnRuns.append(run.id)
            try store.logToRun(run.id, params: [KeyValue("lr", c.lr), KeyValue("max_depth", String(c.depth)),
                                                KeyValue("n_estimators", String(c.trees))], ctx("alice"))
            try store.linkDataset(run.id, name: "churn-train-2026-02", digest: trainDigest, ctx("alice"))
            // 300 steps, flushed every 50 steps as one write, the way a training loop logs.
            for chunk in 0..<6 {
                var auc = MetricSeries(key: "auc", points: [])
                var loss = MetricSeries(key: "val_loss", points: [])
                for step in (chunk * 50)..<(chunk * 50 + 50) {
                    let t = clock.now + Int64(step - chunk * 50) * 2_000
                    let progress = Double(step) / (Double(step) + 25)
                    var a = 0.5 + (c.auc - 0.5) * progress + random.noise(0.004)
                    var l = 0.69 - (0.69 - (1.2 - c.auc)) * progress + random.noise(0.006)
                    if c.failed && step > 240 { a = .nan; l = .infinity }
                    a = (a * 10_000).rounded() / 10_000
                    l = (l * 10_000).rounded() / 10_000
                    auc.points.append(MetricPoint(step: Int64(step), value: a, time: t))
                    loss.points.append(MetricPoint(step: Int64(step), value: l, time: t))
                }
                clock.advance(minutes: 100.0 / 60)
                if chunk == 5 && !c.failed {
                    // The final value: the one the registry compares.
                    auc.points.append(MetricPoint(step: 300, value: c.auc, time: clock.now))
                }
                try store.logToRun(run.id, metrics: [auc, loss], ctx("alice"))
            }
            if c.failed {
                try store.logToRun(run.id, tags: [KeyValue("failure", "loss diverged at step 241")], ctx("alice"))
                try store.endRun(run.id, status: .failed, ctx("alice"))
                continue
            }
            try store.logToRun(run.id, metrics: [MetricSeries(key: "latency_ms", points: [
                MetricPoint(step: 0, value: c.latency, time: clock.now)])], ctx("alice"))
            var bytes = Array("churn-model lr=\(c.lr) depth=\(c.depth) trees=\(c.trees)\n".utf8)
            bytes += random.bytes(2048)
            try store.addArtifact(run.id, bytes: bytes, path: "model/model.bin", ctx("alice"))
            try store.endRun(run.id, status: .finished, ctx("alice"))
        }
        clock.advance(minutes: 1)
        try store.endRun(sweep.id, status: .finished, ctx("alice"))
        facts.bestRun = churnRuns[3]

        // Fraud: two plain runs.
        var fraudRuns: [String] = []
        for (i, prAUC) in [0.612, 0.655].enumerated() {
            clock.advance(minutes: 7)
            let run = try store.startRun(experiment: "fraud", name: i == 0 ? "xgb-baseline" : "xgb-graph-features",
                                         id: random.hex(12), gitCommit: random.hex(40), source: "train_fraud.py",
                                         ctx("dave"))
            fraudRuns.append(run.id)
            try store.logToRun(run.id, params: [KeyValue("features", i == 0 ? "tabular" : "tabular+graph")],
                               metrics: [MetricSeries(key: "pr_auc", points: (0..<200).map { step in
                                   MetricPoint(step: Int64(step),
                                               value: ((prAUC * Double(step) / (Double(step) + 15) + random.noise(0.003)) * 10_000).rounded() / 10_000,
                                               time: clock.now + Int64(step) * 1_000)
                               } + [MetricPoint(step: 200, value: prAUC, time: clock.now + 200_000)])],
                               ctx("dave"))
            clock.advance(minutes: 4)
            try store.addArtifact(run.id, bytes: random.bytes(1024), path: "model.json", ctx("dave"))
            try store.endRun(run.id, ctx("dave"))
        }

        // The registry.
        clock.set("2026-03-02T14:00:00Z")
        try store.createModel(name: "churn-classifier", description: "Weekly churn-risk score per subscriber",
                              owner: "growth-ml", purpose: "targeting of retention offers", riskTier: .medium, ctx("bob"))
        clock.advance(minutes: 2)
        _ = try store.registerVersion(model: "churn-classifier", run: churnRuns[1], artifact: "model/model.bin",
                                      description: "baseline, lr 0.003", ctx("bob"))
        clock.advance(minutes: 3)
        try store.setStage(model: "churn-classifier", version: 1, stage: .production,
                           ctx("bob", "first release: offline AUC 0.842 on the February holdout"))
        clock.advance(minutes: 60)
        try store.setPolicy(model: "churn-classifier",
                            PromotionPolicy(metric: "auc", minimum: 0.8, improvementPercent: 1, maxLatencyMs: 50,
                                            requiresApproval: true, separateApprover: true),
                            ctx("carol", "release policy agreed with the risk committee"))
        clock.advance(minutes: 5)
        try store.createModel(name: "fraud-detector", description: "Card-not-present fraud score", owner: "risk-ml",
                              purpose: "hold suspicious payments for review", riskTier: .high, ctx("dave"))
        clock.advance(minutes: 1)
        _ = try store.registerVersion(model: "fraud-detector", run: fraudRuns[0], artifact: "model.json", ctx("dave"))
        clock.advance(minutes: 1)
        try store.setStage(model: "fraud-detector", version: 1, stage: .production, ctx("dave", "initial deployment"))
        clock.advance(minutes: 20)
        _ = try store.registerVersion(model: "fraud-detector", run: fraudRuns[1], artifact: "model.json", parent: 1,
                                      description: "adds graph features", ctx("dave"))
        clock.advance(minutes: 2)
        try store.setStage(model: "fraud-detector", version: 2, stage: .staging, ctx("dave", "canary on 5% of eu-west traffic"))
        try store.updateModel("fraud-detector", validation: .pending, ctx("erin"))

        // Day 2: a rejected promotion, a promotion that waits for approval, an approval by someone else.
        clock.set("2026-03-03T10:00:00Z")
        _ = try store.registerVersion(model: "churn-classifier", run: churnRuns[2], artifact: "model/model.bin",
                                      parent: 1, description: "fewer trees, lr 0.01", ctx("alice"))
        clock.advance(minutes: 5)
        _ = try store.promote(model: "churn-classifier", version: 2, ctx("alice"))
        clock.advance(minutes: 10)
        try store.setStage(model: "churn-classifier", version: 2, stage: .archived,
                           ctx("bob", "rejected by the policy: +0.48% AUC is below the 1% bar"))
        clock.advance(minutes: 45)
        _ = try store.registerVersion(model: "churn-classifier", run: churnRuns[3], artifact: "model/model.bin",
                                      parent: 1, description: "deeper trees, lr 0.03", ctx("alice"))
        clock.advance(minutes: 5)
        _ = try store.promote(model: "churn-classifier", version: 3, ctx("alice"))
        clock.set("2026-03-03T14:30:00Z")
        try store.approve(model: "churn-classifier", version: 3,
                          ctx("carol", "reviewed the offline evaluation and the fairness report"))
        clock.advance(minutes: 2)
        try store.setAlias(model: "churn-classifier", alias: "champion", version: 3, ctx("bob", "new champion after approval"))
        try store.updateModel("churn-classifier", validation: .validated, ctx("erin"))
        facts.beforeRollback = Timestamp.parse("2026-03-04T08:00:00Z")!

        // Day 3: an incident and a rollback.
        clock.set("2026-03-04T09:30:00Z")
        try store.rollback(model: "churn-classifier",
                           ctx("carol", "p99 latency regression after the v3 rollout (INC-4821)"))
        clock.advance(minutes: 3)
        try store.setAlias(model: "churn-classifier", alias: "champion", version: 1, ctx("bob", "follow the rollback"))
        let d = try store.digest()
        facts.digest = "\(d.sequence):\(d.chain.hex)"
        try store.close()
        return facts
    }

    // MARK: The tour

    static func tour(_ dir: String, _ facts: Facts, _ console: Console) {
        func say(_ text: String) { console.line(text) }
        func show(_ args: [String], note: String? = nil, maxLines: Int = 40) {
            say("  $ logbook " + args.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
            let captured = Console.capture()
            let status = LogbookCLI.main(["logbook"] + args + ["--store", dir], environment: Environment([:]),
                                         console: captured)
            captured.flush()
            var text = captured.outputText
            if text.hasSuffix("\n") { text.removeLast() }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for line in lines.prefix(maxLines) { say("    " + line) }
            if lines.count > maxLines { say("    ... (\(lines.count - maxLines) more lines)") }
            if status != 0 { say("    (exit \(status)) " + captured.capturedError.split(separator: "\n").joined(separator: " ")) }
            if let note { say("  " + note) }
            say("")
        }
        say("""
        Logbook demo: a store in '\(dir)' with two experiments (a nested learning-rate sweep with 300-step metric
        curves, and a fraud model), two registered models, a promotion policy, a rejected promotion, an approval by
        a second person, a rollback, and an audit trail that proves itself. Try the commands yourself:

          export LOGBOOK_STORE=\(dir)

        1. Which churn run is best by AUC?
        """)
        show(["run", "best", "--experiment", "churn", "--metric", "auc"])
        say("   Its AUC curve, step by step (first points):")
        show(["run", "history", facts.bestRun, "--metric", "auc"], maxLines: 6)
        say("2. What is in production now?")
        show(["model", "resolve", "churn-classifier@production"])
        say("3. What was in production on 2026-03-04 at 08:00, and how did it get there?")
        show(["model", "resolve", "churn-classifier@production", "--at", "2026-03-04T08:00:00Z"])
        show(["model", "history", "churn-classifier"],
             note: "Version 2 was refused by the policy, version 3 waited for carol's approval, and carol rolled back to version 1.")
        say("4. The full audit trail of one model (with --json: JSON Lines, the export format):")
        show(["audit", "log", "--entity", "model:churn-classifier"])
        say("5. Prove that nobody changed the history. The digest taken when the demo finished:")
        show(["audit", "digest"])
        show(["audit", "verify", "--digest", facts.digest],
             note: "Keep digests elsewhere (a ticket, a chat, a second system); any later change to a byte fails 'verify' with exit 5.")
        say("6. The change record of version 3 (registration, evaluation, approval, stage and alias changes, rollback):")
        show(["audit", "trail", "model:churn-classifier/3"])
        say("7. An auditor's bundle, checked without Logbook by its own verify.py (Python 3 standard library only):")
        show(["audit", "export", "--out", dir + "/audit-bundle"])
        say("  $ python3 \(dir)/audit-bundle/verify.py --digest \(facts.digest.prefix(24))…")
        say("    (prints 'OK: ...' and exits 0; 'logbook audit verify --bundle' checks the same)")
        say("")
        say("More: logbook --help, logbook run list --experiment churn, logbook model compare churn-classifier --metric auc,")
        say("      logbook model lineage churn-classifier 3, logbook export > events.jsonl")
    }
}
