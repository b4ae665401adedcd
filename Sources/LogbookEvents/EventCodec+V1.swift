// Frozen decoders of older schema versions. Never edit one: the bytes they read are in stores already.
// Each reads everything after the version byte and upcasts to the current case.
extension EventCodec {
    /// Decodes an older version of `type`, or returns nil when `version` is not one this Logbook reads.
    static func decodeFrozen(_ type: EventType, version: UInt8, _ r: inout BinaryReader) throws(CodecError)
        -> (actor: String, reason: String?, event: Event)?
    {
        switch (type, version) {
        case (.modelCreated, 1): return try decodeModelCreatedV1(&r)
        default: return nil
        }
    }

    /// `model.created` v1 (before the model-risk inventory fields):
    /// `[1][actor string][reason string?][model varint][name string][description string?]`.
    /// Upcast: owner and purpose nil, risk tier `.unspecified`.
    static func decodeModelCreatedV1(_ r: inout BinaryReader) throws(CodecError)
        -> (actor: String, reason: String?, event: Event)
    {
        let actor = try r.string()
        let reason = try r.optionalString()
        let model = try r.int()
        let name = try r.string()
        let description = try r.optionalString()
        return (actor, reason, .modelCreated(model: model, name: name, description: description, owner: nil,
                                             purpose: nil, riskTier: .unspecified))
    }
}
