/// Where a prune cut the log: records 1...`throughSequence` are gone; the rest is verified from `chain`.
public struct PruneCheckpoint: Equatable, Sendable {
    /// The last removed sequence number.
    public var throughSequence: UInt64
    /// Its time.
    public var throughTime: Int64
    /// The hash chain after it (64 lowercase hex): the checkpoint the remaining log is proven from.
    public var chain: String

    /// Makes a checkpoint.
    public init(throughSequence: UInt64, throughTime: Int64, chain: String) {
        self.throughSequence = throughSequence
        self.throughTime = throughTime
        self.chain = chain
    }
}
