internal import LogbookEvents
internal import LogbookStorage

/// The big events of a part not read yet (A/B units and outcomes, predictions) wait in it as checked payloads and
/// are decoded when it is first read: a command that reads neither part pays for reading their bytes only.
extension LogbookState {
    /// Whether an event of record type `tag` would wait, undecoded, for the first read of its part.
    func waitsUndecoded(tag: UInt16) -> Bool {
        switch tag {
        case EventCodec.abUnitsAssignedTag, EventCodec.abOutcomesRecordedTag: !abPart.isDecoded
        case EventCodec.predictionsLoggedTag: !monitoring.isDecoded
        default: false
        }
    }

    /// Keeps the event in `payload` (accepted by ``EventCodec/check(tag:payload:)``, and `waitsUndecoded(tag:)`)
    /// in its part, copied, to be decoded and applied when the part is first read. The envelope is noted by the
    /// caller.
    mutating func applyUndecoded(tag: UInt16, payload: UnsafeRawBufferPointer, timestamp: Int64, actor: String,
                                 position: LogPosition) {
        let bytes = [UInt8](payload)
        let event: @Sendable () -> Event = { EventCodec.decodeChecked(tag: tag, payload: bytes) }
        if tag == EventCodec.predictionsLoggedTag {
            monitoring.change(predictionsChange(event, timestamp: timestamp, position: position), holding: bytes.count)
        } else {
            abPart.change({ $0.apply(event(), timestamp: timestamp, actor: actor, position: position) },
                          holding: bytes.count)
        }
    }

    /// What a `predictions.logged` event (`event`, decoded when the change is made) does to monitoring. Whether
    /// the model exists is asked of the registry as it is now, even when monitoring is read later.
    func predictionsChange(_ event: @escaping @Sendable () -> Event, timestamp: Int64,
                           position: LogPosition) -> LazyPart<Monitoring>.Change {
        let registryNow = registry
        return { m in
            Self.applyPredictions(event(), to: &m, models: registryNow.value.count, timestamp: timestamp, position: position)
        }
    }

    /// Applies a `predictions.logged` event to monitoring, where the registry holds `models` models: predictions
    /// for a model it does not hold are ignored.
    static func applyPredictions(_ event: Event, to m: inout Monitoring, models: Int, timestamp: Int64,
                                 position: LogPosition) {
        guard case let .predictionsLogged(model, version, latencies, predictions, actuals) = event,
              model >= 1 && model <= models else { return }
        let i = m.slot(model: model, version: version)
        m.monitors[i].apply(latencies: latencies, predictions: predictions, actuals: actuals, time: timestamp,
                            position: position)
    }
}
