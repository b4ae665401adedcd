import Foundation
import LogbookEvents
import LogbookTestSupport

/// Fixtures/codec in the package (found from this file's path, so tests run from any directory).
let codecFixturesDirectory: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/LogbookEventsTests/CodecTestSupport.swift
    return parts.joined(separator: "/") + "/Fixtures/codec"
}()

/// Whether `LOGBOOK_RECORD_FIXTURES=1`: golden tests (re)write their files instead of only comparing.
let recordingFixtures = ProcessInfo.processInfo.environment["LOGBOOK_RECORD_FIXTURES"] == "1"

/// The golden file of a record type at a schema version: `<type-name>.v<version>.bin`.
func goldenPath(tag: UInt16, version: UInt8) -> String {
    "\(codecFixturesDirectory)/\(EventCodec.typeName(ofTag: tag) ?? "unknown-\(tag)").v\(version).bin"
}

func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Bytes as hex, 32 per line.
func hex(_ bytes: [UInt8]) -> String {
    stride(from: 0, to: bytes.count, by: 32).map { start in
        bytes[start..<min(start + 32, bytes.count)].map { String(format: "%02x", $0) }.joined(separator: " ")
    }.joined(separator: "\n")
}

/// One decoded (or to-be-encoded) payload.
struct Entry: Sendable, CustomStringConvertible {
    var actor: String
    var reason: String?
    var event: Event

    var tag: UInt16 { EventCodec.tag(of: event) }
    var typeName: String { EventCodec.typeName(of: event) }
    var payload: [UInt8] { EventCodec.encode(event, actor: actor, reason: reason) }
    var description: String { "\(typeName) actor=\(actor.debugDescription) reason=\(String(describing: reason)) \(event)" }

    init(_ actor: String, _ reason: String?, _ event: Event) {
        self.actor = actor; self.reason = reason; self.event = event
    }

    init(_ decoded: (actor: String, reason: String?, event: Event)) {
        self.init(decoded.actor, decoded.reason, decoded.event)
    }

    /// Equal field by field, every Double compared by bit pattern and every String by its UTF-8 bytes (`==` on
    /// `Event` compares optional Doubles with `==`, so NaN would never equal itself, and Strings by canonical
    /// equivalence).
    func isIdentical(to other: Entry) -> Bool {
        Array(actor.utf8) == Array(other.actor.utf8) && reason.map { Array($0.utf8) } == other.reason.map { Array($0.utf8) }
            && bitwiseKey(event) == bitwiseKey(other.event)
            && payload == other.payload // every string's exact bytes, via the (length-prefixed) encoding
    }
}

/// An event with every optional Double of a policy or evaluation replaced by 0 (keeping nil), plus the replaced
/// values' bit patterns: two events are identical when both parts are equal. (MetricPoint's `==` is bitwise.)
struct BitwiseKey: Equatable {
    var event: Event
    var bits: [UInt64?]
}

func bitwiseKey(_ event: Event) -> BitwiseKey {
    var bits: [UInt64?] = []
    func strip(_ d: Double?) -> Double? {
        bits.append(d?.bitPattern)
        return d.map { _ in 0 }
    }
    switch event {
    case let .predictionsLogged(model, version, latencies, predictions, actuals):
        bits += latencies.map(\.bitPattern) + predictions.map { $0?.bitPattern } + actuals.map { $0?.bitPattern }
        return BitwiseKey(event: .predictionsLogged(model: model, version: version, latencies: latencies.map { _ in 0 },
                                                    predictions: predictions.map { $0.map { _ in 0 } },
                                                    actuals: actuals.map { $0.map { _ in 0 } }), bits: bits)
    case let .baselineSet(model, version, values, source):
        bits += values.map(\.bitPattern)
        return BitwiseKey(event: .baselineSet(model: model, version: version, values: values.map { _ in 0 }, source: source), bits: bits)
    case let .driftChecked(model, version, since, psi, d, p, drifted, baselineSize, currentSize):
        bits += [psi.bitPattern, d.bitPattern, p.bitPattern]
        return BitwiseKey(event: .driftChecked(model: model, version: version, since: since, psi: 0, ksStatistic: 0, ksPValue: 0,
                                               drifted: drifted, baselineSize: baselineSize, currentSize: currentSize), bits: bits)
    case let .alertRaised(model, version, kind, metric, threshold, observed, message):
        bits += [threshold.bitPattern, observed.bitPattern]
        return BitwiseKey(event: .alertRaised(model: model, version: version, kind: kind, metric: metric, threshold: 0,
                                              observed: 0, message: message), bits: bits)
    case let .monitorThresholdsSet(model, psi, p, drop):
        bits += [psi.bitPattern, p.bitPattern, drop.bitPattern]
        return BitwiseKey(event: .monitorThresholdsSet(model: model, psi: 0, ksPValue: 0, relativeDrop: 0), bits: bits)
    case let .abTestCreated(test, name, model, variants, metric, continuous, guardrails, minimumSample, alpha, salt, sequential):
        bits.append(alpha.bitPattern)
        return BitwiseKey(event: .abTestCreated(test: test, name: name, model: model, variants: variants, metric: metric,
                                                continuous: continuous, guardrails: guardrails, minimumSample: minimumSample,
                                                alpha: 0, salt: salt, sequential: sequential), bits: bits)
    case .policySet(let model, var p):
        p.minimum = strip(p.minimum)
        p.improvementPercent = strip(p.improvementPercent)
        p.maxLatencyMs = strip(p.maxLatencyMs)
        return BitwiseKey(event: .policySet(model: model, policy: p), bits: bits)
    case .promotionEvaluated(let model, let version, var e):
        e.challengerValue = strip(e.challengerValue)
        e.championValue = strip(e.championValue)
        e.improvementPercent = strip(e.improvementPercent)
        e.latencyMs = strip(e.latencyMs)
        return BitwiseKey(event: .promotionEvaluated(model: model, version: version, evaluation: e), bits: bits)
    default:
        return BitwiseKey(event: event, bits: [])
    }
}

/// Decodes, returning the error instead of throwing it.
func decodeResult(tag: UInt16, _ payload: [UInt8]) -> Result<Entry, CodecError> {
    Result { () throws(CodecError) in Entry(try EventCodec.decode(tag: tag, payload: payload)) }
}

/// Streams a metrics payload, returning (run, key, point) triples or the error.
func streamMetrics(_ payload: [UInt8]) -> Result<[(run: Int, key: String, point: MetricPoint)], CodecError> {
    var out: [(run: Int, key: String, point: MetricPoint)] = []
    do {
        _ = try payload.withUnsafeBytes { b in
            try EventCodec.forEachMetricPoint(payload: b) { run, key, point in
                out.append((run, String(decoding: key, as: UTF8.self), point))
            }
        }
        return .success(out)
    } catch let e as CodecError {
        return .failure(e)
    } catch {
        fatalError("unexpected error \(error)")
    }
}

import Testing

extension Entry: CustomTestStringConvertible {
    var testDescription: String { typeName }
}
