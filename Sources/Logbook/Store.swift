public import LogbookEvents
package import LogbookStorage

/// A Logbook store: the log, the projections folded from it, and the snapshots that make opening fast.
///
/// Open it `writable` to run commands (takes the writer lock), or read-only (no lock; never blocks a writer).
/// Opening loads the newest valid snapshot and replays the log's tail; `state(at:)` does the same up to a past
/// moment. A command is validated against `state`, becomes events, is appended as one batch (one write and one
/// fdatasync), and only then applied.
public final class LogbookStore {
    /// The store directory.
    public let path: String
    /// How it was opened.
    public let options: StoreOptions
    /// The current state.
    public internal(set) var state: LogbookState
    /// Warnings from opening (a torn tail cut, a damaged snapshot skipped).
    public internal(set) var warnings: [String] = []

    /// Parts of this store's snapshots that failed their checksum when read after opening and were rebuilt from the
    /// log (in this process, since the last call), as warnings.
    public func takeSnapshotRepairs() -> [String] { SnapshotRecovery.takeNotes(store: snapshots.paths.root) }

    var log: SegmentedLog?
    var reader: LogReader
    let snapshots: SnapshotStore
    private var lastSnapshotSequence: UInt64 = 0
    private var bytesSinceSnapshot = 0
    private var lastSnapshotBytes = 0
    var pending: Pending?
    var identities: IdentityMap?

    struct PendingEvent {
        var event: Event
        var actor: String
        var reason: String?
        var time: Int64?
    }

    struct Pending {
        var items: [PendingEvent]
        var lastTime: Int64
    }

    /// Whether commands can be run.
    public var isWritable: Bool { log != nil }

    /// Opens the store at `path`.
    /// - Parameters:
    ///   - writable: take the writer lock (creating the store if missing) so that commands can run.
    /// - Throws: `.notFound` for a missing store opened read-only; `.busy` when locked; `.integrity` when damaged.
    public init(at path: String, writable: Bool, options: StoreOptions = StoreOptions()) throws(LogbookError) {
        self.path = path
        self.options = options
        snapshots = SnapshotStore(at: path, io: options.io)
        if writable { try Self.refuseBundle(path, options) }
        do {
            if writable {
                let log = try SegmentedLog.open(at: path, configuration: options.logConfiguration)
                self.log = log
                warnings += log.recovery.warnings
            }
            reader = try LogReader(at: path, io: options.io)
        } catch let e as StorageError {
            throw LogbookError(e)
        } catch {
            throw LogbookError(.failure, "\(error)")
        }
        identities = try IdentityMap.load(store: path, io: options.io, writable: writable)
        state = LogbookState()
        let (loaded, snapshotWarnings) = try Self.loadState(reader: reader, snapshots: snapshots, upTo: .max)
        state = loaded.state
        lastSnapshotSequence = loaded.snapshotSequence
        lastSnapshotBytes = loaded.snapshotBytes
        warnings += snapshotWarnings
        if writable, try finishPrune() {
            warnings.append("Finished an interrupted prune (records up to \(state.pruned?.throughSequence ?? 0) removed, as recorded)")
        }
        if writable { try finishErasures() }
        if !writable, let damage = reader.tailDamage, !StoreLock.isHeld(StorePaths(root: path), io: options.io) {
            warnings.append("\(damage); the next write will cut it back as a torn tail (run 'logbook check' to see it)")
        }
    }

    deinit { try? close() }

    /// An audit bundle is a copy for auditors: it is read, never written.
    static func refuseBundle(_ path: String, _ options: StoreOptions) throws(LogbookError) {
        if options.io.exists(StorePaths(root: path).bundleManifest) {
            throw LogbookError.refused("'\(path)' is an audit bundle: it is read-only (reads and 'audit verify --bundle' work on it)")
        }
    }

    /// Events appended since the last snapshot (counted so that no option value, however large, overflows).
    private var eventsSinceSnapshot: UInt64 {
        state.lastSequence >= lastSnapshotSequence ? state.lastSequence - lastSnapshotSequence : 0
    }

    /// What replaying the tail since the last snapshot costs, in bytes of log: the bytes this writer appended since
    /// (0 at open), plus each event since the snapshot weighed as `snapshotEventWeight` bytes (saturating).
    private var replayCostSinceSnapshot: Int {
        let (weighted, overflow) = Int(clamping: eventsSinceSnapshot).multipliedReportingOverflow(by: max(0, options.snapshotEventWeight))
        let (sum, overflow2) = bytesSinceSnapshot.addingReportingOverflow(weighted)
        return overflow || overflow2 ? .max : sum
    }

    /// Writes a snapshot if the tail since the last one is long, syncs, and releases the lock.
    public func close() throws(LogbookError) {
        guard let log else { return }
        defer { self.log = nil }
        if eventsSinceSnapshot >= options.snapshotOnCloseAfter
            || (state.lastSequence > lastSnapshotSequence && bytesSinceSnapshot >= options.snapshotOnCloseAfterBytes) {
            // A snapshot only makes the next open faster: failing to write one is a warning, not a failure.
            do { try writeSnapshot() } catch { warnings.append("Writing a snapshot failed (the store is fine; open replays more): \(error)") }
        }
        do { try log.close() } catch { throw LogbookError(error) }
    }

    // MARK: Reading

    /// The state as of a past moment: the nearest snapshot at or before it, then the log up to it.
    /// - Complexity: one snapshot decode plus at most `snapshotInterval` events replayed.
    public func state(at moment: Moment) throws(LogbookError) -> LogbookState {
        let sequence = try self.sequence(at: moment)
        try requireRetained(moment)
        if sequence >= state.lastSequence { return state }
        return try Self.loadState(reader: reader, snapshots: snapshots, upTo: sequence).0.state
    }

    /// The state for reading one item (a model, an A/B test) as of a past moment by folding that item's own events:
    /// `fold(n)` makes it from the current state and sequence number `n`. The current state when the moment is now
    /// or later; the general ``state(at:)`` on a pruned log (the item's first events may be gone).
    func state(at moment: Moment, folding fold: (UInt64) throws(LogbookError) -> LogbookState) throws(LogbookError) -> LogbookState {
        let n = try sequence(at: moment)
        try requireRetained(moment)
        if n >= state.lastSequence { return state }
        guard retainedFrom == 1 else { return try state(at: moment) }
        return try fold(n)
    }

    /// Calls `body` with each event at `positions` (in log order) up to sequence `n`, reading one record at a time
    /// and none after the first past `n`: what a fold of one item's events up to a moment reads.
    func forEachEvent(at positions: [LogPosition], through n: UInt64,
                      _ body: (LogPosition, EventEnvelope) -> Void) throws(LogbookError) {
        for position in positions {
            let e = try event(at: position)
            guard e.sequence <= n else { return }
            body(position, e)
        }
    }

    /// Refuses a moment older than what a prune kept: the state then is gone with its records.
    func requireRetained(_ moment: Moment) throws(LogbookError) {
        let first = retainedFrom
        guard first > 1 else { return }
        let cutTime = state.pruned.map { $0.throughSequence + 1 == first ? $0.throughTime : reader.retainedAfterTime }
            ?? reader.retainedAfterTime
        let gone: Bool
        switch moment {
        case .sequence(let n): gone = n + 1 < first
        case .time(let t): gone = t < cutTime
        }
        if gone {
            throw LogbookError.refused("Records 1...\(first - 1) (up to \(Timestamp.iso(cutTime))) were pruned under the "
                                       + "retention policy: the oldest moment this store can show is #\(first - 1) "
                                       + "(\(Timestamp.iso(cutTime)))")
        }
    }

    /// The sequence number a moment stands for (the newest event at or before a time).
    public func sequence(at moment: Moment) throws(LogbookError) -> UInt64 {
        switch moment {
        case .sequence(let n): return min(n, state.lastSequence)
        case .time(let t):
            do { return min(try reader.sequence(atOrBefore: t), state.lastSequence) } catch { throw Self.wrap(error) }
        }
    }

    /// Calls `body` with each event (decoded, with its envelope) from `from` through `through`.
    public func forEachEvent(from: UInt64 = 1, through: UInt64 = .max,
                             _ body: (EventEnvelope) throws -> Bool) throws(LogbookError) {
        do {
            try reader.forEachRecord(from: from, through: min(through, state.lastSequence)) { record in
                try body(try Self.envelope(of: record))
            }
        } catch { throw Self.wrap(error) }
    }

    /// The events at these positions (in the order given), leaving out those a prune removed.
    func events(at positions: [LogPosition]) throws(LogbookError) -> [EventEnvelope] {
        try retained(positions).map { p throws(LogbookError) in try event(at: p) }
    }

    /// The event at `position`.
    func event(at position: LogPosition) throws(LogbookError) -> EventEnvelope {
        do {
            return try reader.record(at: position) { try Self.envelope(of: $0) }
        } catch { throw Self.wrap(error) }
    }

    /// The positions still in the log: a prune removes whole segments, and a position names its segment.
    func retained(_ positions: [LogPosition]) -> [LogPosition] {
        let first = retainedFrom
        guard first > 1, let i = positions.firstIndex(where: { $0.segment >= first }) else {
            return first > 1 ? [] : positions
        }
        return Array(positions[i...])
    }

    /// The oldest sequence number still in the log (1 unless the store was pruned).
    public var firstRetainedSequence: UInt64 { retainedFrom }

    /// The oldest sequence number history reads use: after the newest recorded prune's cut, even while an
    /// interrupted prune still has its segments on disk (the next writer removes them).
    var retainedFrom: UInt64 { max(reader.retainedFrom, (state.pruned?.throughSequence ?? 0) + 1) }

    static func envelope(of record: Record) throws -> EventEnvelope {
        do {
            let (actor, reason, event) = try EventCodec.decode(tag: record.type, payload: record.payload)
            return EventEnvelope(sequence: record.sequence, timestamp: record.timestamp, actor: actor, reason: reason,
                                 event: event)
        } catch {
            throw LogbookError(error, sequence: record.sequence)
        }
    }

    /// Any error of the layers below as a LogbookError (the command line uses it too).
    package static func wrap(_ error: any Error) -> LogbookError {
        if let e = error as? LogbookError { return e }
        if let e = error as? StorageError { return LogbookError(e) }
        if let e = error as? CodecError { return LogbookError(.integrity, "Cannot decode an event: \(e)") }
        return LogbookError(.failure, "\(error)")
    }

    // MARK: Loading

    struct Loaded {
        var state: LogbookState
        var snapshotSequence: UInt64
        var snapshotBytes = 0
    }

    /// The newest valid snapshot at or before `upTo` (other than `skipping`), then replay of the log after it up to
    /// `upTo`.
    static func loadState(reader: LogReader, snapshots: SnapshotStore, upTo: UInt64,
                          skipping: UInt64? = nil) throws(LogbookError) -> (Loaded, [String]) {
        var warnings: [String] = []
        var state = LogbookState()
        var snapshotSequence: UInt64 = 0
        var snapshotBytes = 0
        var start: (position: LogPosition, floor: Int64)?
        do {
            // The newest snapshot that checks out and belongs to this log: the chain hash the log stores after its
            // sequence number must be the one the snapshot recorded (a snapshot past a repair cut, or from
            // another store, is not trusted).
            for s in try snapshots.sequences().reversed() where s <= upTo && s != skipping {
                let mapped: SnapshotStore.Mapped
                do {
                    // A payload that checks its own parts is checked as they are read (its head here).
                    mapped = try snapshots.readMapped(sequence: s, checkingPayload: false)
                    if !StateCodec.checksItsParts(mapped.payload) { try mapped.checkPayload() }
                } catch let e as StorageError where e.code == .notFound {
                    continue // removed by a writer thinning old snapshots since the listing
                } catch let e as StorageError where e.code != .io {
                    warnings.append("Skipped a damaged snapshot: \(e)")
                    continue
                }
                let snapshot = mapped.header
                guard try reader.storedChain(after: s, batchEnd: snapshot.batchEnd) == snapshot.chain else {
                    warnings.append("Skipped snapshot \(snapshots.path(for: s)): it does not match this log at sequence \(s)")
                    continue
                }
                do {
                    let decoded = try StateCodec.decode(region: mapped.region, from: mapped.payloadOffset,
                                                        recovery: recovery(of: s, reader: reader, snapshots: snapshots))
                    guard decoded.lastSequence == s else {
                        warnings.append("Skipped snapshot \(s): its state ends at sequence \(decoded.lastSequence)")
                        continue
                    }
                    state = decoded
                    snapshotSequence = s
                    snapshotBytes = mapped.payload.count
                    start = snapshot.batchEnd.map { ($0, snapshot.timestamp) }
                    break
                } catch {
                    warnings.append("Skipped snapshot \(s): its state does not decode (\(error)); replaying instead")
                    state = LogbookState()
                }
            }
            try replay(reader: reader, into: &state, through: upTo, start: start)
        } catch { throw wrap(error) }
        return (Loaded(state: state, snapshotSequence: snapshotSequence, snapshotBytes: snapshotBytes), warnings)
    }

    /// How the parts of snapshot `s` that fail when read are rebuilt: the state at `s` loaded without it. None for
    /// the checkpoint of a pruned log (nothing older can rebuild it): that snapshot is checked whole when decoded.
    static func recovery(of s: UInt64, reader: LogReader, snapshots: SnapshotStore) -> SnapshotRecovery? {
        guard s + 1 != reader.retainedFrom else { return nil }
        let root = snapshots.paths.root, io = snapshots.io
        return SnapshotRecovery(sequence: s, store: root) {
            let reader = try LogReader(at: root, io: io)
            return try loadState(reader: reader, snapshots: snapshots, upTo: s, skipping: s).0.state
        }
    }

    /// The state a replay of a pruned log starts from: the snapshot at its checkpoint (the empty state when the
    /// log starts at sequence 1).
    static func checkpointState(reader: LogReader, snapshots: SnapshotStore) throws(LogbookError) -> LogbookState {
        let first = reader.retainedFrom
        guard first > 1 else { return LogbookState() }
        let snapshot: Snapshot
        do { snapshot = try snapshots.read(sequence: first - 1) } catch {
            throw LogbookError(.integrity, "The log starts at sequence \(first) (older records were pruned) but the "
                               + "checkpoint snapshot \(snapshots.path(for: first - 1)) cannot be read: \(error)")
        }
        guard snapshot.chain == reader.retainedAfterChain else {
            throw LogbookError(.integrity, "The checkpoint snapshot \(snapshots.path(for: first - 1)) does not match the "
                               + "log's prune checkpoint")
        }
        do {
            let state = try StateCodec.decode(snapshot.payload)
            guard state.lastSequence == first - 1 else {
                throw LogbookError(.integrity, "The checkpoint snapshot's state ends at sequence \(state.lastSequence), not \(first - 1)")
            }
            return state
        } catch let e as LogbookError {
            throw e
        } catch {
            throw LogbookError(.integrity, "The checkpoint snapshot \(snapshots.path(for: first - 1)) does not decode: \(error)")
        }
    }

    /// Applies the log's records after `state.lastSequence` through `through`; `start` is where they begin when
    /// known (the end of a snapshot's batch).
    static func replay(reader: LogReader, into state: inout LogbookState, through: UInt64,
                       start: (position: LogPosition, floor: Int64)? = nil) throws {
        guard state.lastSequence < through else { return }
        if state.lastSequence + 1 < reader.retainedFrom {
            throw LogbookError(.integrity, "The log starts at sequence \(reader.retainedFrom) (older records were pruned) "
                               + "and no usable snapshot covers sequence \(reader.retainedFrom - 1): the checkpoint "
                               + "snapshot is missing or damaged")
        }
        var strings = ReplayStrings()
        try reader.forEachRecord(from: state.lastSequence + 1, through: through, start: start) { record in
            try apply(record, to: &state, strings: &strings)
            return true
        }
    }

    /// Applies one record: metric batches through the allocation-free path, the big A/B and monitoring events of
    /// a part not read yet checked and kept undecoded, the rest decoded.
    /// `strings` remembers the ids of actors and metric keys by their bytes, for the records that follow.
    static func apply(_ record: Record, to state: inout LogbookState, strings: inout ReplayStrings) throws {
        do {
            if record.type == EventCodec.metricsLoggedTag {
                state.noteEnvelope(sequence: record.sequence, timestamp: record.timestamp,
                                   actorID: try actorID(record, &state, &strings), position: record.position)
                // Each series is folded to its latest point first, then applied once: one state update per series.
                let view = try MetricsPayloadView(payload: record.payload)
                let run = view.run
                try view.forEachSeriesLatest { key, latest in
                    let id = strings.metricKeys.id(of: key) { state.metricKeys.intern($0) }
                    state.applyMetricPoint(run: run, key: id, point: latest)
                }
                state.noteMetricEvent(run: run, position: record.position)
            } else if state.waitsUndecoded(tag: record.type) {
                let actor = try EventCodec.check(tag: record.type, payload: record.payload)
                state.noteEnvelope(sequence: record.sequence, timestamp: record.timestamp,
                                   actorID: try actorID(record, &state, &strings), position: record.position)
                state.applyUndecoded(tag: record.type, payload: record.payload, timestamp: record.timestamp,
                                     actor: actor, position: record.position)
            } else {
                let (actor, _, event) = try EventCodec.decode(tag: record.type, payload: record.payload)
                state.noteEnvelope(sequence: record.sequence, timestamp: record.timestamp,
                                   actorID: try actorID(record, &state, &strings), position: record.position)
                state.apply(event, timestamp: record.timestamp, actor: actor, position: record.position)
            }
        } catch let e as CodecError {
            throw LogbookError(e, sequence: record.sequence)
        }
    }

    /// The id of a record's actor, found by its bytes (every version writes the actor right after the version
    /// byte). Called after the payload was checked or decoded, so that their errors come first.
    @inline(__always)
    private static func actorID(_ record: Record, _ state: inout LogbookState, _ strings: inout ReplayStrings) throws(CodecError) -> Int32 {
        strings.actors.id(of: try EventCodec.actorBytes(payload: record.payload)) { state.actors.intern($0) }
    }

    // MARK: Writing

    /// Appends `events` as one batch (one write, one fdatasync) and applies them. Inside ``transaction(_:)`` the
    /// events are only applied to the in-memory state, and appended with the transaction's batch.
    /// - Parameter time: the timestamp to record (LOGBOOK_NOW); nil takes the wall clock clamped to the newest.
    func append(_ events: [Event], actor name: String, reason: String?, time: Int64?) throws(LogbookError) {
        guard log != nil else { throw LogbookError(.failure, "The store was opened read-only") }
        try Validate.name(name, "actor")
        let actor = recordedActor(name)
        let newest = pending?.lastTime ?? state.lastTimestamp
        if let time, !Timestamp.isRecordable(time) {
            throw LogbookError(.usage, "The time \(time) ms is outside years 0000-9999")
        }
        for event in events {
            if case let .metricsLogged(_, series) = event {
                for s in series {
                    guard !s.points.isEmpty else { throw LogbookError(.usage, "Metric '\(s.key)' has no points") }
                    for p in s.points where !Timestamp.isRecordable(p.time) {
                        throw LogbookError(.usage, "A point of metric '\(s.key)' has time \(p.time) ms, outside years 0000-9999")
                    }
                }
            }
        }
        if let time, time < newest {
            throw LogbookError(.refused, "The time \(Timestamp.iso(time)) is earlier than the newest event "
                               + "(\(Timestamp.iso(newest))); timestamps never go back")
        }
        if pending != nil {
            let t = time ?? max(FileIO.wallClockMilliseconds(), newest)
            for event in events {
                pending!.items.append(PendingEvent(event: event, actor: actor, reason: reason, time: t))
                state.noteEnvelope(sequence: state.lastSequence + 1, timestamp: t, actor: actor,
                                   position: LogPosition(segment: 0, offset: 0))
                state.apply(event, timestamp: t, actor: actor, position: LogPosition(segment: 0, offset: 0))
            }
            pending!.lastTime = t
            return
        }
        try write(events.map { PendingEvent(event: $0, actor: actor, reason: reason, time: time) }, ownTimes: false)
    }

    /// Runs `body` as one all-or-nothing unit: every command in it is validated against the state as the earlier
    /// ones left it, and at the end all their events are appended as one batch (each keeping its own time). If
    /// `body` throws, nothing is appended and the state is as before.
    public func transaction<T>(_ body: () throws(LogbookError) -> T) throws(LogbookError) -> T {
        precondition(pending == nil, "transactions do not nest")
        let original = state
        pending = Pending(items: [], lastTime: state.lastTimestamp)
        let result: T
        do {
            result = try body()
        } catch {
            state = original
            pending = nil
            throw error
        }
        let items = pending!.items
        pending = nil
        state = original
        if !items.isEmpty { try write(items, ownTimes: true) }
        return result
    }

    /// Encodes, appends as one batch, then applies with the records' real positions.
    private func write(_ items: [PendingEvent], ownTimes: Bool) throws(LogbookError) {
        guard let log else { throw LogbookError(.failure, "The store was opened read-only") }
        var batch = AppendBatch()
        var lengths: [Int] = []
        lengths.reserveCapacity(items.count)
        for item in items {
            var payload: [UInt8] = []
            EventCodec.encode(item.event, actor: item.actor, reason: item.reason, into: &payload)
            if ownTimes {
                batch.add(type: EventCodec.tag(of: item.event), payload: payload, timestamp: item.time!)
            } else {
                batch.add(type: EventCodec.tag(of: item.event), payload: payload)
            }
            lengths.append(LogFormat.frameHeaderSize + payload.count)
        }
        try saveNewPseudonyms()
        let result: AppendResult
        do { result = try log.append(&batch, timestamp: ownTimes ? nil : items.first?.time) } catch { throw LogbookError(error) }
        var offset = result.position.offset
        for (i, item) in items.enumerated() {
            let position = LogPosition(segment: result.position.segment, offset: offset)
            let time = ownTimes ? item.time! : result.timestamp
            state.noteEnvelope(sequence: result.firstSequence + UInt64(i), timestamp: time, actor: item.actor,
                               position: position)
            state.apply(item.event, timestamp: time, actor: item.actor, position: position)
            offset += UInt64(lengths[i])
        }
        // The events are durable and applied: from here on nothing may turn the command into a failure.
        if result.position.segment != reader.segmentFiles.last?.base {
            do { try refreshReader() } catch { warnings.append("Rereading the segment list failed: \(error)") }
        }
        bytesSinceSnapshot += Int(offset - result.position.offset)
        if eventsSinceSnapshot >= options.snapshotInterval
            || (replayCostSinceSnapshot >= options.snapshotIntervalBytes && bytesSinceSnapshot >= lastSnapshotBytes / 4) {
            do { try writeSnapshot() } catch { warnings.append("Writing a snapshot failed (the store is fine; open replays more): \(error)") }
        }
    }

    private func refreshReader() throws(LogbookError) {
        do { try reader.refresh() } catch { throw Self.wrap(error) }
    }

    /// Writes a snapshot of the current state now.
    public func writeSnapshot() throws(LogbookError) {
        guard state.lastSequence > 0, let log else { return }
        do {
            try log.sync()
            let payload = StateCodec.encode(state)
            try snapshots.write(Snapshot(sequence: state.lastSequence, timestamp: state.lastTimestamp,
                                         chain: log.digest.chain, payload: payload, batchEnd: log.endPosition))
            lastSnapshotBytes = payload.count
            // From here the runs read from these bytes: the next snapshot copies the unchanged ones.
            if let runs = try? StateCodec.encodedRuns(ByteRegion(copying: payload)) { state.runs = runs }
        } catch { throw Self.wrap(error) }
        lastSnapshotSequence = state.lastSequence
        bytesSinceSnapshot = 0
        // Derived data like the snapshot: readers then index the active segment from it rather than by a scan.
        log.writeActiveIndexIfGrown()
        // Thinning only saves room: failing at it is a warning.
        do { try thinSnapshots() } catch { warnings.append("Removing old snapshots failed (the store is fine): \(error)") }
    }

    /// Removes the old snapshots ``SnapshotThinning`` does not keep (never a pruned log's checkpoint).
    private func thinSnapshots() throws(StorageError) {
        guard options.snapshotsKeptRecent > 0 else { return }
        var protected = Set<UInt64>()
        if let p = state.pruned { protected.insert(p.throughSequence) }
        if reader.retainedFrom > 1 { protected.insert(reader.retainedFrom - 1) }
        let bounds = SnapshotThinning.Bounds(gapBytes: UInt64(options.snapshotMaxGapBytes),
                                             gapEvents: options.snapshotMaxGapEvents,
                                             eventWeight: UInt64(max(0, options.snapshotEventWeight)))
        let remove = SnapshotThinning.removable(try thinningEntries(), keepRecent: options.snapshotsKeptRecent,
                                                bounds: bounds, protected: protected)
        try snapshots.remove(remove)
    }

    /// The snapshots present, each with where its batch ends in bytes of log (the sizes of the segments before its
    /// segment, plus its offset there) and its size. A header that cannot be read leaves both unknown.
    func thinningEntries() throws(StorageError) -> [SnapshotThinning.Entry] {
        var segmentStart: [UInt64: UInt64] = [:]
        var total: UInt64 = 0
        for segment in reader.segmentFiles {
            segmentStart[segment.base] = total
            total += UInt64(options.io.sizeOfFile(segment.path) ?? 0)
        }
        return try snapshots.sequences().map { sequence in
            guard let mapped = try? snapshots.readMapped(sequence: sequence, checkingPayload: false) else {
                return SnapshotThinning.Entry(sequence: sequence, logOffset: nil, bytes: 0)
            }
            let end = mapped.header.batchEnd
            let offset = end.flatMap { e in segmentStart[e.segment].map { $0 + e.offset } }
            return SnapshotThinning.Entry(sequence: sequence, logOffset: offset, bytes: UInt64(mapped.region.bytes.count))
        }
    }

    /// The digest as of a moment: the chain hash after the newest whole batch at or before it (a digest is always
    /// taken between batches, as a reader sees the log), so `audit verify --digest` can later prove that prefix.
    package func digest(at moment: Moment) throws(LogbookError) -> LogDigest {
        let n = try sequence(at: moment)
        try requireRetained(moment)
        if n >= state.lastSequence { return try digest() }
        do {
            var end: UInt64 = 0
            if n > 0 {
                try reader.forEachBatch(from: n) { batch in
                    end = batch.lastSequence == n ? n : batch.firstSequence - 1
                    return false
                }
            }
            guard let chain = try reader.storedChain(after: end) else {
                throw LogbookError(.integrity, "No batch of the log ends at sequence \(end)")
            }
            return LogDigest(sequence: end, chain: chain)
        } catch { throw Self.wrap(error) }
    }

    /// The log's digest now.
    package func digest() throws(LogbookError) -> LogDigest {
        if let log { return log.digest }
        do { return try reader.position().digest } catch { throw Self.wrap(error) }
    }
}

