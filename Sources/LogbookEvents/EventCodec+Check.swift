// Checking a payload without building its event: replay keeps the big events of a part that is not read yet (A/B
// units and outcomes, predictions) as checked bytes, and decodes them when the part is first read.
extension EventCodec {
    /// Checks a payload of record type `tag` as ``decode(tag:payload:)`` does: it throws exactly when `decode` throws,
    /// with the same error. `ab.assigned`, `ab.outcomes_recorded` and `predictions.logged` are walked in place
    /// (their strings validated, nothing built); other types are decoded. - Returns: the actor.
    public static func check(tag: UInt16, payload: UnsafeRawBufferPointer) throws(CodecError) -> String {
        guard let type = EventType(rawValue: tag) else { throw .unknownType(tag) }
        var r = BinaryReader(payload)
        guard try r.u8() == type.currentVersion else { return try decode(tag: tag, payload: payload).actor }
        let (actor, _) = try readEnvelope(&r)
        switch type {
        case .abUnitsAssigned:
            _ = try r.int()
            for _ in 0..<(try r.count(minimumElementSize: ElementLayout.assignment)) { _ = try assignment(&r) }
        case .abOutcomesRecorded:
            _ = try r.int()
            for _ in 0..<(try r.count(minimumElementSize: ElementLayout.outcome)) { _ = try outcome(&r) }
        case .predictionsLogged:
            _ = try r.int(); _ = try r.int()
            for _ in 0..<(try r.count(minimumElementSize: ElementLayout.prediction)) { _ = try prediction(&r) }
        default:
            _ = try decodeFields(type, &r)
        }
        try r.finish()
        return actor
    }

    /// Decodes a payload that ``check(tag:payload:)`` accepted: that it decodes is a fact, so a failure here is a
    /// bug (the two walks disagree), not bad input.
    public static func decodeChecked(tag: UInt16, payload: [UInt8]) -> Event {
        do {
            return try decode(tag: tag, payload: payload).event
        } catch {
            preconditionFailure("a checked payload of type \(tag) does not decode: \(error)")
        }
    }

    /// The smallest encoded size of one element of the lists below (used to check counts against the bytes left).
    enum ElementLayout {
        /// An empty unit (1) and a one-byte variant.
        static let assignment = 2
        /// An empty unit (1), a one-byte metric and the 8-byte value.
        static let outcome = 10
        /// The flags byte and the 8-byte latency.
        static let prediction = 9
    }

    /// One unit of `ab.assigned`: its UTF-8 bytes (validated, borrowed from the payload) and its variant.
    @inline(__always)
    static func assignment(_ r: inout BinaryReader) throws(CodecError) -> (unit: UnsafeRawBufferPointer, variant: Int) {
        let unit = try r.stringBytes()
        return (unit, try r.int())
    }

    /// One outcome of `ab.outcomes_recorded`: the unit's UTF-8 bytes (validated, borrowed), metric and value.
    @inline(__always)
    static func outcome(_ r: inout BinaryReader) throws(CodecError) -> (unit: UnsafeRawBufferPointer, metric: Int, value: Double) {
        let unit = try r.stringBytes(); let metric = try r.int()
        return (unit, metric, try r.double())
    }

    /// One prediction of `predictions.logged`: flags (bit 0 a prediction, bit 1 an actual), latency, then the two
    /// values present.
    @inline(__always)
    static func prediction(_ r: inout BinaryReader) throws(CodecError) -> (latency: Double, prediction: Double?, actual: Double?) {
        let flags = try r.flags(allowed: 3)
        let latency = try r.double()
        let prediction = flags & 1 != 0 ? try r.double() : nil
        return (latency, prediction, flags & 2 != 0 ? try r.double() : nil)
    }
}
