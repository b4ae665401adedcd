package import LogbookStorage

/// How a store is opened.
public struct StoreOptions: Sendable {
    /// How long a writer waits for another writer's lock (default 10 s).
    public var lockTimeoutMilliseconds = 10_000
    /// Write a snapshot after this many events since the last one (default 100,000); snapshots are kept, so
    /// "as of" reads replay at most this many events.
    public var snapshotInterval: UInt64 = 100_000
    /// Also write a snapshot after this many bytes of log since the last one, or as many as the last snapshot's
    /// size if that is more (default 8 MiB): metric batches carry many points per event, so bytes bound the replay of
    /// an "as of" read; spacing by the state's size keeps snapshot writing (and disk) proportional to the log.
    public var snapshotIntervalBytes = 4 << 20
    /// On close, write a snapshot when at least this many events were appended since the last (default 1,000).
    public var snapshotOnCloseAfter: UInt64 = 1_000
    /// ... or at least this many bytes of log (default 1 MiB): a few large batches replay as slowly as many events.
    public var snapshotOnCloseAfterBytes = 1 << 20
    /// Segment size (default 64 MiB).
    public var segmentSize = 64 << 20
    /// Durability of appends: true (default) = one fdatasync per command; false = buffered until close.
    public var durable = true
    /// The system-call layer (tests attach a fault seam).
    package var io = FileIO()

    /// The defaults.
    public init() {}

    var logConfiguration: LogConfiguration {
        var c = LogConfiguration()
        c.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        c.segmentSize = segmentSize
        c.syncPolicy = durable ? .everyBatch : .never
        c.io = io
        c.createIfMissing = true
        return c
    }
}
