internal import LogbookEvents

/// A snapshot run's bytes read in place: the fields a filter or an order names, found without decoding the run (no
/// array is built, and no string but a value that is compared). A one-off scan of every run, such as `run list
/// --filter` in a new process, then decodes only the runs it keeps.
///
/// Made only from bytes that matched their checksum. What it reads is checked as ``RunCodec/decode`` checks it (each
/// string it reads is valid UTF-8, the experiment, the parent and the metric key ids are in range); when anything
/// does not read, `init` fails and the caller decodes the run, as a read of it would.
struct RunSkim {
    private let bytes: UnsafeRawBufferPointer
    let id: UnsafeRawBufferPointer
    let experiment: Int
    let name: UnsafeRawBufferPointer
    let status: RunStatus
    let startTime: Int64
    let endTime: Int64?
    let isDeleted: Bool
    /// Where the params, the tags and the latest metric values start in `bytes`.
    private let params: Int, tags: Int, latest: Int

    init?(_ bytes: UnsafeRawBufferPointer, ordinal: Int, experiments: Int, metricKeys: Int) {
        do throws(CodecError) {
            var r = BinaryReader(bytes)
            id = try r.stringBytes()
            experiment = try r.int()
            name = try r.stringBytes()
            if let parent = try r.optionalInt(), !(parent >= 1 && parent < ordinal) { return nil }
            status = try r.enumValue(RunStatus.self, "run status")
            startTime = try r.zigzag()
            endTime = try r.optionalZigzag()
            isDeleted = try StateCodec.bool(&r)
            params = r.offset
            try r.skipKeyValues()
            tags = r.offset
            try r.skipKeyValues()
            latest = r.offset
            let n = try r.count(minimumElementSize: 11)
            for _ in 0..<n {
                guard try r.varint() < UInt64(metricKeys) else { return nil }
                _ = try r.zigzag()
                _ = try r.double()
                _ = try r.zigzag()
            }
        } catch {
            return nil
        }
        guard experiment >= 1 && experiment <= experiments else { return nil }
        self.bytes = bytes
    }

    /// The value of param `key`, or nil when the run has none (or its bytes do not read).
    func param(_ key: String) -> String? { value(of: key, in: params) }

    /// The value of tag `key`, or nil.
    func tag(_ key: String) -> String? { value(of: key, in: tags) }

    /// The latest value of metric key `id`, or nil.
    func metric(_ id: Int32) -> Double? {
        guard id >= 0 else { return nil }
        var r = BinaryReader(bytes)
        r.skip(to: latest)
        do throws(CodecError) {
            let n = try r.count(minimumElementSize: 11)
            for _ in 0..<n {
                let key = try r.varint()
                _ = try r.zigzag()
                let value = try r.double()
                _ = try r.zigzag()
                if key == UInt64(id) { return value }
            }
        } catch {}
        return nil
    }

    /// The first pair of the list at `start` whose key is `key` (as `Run.param` finds it), read in place.
    private func value(of key: String, in start: Int) -> String? {
        var r = BinaryReader(bytes)
        r.skip(to: start)
        do throws(CodecError) {
            let n = try r.count(minimumElementSize: 2)
            for _ in 0..<n {
                let k = try r.stringBytes()
                let v = try r.stringBytes()
                if Self.equal(k, key) { return String(decoding: v, as: UTF8.self) }
            }
        } catch {}
        return nil
    }

    /// Whether the UTF-8 `bytes` make a string equal to `s` as Swift compares strings: the same bytes are equal, and
    /// different bytes are unequal when both are ASCII; otherwise (canonical equivalence) the strings are compared.
    static func equal(_ bytes: UnsafeRawBufferPointer, _ s: String) -> Bool {
        var s = s
        let (same, ascii) = s.withUTF8 { u in
            (u.elementsEqual(bytes), !u.contains { $0 >= 0x80 })
        }
        if same { return true }
        if ascii && !bytes.contains(where: { $0 >= 0x80 }) { return false }
        return String(decoding: bytes, as: UTF8.self) == s
    }

    /// A string field's bytes as a string.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// A run as a scan of all runs reads it: decoded, or a snapshot's run not decoded yet, read in place.
enum RunRef {
    case run(UnsafePointer<Run>)
    case skim(RunSkim)

    var isDeleted: Bool {
        switch self {
        case .run(let r): r.pointee.isDeleted
        case .skim(let s): s.isDeleted
        }
    }

    var startTime: Int64 {
        switch self {
        case .run(let r): r.pointee.startTime
        case .skim(let s): s.startTime
        }
    }

    var id: String {
        switch self {
        case .run(let r): r.pointee.id
        case .skim(let s): RunSkim.string(s.id)
        }
    }
}
