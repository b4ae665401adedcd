/// A point in the history: "as of" a time or a sequence number (inclusive).
public enum Moment: Equatable, Sendable {
    /// Everything up to and including this sequence number.
    case sequence(UInt64)
    /// Everything whose timestamp is at or before this many milliseconds since the epoch.
    case time(Int64)
}
