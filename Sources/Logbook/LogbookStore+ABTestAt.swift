internal import LogbookEvents
internal import LogbookStorage

extension LogbookStore {
    /// A state for reading one A/B test as of a past moment, in time that depends on that test's history only, not
    /// on how much else the log holds (`ab status NAME --at T`).
    ///
    /// An A/B test changes only through its own events, and all of them are in its event list, so folding those up
    /// to the moment gives exactly the test that a full `state(at:)` would hold. The returned state is the current
    /// one with the test of that name as it was then, or with no test of that name if none existed yet. Everything
    /// else in it is current: callers may read from it only what never changes once written (a model's name).
    /// A pruned store takes the general path (the test's first events may be gone from the log).
    package func state(at moment: Moment, forABTest name: String) throws(LogbookError) -> LogbookState {
        try state(at: moment) { n throws(LogbookError) in
            var s = state
            s.abTestByName[name] = nil
            // As replay does: the name is the newest test of that name created by then.
            for t in state.abTests.reversed() where t.name == name {
                if let then = try fold(t, through: n) {
                    s.abTests[t.ordinal - 1] = then
                    s.abTestByName[name] = t.ordinal
                    break
                }
            }
            return s
        }
    }

    /// Test `t` as its events up to sequence `n` leave it; nil if it was created after `n`.
    private func fold(_ t: ABTest, through n: UInt64) throws(LogbookError) -> ABTest? {
        // Tests before it as placeholders, so that its creation event finds its ordinal next.
        var scratch = ABTests((1..<t.ordinal).map {
            ABTest(ordinal: $0, name: "", model: 0, variants: [], metric: "", continuous: false, guardrails: [],
                   minimumSample: 0, alpha: 0, salt: "", sequential: false, createdTime: 0)
        })
        scratch.byName = [:]
        try forEachEvent(at: t.events, through: n) { position, e in
            scratch.apply(e.event, timestamp: e.timestamp, actor: e.actor, position: position)
        }
        return scratch.tests.count == t.ordinal ? scratch.tests[t.ordinal - 1] : nil
    }
}
