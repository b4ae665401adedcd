extension EventCodec {
    /// The record type of `metrics.logged`, the event replay reads through ``forEachMetricPoint(payload:_:)``.
    public static let metricsLoggedTag: UInt16 = EventType.metricsLogged.rawValue
    /// The record types of the big A/B and monitoring events, which replay may keep checked and undecoded
    /// (``check(tag:payload:)``).
    public static let abUnitsAssignedTag: UInt16 = EventType.abUnitsAssigned.rawValue
    public static let abOutcomesRecordedTag: UInt16 = EventType.abOutcomesRecorded.rawValue
    public static let predictionsLoggedTag: UInt16 = EventType.predictionsLogged.rawValue
    /// The record type of `store.pruned` (verification reads it to check the prune checkpoint).
    public static let storePrunedTag: UInt16 = EventType.storePruned.rawValue

    /// The actor's UTF-8 bytes (validated) of any payload, borrowed from it, without decoding the rest (every
    /// version writes the actor right after the version byte).
    public static func actorBytes(payload: UnsafeRawBufferPointer) throws(CodecError) -> UnsafeRawBufferPointer {
        var r = BinaryReader(payload)
        _ = try r.u8()
        return try r.stringBytes()
    }
}
