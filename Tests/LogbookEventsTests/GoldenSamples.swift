import LogbookEvents

/// One representative sample per event case, encoded to Fixtures/codec/<type-name>.v<version>.bin. Optionals
/// (the reason included) are present in some and absent in others. Never change a sample without re-recording
/// its file and saying why: the file is the format.
enum GoldenSamples {
    static let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static let all: [Entry] = [
        // Tracking
        Entry("ana", nil, .experimentCreated(id: 1, name: "churn-model",
                                            tags: [KeyValue("team", "growth"), KeyValue("owner", "ana")])),
        Entry("ana", "naming convention", .experimentRenamed(id: 1, name: "churn-model-v2")),
        Entry("ops-bot", "duplicate of experiment 1", .experimentDeleted(id: 3)),
        Entry("ops-bot", nil, .experimentRestored(id: 3)),
        Entry("ana", nil, .runStarted(run: 7, id: "3f2a9c0e5b7d4e1f8a6b2c4d0e9f1a3b", experiment: 1,
                                      name: "xgb-depth6", parent: 5, tags: [KeyValue("mlflow.user", "ana")],
                                      source: "train.py", gitCommit: nil)),
        Entry("ana", nil, .paramsLogged(run: 7, params: [KeyValue("max_depth", "6"), KeyValue("learning_rate", "0.1"),
                                                        KeyValue("n_estimators", "300")])),
        Entry("ana", nil, .metricsLogged(run: 7, series: [
            MetricSeries(key: "train/loss", points: [
                MetricPoint(step: 0, value: 0.693, time: 1_767_225_600_000),
                MetricPoint(step: 1, value: 0.512, time: 1_767_225_601_000),
                MetricPoint(step: 2, value: 0.431, time: 1_767_225_602_250),
            ]),
            MetricSeries(key: "grad_norm", points: [
                MetricPoint(step: 2, value: .infinity, time: 1_767_225_602_250),
                MetricPoint(step: -1, value: -0.0, time: 1_767_225_601_999),
            ]),
            MetricSeries(key: "val/é", points: []),
        ])),
        Entry("ana", "tuning round 2", .tagsSet(run: 7, tags: [KeyValue("stage", "tuning"), KeyValue("note", "café ☕")])),
        Entry("ana", nil, .tagsDeleted(run: 7, keys: ["note", ""])),
        Entry("ana", nil, .artifactRecorded(run: 7, path: "model/model.pkl", size: 1_048_576, sha256: sha)),
        Entry("ana", nil, .datasetLinked(run: 7, name: "churn-2026-01", digest: "sha256:" + sha)),
        Entry("ana", nil, .runEnded(run: 7, status: .finished)),
        Entry("ops-bot", "wrong experiment", .runDeleted(run: 8)),
        Entry("ops-bot", nil, .runRestored(run: 8)),
        // Registry
        Entry("bo", "new churn model", .modelCreated(model: 2, name: "churn", description: "Predicts churn within 30 days",
                                                    owner: "growth-ml", purpose: nil, riskTier: .medium)),
        Entry("risk", "inventory review", .modelUpdated(model: 2, description: nil, owner: "risk-team",
                                                        purpose: "retention offers", riskTier: .high, validation: nil)),
        Entry("bo", "superseded", .modelDeleted(model: 4)),
        Entry("bo", nil, .modelRestored(model: 4)),
        Entry("bo", nil, .versionRegistered(model: 2, version: 3, run: 7, artifactPath: "model", artifactSHA256: sha,
                                            parent: 2, description: nil,
                                            datasets: [KeyValue("churn-2026-01", "sha256:" + sha)],
                                            metrics: [KeyValue("auc", "0.912")])),
        Entry("bo", "approved by risk", .stageChanged(model: 2, version: 3, from: .staging, to: .production, archived: [2])),
        Entry("bo", nil, .aliasSet(model: 2, alias: "champion", version: 3)),
        Entry("bo", nil, .aliasRemoved(model: 2, alias: "challenger")),
        Entry("risk", "policy v1", .policySet(model: 2, policy: PromotionPolicy(
            metric: "auc", lowerIsBetter: false, minimum: 0.85, improvementPercent: 2, maxLatencyMs: nil,
            requiresApproval: true, separateApprover: true))),
        Entry("bo", nil, .promotionEvaluated(model: 2, version: 3, evaluation: PromotionEvaluation(
            challengerValue: 0.912, champion: 2, championValue: 0.9, improvementPercent: 1.3333333333333346,
            latencyMs: nil, decision: .pendingApproval, explanation: "passes; waiting for an approver other than bo"))),
        Entry("risk", "checked the holdout", .promotionApproved(model: 2, version: 3)),
        Entry("risk", nil, .promotionRejected(model: 2, version: 4)),
        Entry("bo", "incident 4711", .rollbackPerformed(model: 2, toTime: 1_767_225_600_000, toSequence: 1234)),
        Entry("eve", "pricing test", .abTestCreated(
            test: 1, name: "checkout-v2", model: 2,
            variants: [ABVariant(name: "control", version: 3, weightBasisPoints: 9000),
                       ABVariant(name: "new", version: 4, weightBasisPoints: 1000)],
            metric: "converted", continuous: false, guardrails: [ABGuardrail(metric: "latency_ms", higherIsWorse: true)],
            minimumSample: 20_000, alpha: 0.05, salt: "checkout-v2", sequential: true)),
        Entry("eve", nil, .abTestStarted(test: 1)),
        Entry("svc", nil, .abUnitsAssigned(test: 1, units: ["u1", "user-42", "ü"], variants: [0, 1, 0])),
        Entry("svc", nil, .abOutcomesRecorded(test: 1, outcomes: [ABOutcome(unit: "u1", metric: 0, value: 1),
                                                                 ABOutcome(unit: "u1", metric: 1, value: 12.5)])),
        Entry("eve", "enough data", .abTestStopped(test: 1)),
        Entry("eve", nil, .abTestConcluded(test: 1, decision: "winner:new", promotedVariant: 1)),
        Entry("svc", nil, .predictionsLogged(model: 2, version: 3, latencies: [12.5, 0, 830.25],
                                             predictions: [0.31, nil, 1], actuals: [nil, nil, 0])),
        Entry("mo", "February traffic", .baselineSet(model: 2, version: 3, values: [0.1, 0.25, 0.9], source: "baseline.csv")),
        Entry("mo", nil, .driftChecked(model: 2, version: 3, since: 1_767_225_600_000, psi: 0.31, ksStatistic: 0.2,
                                       ksPValue: 1e-12, drifted: true, baselineSize: 1000, currentSize: 5000)),
        Entry("mo", nil, .alertRaised(model: 2, version: 3, kind: "drift", metric: "psi", threshold: 0.25, observed: 0.31,
                                      message: "predictions of version 3 drifted")),
        Entry("mo", "tighter for fraud", .monitorThresholdsSet(model: 2, psi: 0.1, ksPValue: 0.001, relativeDrop: 0.02)),
        Entry("ops", "disk error on /dev/sdb", .storeRepaired(truncatedAfter: 4711, removedBytes: 8192,
                                                              savedTo: "lost+found/repair-after-4711-1767225600000")),
        Entry("dpo", "retention of 2025 ended", .storePruned(
            throughSequence: 120_000, throughTime: 1_767_225_600_000,
            chain: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", segments: 3, bytes: 201_326_592)),
        Entry("dpo", "EU AI Act Art. 19: at least six months", .retentionSet(minDays: 183)),
        Entry("dpo", nil, .identityErased(pseudonym: "p-5f2b9c0d1e3a4b6c7d8e9f00")),
    ]

    /// The frozen `model.created` v1 sample and what it upcasts to.
    static let modelCreatedV1 = (actor: "ana", reason: "imported from MLflow", model: 1, name: "fraud",
                                 description: "Card fraud scores")
    static let modelCreatedV1Upcast = Entry("ana", "imported from MLflow", .modelCreated(
        model: 1, name: "fraud", description: "Card fraud scores", owner: nil, purpose: nil, riskTier: .unspecified))

    /// A test-only writer of `model.created` v1, the layout before the inventory fields:
    /// `[1][actor][reason?][model varint][name][description?]`.
    static func modelCreatedV1Payload(actor: String, reason: String?, model: Int, name: String,
                                      description: String?) -> [UInt8] {
        var b: [UInt8] = [1]
        func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 { b.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            b.append(UInt8(v))
        }
        func string(_ s: String) { varint(UInt64(s.utf8.count)); b += Array(s.utf8) }
        func optional(_ s: String?) { if let s { b.append(1); string(s) } else { b.append(0) } }
        string(actor)
        optional(reason)
        varint(UInt64(model))
        string(name)
        optional(description)
        return b
    }
}
