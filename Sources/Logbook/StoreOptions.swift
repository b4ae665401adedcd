package import LogbookStorage

/// How a store is opened.
public struct StoreOptions: Sendable {
    /// How long a writer waits for another writer's lock (default 10 s).
    public var lockTimeoutMilliseconds = 10_000
    /// Write a snapshot after this many events since the last one (default 100,000).
    public var snapshotInterval: UInt64 = 100_000
    /// Also write a snapshot after this many bytes of log since the last one (each event weighed
    /// ``snapshotEventWeight`` bytes more), once the log has also grown by a quarter of the last snapshot's size
    /// (default 4 MiB): metric batches carry many points per event, so bytes bound the replay of an "as of" read;
    /// spacing by the state's size (in bytes of log alone) keeps snapshot writing proportional to the log.
    public var snapshotIntervalBytes = 4 << 20
    /// After writing a snapshot, keep this many of the newest (default 2: the newest and one to fall back on) and
    /// the oldest, and thin the ones between to those an "as of" read needs (``SnapshotThinning``): each kept one
    /// is followed by at most ``snapshotMaxGapBytes`` of log (or twice its own size, if more) and
    /// ``snapshotMaxGapEvents`` events before the next. 0 keeps every snapshot.
    public var snapshotsKeptRecent = 2
    /// The most log (bytes) an "as of" read replays after the nearest snapshot kept, where snapshots were written
    /// that close together (default 16 MiB): thinning keeps one at least this often, or every twice a snapshot's
    /// size if that is more, so that snapshots take at most about the log's own size.
    public var snapshotMaxGapBytes = 16 << 20
    /// The most events an "as of" read replays after the nearest snapshot kept (default 200,000), likewise.
    public var snapshotMaxGapEvents: UInt64 = 200_000
    /// What one event weighs against ``snapshotIntervalBytes`` and ``snapshotMaxGapBytes``, on top of its bytes
    /// (default 512): decoding and applying an event costs about what reading that much log does, so a stretch of
    /// many small events (registry moves, single values) is bounded like a stretch of big ones. It never counts
    /// against the allowances by the snapshot's size, which keep snapshots below the log's size. 0 counts bytes only.
    public var snapshotEventWeight = 512
    /// On close, write a snapshot when at least this many events were appended since the last (default 1,000).
    public var snapshotOnCloseAfter: UInt64 = 1_000
    /// ... or at least this many bytes of log (default 1 MiB): a few large batches replay as slowly as many events.
    public var snapshotOnCloseAfterBytes = 1 << 20
    /// Segment size (default 64 MiB).
    public var segmentSize = 64 << 20
    /// Durability of appends: true (default) = one fdatasync per command; false = buffered until close.
    public var durable = true
    /// Growth of the active segment after which its index sidecar is rewritten (default 1 MiB; tests lower it).
    package var activeIndexGrowth = 1 << 20
    /// The system-call layer (tests attach a fault seam).
    package var io = FileIO()

    /// The defaults.
    public init() {}

    var logConfiguration: LogConfiguration {
        var c = LogConfiguration()
        c.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        c.segmentSize = segmentSize
        c.syncPolicy = durable ? .everyBatch : .never
        c.activeIndexGrowth = activeIndexGrowth
        c.io = io
        c.createIfMissing = true
        return c
    }
}
