/// The versioned binary encoding of events: the payload of one log record. The record type (the frame's u16
/// type field) is ``tag(of:)``; tags and type names are in EventTypeName.swift.
///
/// ## Payload
/// `[schema version u8][actor: string][reason: optional string][fields of the case]`, where the version is that
/// of the record type (1 for every type except `model.created`, which is at 2). Encoding always writes the current
/// version; decoding reads every version in ``readableVersions(ofTag:)`` and upcasts older ones
/// (EventCodec+V1.swift holds their frozen decoders).
///
/// ## Primitives
/// - varint: unsigned LEB128, shortest form (a longer form, or more than 64 bits, is rejected). Used for counts,
///   lengths, ordinals (`Int`: the varint of its 64-bit two's-complement pattern) and `UInt64`.
/// - zigzag: a signed `Int64` as a varint of `(v << 1) ^ (v >> 63)`.
/// - double: the 8 bytes of the bit pattern, little-endian (NaN payloads, ±Inf, -0.0 kept).
/// - string: varint byte length, then UTF-8 (validated on decode).
/// - optional: a presence byte, 0 (absent) or 1 (present, followed by the value); any other byte is invalid.
/// - enum: u8 raw value; an unknown raw value is invalid. `[T]`: varint count, then the elements.
/// - key-value: two strings.
///
/// ## Fields (current versions)
/// | tag | type name | fields |
/// |---:|---|---|
/// | 1 | experiment.created | id varint, name string, tags [key-value] |
/// | 2 | experiment.renamed | id varint, name string |
/// | 3 | experiment.deleted | id varint |
/// | 4 | experiment.restored | id varint |
/// | 5 | run.started | run varint, id string, experiment varint, name string, parent varint?, tags [key-value], source string?, gitCommit string? |
/// | 6 | params.logged | run varint, params [key-value] |
/// | 7 | metrics.logged | run varint, series count varint, per series: key string, point count varint, per point: step zigzag delta, time zigzag delta, value double |
/// | 8 | tags.set | run varint, tags [key-value] |
/// | 9 | tags.deleted | run varint, keys [string] |
/// | 10 | artifact.recorded | run varint, path string, size zigzag, sha256 string |
/// | 11 | dataset.linked | run varint, name string, digest string |
/// | 12 | run.ended | run varint, status u8 (RunStatus) |
/// | 13 | run.deleted | run varint |
/// | 14 | run.restored | run varint |
/// | 32 | model.created (v2) | model varint, name string, description string?, owner string?, purpose string?, riskTier u8 |
/// | 33 | model.updated | model varint, description string?, owner string?, purpose string?, riskTier u8?, validation u8? |
/// | 34 | model.deleted | model varint |
/// | 35 | model.restored | model varint |
/// | 36 | version.registered | model varint, version varint, run varint, artifactPath string?, artifactSHA256 string?, parent varint?, description string?, datasets [key-value], metrics [key-value] |
/// | 37 | stage.changed | model varint, version varint, from u8, to u8 (Stage), archived [varint] |
/// | 38 | alias.set | model varint, alias string, version varint |
/// | 39 | alias.removed | model varint, alias string |
/// | 40 | policy.set | model varint, metric string, flags u8 (bit 0 lowerIsBetter, bit 1 requiresApproval, bit 2 separateApprover; other bits 0), minimum double?, improvementPercent double?, maxLatencyMs double? |
/// | 41 | promotion.evaluated | model varint, version varint, challengerValue double?, champion varint?, championValue double?, improvementPercent double?, latencyMs double?, decision u8, explanation string |
/// | 42 | promotion.approved | model varint, version varint |
/// | 43 | promotion.rejected | model varint, version varint |
/// | 44 | rollback.performed | model varint, toTime zigzag?, toSequence varint? |
/// | 64 | ab.created | test varint, name string, model varint, variants [name string, version varint, weight varint], metric string, flags u8 (bit 0 continuous, bit 1 sequential), guardrails [metric string, higherIsWorse u8], minimumSample varint, alpha double, salt string |
/// | 65 | ab.started | test varint |
/// | 66 | ab.assigned | test varint, [unit string, variant varint] |
/// | 67 | ab.outcomes_recorded | test varint, [unit string, metric varint, value double] |
/// | 68 | ab.stopped | test varint |
/// | 69 | ab.concluded | test varint, decision string, promotedVariant varint? |
/// | 120 | store.repaired | truncatedAfter varint, removedBytes zigzag, savedTo string |
/// | 121 | store.pruned | throughSequence varint, throughTime zigzag, chain string (64 hex), segments varint, bytes zigzag |
/// | 122 | retention.set | minDays varint |
/// | 123 | identity.erased | pseudonym string |
///
/// Frozen: `model.created` v1 = model varint, name string, description string? (upcast with owner and purpose
/// nil, riskTier `.unspecified`).
///
/// In `metrics.logged`, each series' first point's step and time are deltas from 0, later ones from the
/// previous point of the same series (wrapping 64-bit arithmetic, so any Int64 round-trips). A payload must end
/// exactly after its last field: trailing bytes are rejected, so every byte is accounted for and the encoding is
/// canonical (a payload that decodes re-encodes to the same bytes, older versions aside).
public enum EventCodec {
    /// Appends the payload for (actor, reason, event) to `buffer`: [schema version u8][actor][reason?][fields].
    public static func encode(_ event: Event, actor: String, reason: String?, into buffer: inout [UInt8]) {
        var w = BinaryWriter()
        swap(&w.bytes, &buffer)
        defer { swap(&w.bytes, &buffer) }
        w.u8(EventType(of: event).currentVersion)
        w.string(actor)
        w.optionalString(reason)
        encodeFields(event, &w)
    }

    /// The payload for (actor, reason, event) as a new array.
    public static func encode(_ event: Event, actor: String, reason: String?) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(event, actor: actor, reason: reason, into: &bytes)
        return bytes
    }

    /// Decodes a payload of record type `tag`. Throws CodecError, never traps, on any bytes.
    public static func decode(tag: UInt16, payload: UnsafeRawBufferPointer) throws(CodecError)
        -> (actor: String, reason: String?, event: Event)
    {
        guard let type = EventType(rawValue: tag) else { throw .unknownType(tag) }
        var r = BinaryReader(payload)
        let version = try r.u8()
        // The version decides the layout of everything after it, the envelope included.
        let result: (actor: String, reason: String?, event: Event)
        if version == type.currentVersion {
            let (actor, reason) = try readEnvelope(&r)
            result = (actor, reason, try decodeFields(type, &r))
        } else if let frozen = try decodeFrozen(type, version: version, &r) {
            result = frozen
        } else {
            throw .unsupportedVersion(type: tag, version: version)
        }
        try r.finish()
        return result
    }

    /// Decodes a payload held in an array.
    public static func decode(tag: UInt16, payload: [UInt8]) throws(CodecError)
        -> (actor: String, reason: String?, event: Event)
    {
        let result = payload.withUnsafeBytes { b in
            Result { () throws(CodecError) in try decode(tag: tag, payload: b) }
        }
        return try result.get()
    }

    /// Actor and reason, as every version so far writes them after the version byte.
    static func readEnvelope(_ r: inout BinaryReader) throws(CodecError) -> (actor: String, reason: String?) {
        let actor = try r.string()
        return (actor, try r.optionalString())
    }

    /// Policy flag bits.
    enum PolicyFlag {
        static let lowerIsBetter: UInt8 = 1 << 0
        static let requiresApproval: UInt8 = 1 << 1
        static let separateApprover: UInt8 = 1 << 2
        static let all: UInt8 = lowerIsBetter | requiresApproval | separateApprover
    }
}
