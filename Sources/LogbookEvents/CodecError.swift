/// Why an event payload could not be decoded. Offsets are byte offsets from the start of the payload.
///
/// `description` is a stable, tested format (the CLI prints it as is):
/// - `truncated`: `Event payload is truncated: the field at byte 12 needs 8 bytes`
/// - `unknownType`: `Unknown event type 57 (written by a newer Logbook?); upgrade to read this store`
/// - `unsupportedVersion`: `Event type 32 (model.created) has schema version 3, which this Logbook cannot read
///   (written by a newer Logbook?); upgrade to read this store`, or, for a version no Logbook ever wrote (0, or
///   one older than the oldest readable): `Event type 32 (model.created) has schema version 0, which no Logbook
///   writes (damaged record?)`
/// - `invalidUTF8`: `Event payload has invalid UTF-8 at byte 9`
/// - `invalidValue`: `Event payload has an invalid value at byte 4: presence byte must be 0 or 1, found 7`
public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The payload ends inside a field: the field starting at byte `at` needs `needed` bytes (at least) there.
    case truncated(at: Int, needed: Int)
    /// The record type is not one this Logbook knows: a newer writer's event. Replay must stop.
    case unknownType(UInt16)
    /// The schema version byte of a known record type is not one this Logbook can read.
    case unsupportedVersion(type: UInt16, version: UInt8)
    /// A string's bytes are not valid UTF-8; `at` is the offset of the first byte of the bad sequence.
    case invalidUTF8(at: Int)
    /// A value is out of range: an enum raw value, a presence byte, flag bits, a varint that overflows or is not
    /// in its shortest form, bytes left after the last field.
    case invalidValue(at: Int, String)

    public var description: String {
        switch self {
        case .truncated(let at, let needed):
            return "Event payload is truncated: the field at byte \(at) needs \(needed) byte\(needed == 1 ? "" : "s")"
        case .unknownType(let type):
            return "Unknown event type \(type) (written by a newer Logbook?); upgrade to read this store"
        case .unsupportedVersion(let type, let version):
            let name = EventCodec.typeName(ofTag: type).map { " (\($0))" } ?? ""
            if let versions = EventType(rawValue: type)?.readableVersions, version < versions.first! {
                return "Event type \(type)\(name) has schema version \(version), which no Logbook writes (damaged record?)"
            }
            return "Event type \(type)\(name) has schema version \(version), which this Logbook cannot read "
                + "(written by a newer Logbook?); upgrade to read this store"
        case .invalidUTF8(let at):
            return "Event payload has invalid UTF-8 at byte \(at)"
        case .invalidValue(let at, let what):
            return "Event payload has an invalid value at byte \(at): \(what)"
        }
    }
}
