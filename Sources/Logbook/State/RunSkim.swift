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
    /// The fields before the params.
    let head: RunCodec.Head
    /// Where the params, the tags and the latest metric values start in `bytes`.
    private let params: Int, tags: Int, latest: Int

    init?(_ bytes: UnsafeRawBufferPointer, ordinal: Int, experiments: Int, metricKeys: Int) {
        do throws(CodecError) {
            var r = BinaryReader(bytes)
            head = try RunCodec.head(ordinal: ordinal, experiments: experiments, &r)
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
        self.bytes = bytes
    }

    /// The value of param `key`, or nil when the run has none (or its bytes do not read).
    func param(_ key: String) -> String? { value(of: key, in: params) }

    /// The value of tag `key`, or nil.
    func tag(_ key: String) -> String? { value(of: key, in: tags) }

    /// The latest value of metric key `id`, or nil.
    func metric(_ id: Int32) -> Double? {
        guard id >= 0 else { return nil }
        return first(in: latest, elementSize: 11) { r throws(CodecError) in
            let key = try r.varint()
            _ = try r.zigzag()
            let value = try r.double()
            _ = try r.zigzag()
            return key == UInt64(id) ? value : nil
        }
    }

    /// The first pair of the list at `start` whose key is `key` (as `Run.param` finds it), read in place.
    private func value(of key: String, in start: Int) -> String? {
        first(in: start, elementSize: 2) { r throws(CodecError) in
            let k = try r.stringBytes()
            let v = try r.stringBytes()
            return Self.equal(k, key) ? String(decoding: v, as: UTF8.self) : nil
        }
    }

    /// The first non-nil `element` of the counted list at `start` (each element at least `elementSize` bytes), or
    /// nil when there is none or the list does not read.
    @inline(__always)
    private func first<T>(in start: Int, elementSize: Int,
                          _ element: (inout BinaryReader) throws(CodecError) -> T?) -> T? {
        var r = BinaryReader(bytes)
        r.skip(to: start)
        do throws(CodecError) {
            let n = try r.count(minimumElementSize: elementSize)
            for _ in 0..<n {
                if let found = try element(&r) { return found }
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

/// What a filter or an order reads of a run, whether decoded (`UnsafePointer<Run>`: a borrowed run handed to a
/// function that is not inlined is copied whole) or read in place from a snapshot (``RunSkim``). Generic code over it
/// is specialised for each, so the decoded path costs what it cost before runs could be read in place.
protocol RunFields {
    var isDeleted: Bool { get }
    var startTime: Int64 { get }
    var id: String { get }
    /// The field's value, or nil when the run has none; `metricID` is the metric key's id, looked up by the caller.
    func value(of field: RunField, in state: LogbookState, metricID: Int32?) -> RunField.Value?
}

extension UnsafePointer: RunFields where Pointee == Run {
    var isDeleted: Bool { pointee.isDeleted }
    var startTime: Int64 { pointee.startTime }
    var id: String { pointee.id }

    @inline(__always)
    func value(of field: RunField, in state: LogbookState, metricID: Int32?) -> RunField.Value? {
        switch field {
        case .metric(let key):
            guard let id = metricID ?? state.metricKeys.id(of: key), let m = pointee.latest.first(where: { $0.key == id }) else {
                return nil
            }
            return .number(m.value)
        // Stored properties only: a method called on `pointee` would copy the run.
        case .param(let key): return pointee.params.first { $0.key == key }.map { .string($0.value) }
        case .tag(let key): return pointee.tags.first { $0.key == key }.map { .string($0.value) }
        case .attribute(let a):
            switch a {
            case .status: return .string(pointee.status.name)
            case .runName: return .string(pointee.name)
            case .runID: return .string(pointee.id)
            case .startTime: return .number(Double(pointee.startTime))
            case .endTime: return pointee.endTime.map { .number(Double($0)) }
            case .experiment:
                guard pointee.experiment >= 1 && pointee.experiment <= state.experiments.count else { return nil }
                return .string(state.experiments[pointee.experiment - 1].name)
            case .experimentID: return .number(Double(pointee.experiment))
            }
        }
    }
}

extension RunSkim: RunFields {
    var id: String { Self.string(head.id) }
    var isDeleted: Bool { head.isDeleted }
    var startTime: Int64 { head.startTime }

    func value(of field: RunField, in state: LogbookState, metricID: Int32?) -> RunField.Value? {
        switch field {
        case .metric(let key):
            guard let id = metricID ?? state.metricKeys.id(of: key), let v = metric(id) else { return nil }
            return .number(v)
        case .param(let key): return param(key).map { .string($0) }
        case .tag(let key): return tag(key).map { .string($0) }
        case .attribute(let a):
            switch a {
            case .status: return .string(head.status.name)
            case .runName: return .string(Self.string(head.name))
            case .runID: return .string(id)
            case .startTime: return .number(Double(head.startTime))
            case .endTime: return head.endTime.map { .number(Double($0)) }
            case .experiment: return .string(state.experiments[head.experiment - 1].name)
            case .experimentID: return .number(Double(head.experiment))
            }
        }
    }
}
