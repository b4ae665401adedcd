internal import LogbookEvents
internal import LogbookStorage

extension LogbookStore {
    /// A state for reading one model as of a past moment ("what was in production last Tuesday"), in time that
    /// depends on that model's history only, not on how much else the log holds.
    ///
    /// Every event that changes a model is in its own event list, so folding those events up to the moment gives
    /// exactly the model that a full `state(at:)` would hold. The returned state is the current one with the model of
    /// that name as it was then, or with no model of that name if none existed yet. Everything else in it is
    /// current: callers may read from it only what never changes once written (a version's run id).
    /// A pruned store takes the general path (the model's first events may be gone from the log).
    package func state(at moment: Moment, forModel name: String) throws(LogbookError) -> LogbookState {
        try state(at: moment) { n throws(LogbookError) in
            var s = state
            s.modelByName[name] = nil
            // As replay does: the name is the newest model of that name created by then. Only models of that name
            // are decoded.
            let registry = state.registry.value
            for i in (0..<registry.count).reversed() where registry.name(i) == name {
                let m = registry[i]
                if let then = try fold(m, through: n) {
                    s.registry.value[i] = then
                    s.modelByName[name] = m.ordinal
                    break
                }
            }
            return s
        }
    }

    /// Model `m` as its events up to sequence `n` leave it; nil if it was created after `n`.
    private func fold(_ m: Model, through n: UInt64) throws(LogbookError) -> Model? {
        var scratch = LogbookState()
        scratch.models = (1..<m.ordinal).map {
            Model(ordinal: $0, name: "", description: nil, owner: nil, purpose: nil, riskTier: .unspecified, createdTime: 0)
        }
        try forEachEvent(at: m.events, through: n) { position, e in
            scratch.apply(e.event, timestamp: e.timestamp, actor: e.actor, position: position)
        }
        return scratch.models.count == m.ordinal ? scratch.models[m.ordinal - 1] : nil
    }
}
