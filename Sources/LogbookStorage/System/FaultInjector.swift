import Synchronization

/// The kinds of system call the fault seam counts, in the order they are made.
package enum SystemCall: String, Sendable, CaseIterable {
    case open, read, write, sync, truncate, rename, unlink, makeDirectory, lock
}

/// A fault that the seam injects in place of a real system call's result.
package enum InjectedFault: Sendable, Equatable {
    /// The call fails with this errno and does nothing.
    case fail(Errno)
    /// A write stores only the first half of its bytes, then the call fails with `ENOSPC` (a disk filling up).
    case shortWriteThenNoSpace
}

/// The test seam of the system-call layer: counts fallible I/O calls and injects a fault at chosen call indices.
///
/// Production code passes `nil` and pays one branch per call. Tests make one injector per scenario (so parallel
/// tests never share a counter), run the scenario once to count its calls, then once per index with a fault there.
package final class FaultInjector: Sendable {
    private struct State {
        var count = 0
        var trace: [SystemCall] = []
        var faults: [Int: InjectedFault] = [:]
        var kinds: [SystemCall: InjectedFault] = [:]
        var powerCut: Int?
    }
    private let state = Mutex(State())
    /// The power-loss layer, when the test simulates power loss: told of every sync, unlink and rename.
    package let powerLoss: PowerLossSimulator?

    /// Makes an injector with no faults planned, optionally keeping a power-loss model of a tree.
    package init(powerLoss: PowerLossSimulator? = nil) { self.powerLoss = powerLoss }

    /// The power goes off at the `index`-th call counted from now on: that call and every later one fail with
    /// `EIO` and do nothing, as on a machine that has stopped.
    package func cutPower(atCall index: Int) {
        state.withLock { $0.powerCut = index }
    }

    /// Injects `fault` at the `index`-th fallible call (1-based) counted from now on.
    package func inject(_ fault: InjectedFault, atCall index: Int) {
        state.withLock { $0.faults[index] = fault }
    }

    /// Injects `fault` at every call of `kind` from now on (e.g. every fsync fails).
    package func inject(_ fault: InjectedFault, everyCallOf kind: SystemCall) {
        state.withLock { $0.kinds[kind] = fault }
    }

    /// Removes every planned fault (the counter keeps running).
    package func clear() {
        state.withLock { $0.faults = [:]; $0.kinds = [:] }
    }

    /// How many fallible calls were made so far.
    package var callCount: Int { state.withLock { $0.count } }

    /// The kinds of the calls made so far, in order.
    package var trace: [SystemCall] { state.withLock { $0.trace } }

    /// Counts one call and returns the fault to inject for it, if any.
    func next(_ call: SystemCall) -> InjectedFault? {
        state.withLock { s in
            s.count += 1
            s.trace.append(call)
            if let cut = s.powerCut, s.count >= cut { return .fail(.ioError) }
            if let fault = s.faults.removeValue(forKey: s.count) { return fault }
            return s.kinds[call]
        }
    }
}
