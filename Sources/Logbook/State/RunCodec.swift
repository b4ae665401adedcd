internal import LogbookEvents
internal import LogbookStorage

/// The snapshot encoding of one run, shared by the inline layout (state versions 1 to 3) and the packed run table
/// (version 4), where each run's bytes are decoded only when the run is read.
enum RunCodec {
    static func encode(_ r: Run, _ w: inout BinaryWriter) {
        w.string(r.id)
        w.int(r.experiment)
        w.string(r.name)
        w.optionalInt(r.parent)
        w.enumValue(r.status)
        w.zigzag(r.startTime)
        w.optional(r.endTime) { $0.zigzag($1) }
        w.u8(r.isDeleted ? 1 : 0)
        w.keyValues(r.params)
        w.keyValues(r.tags)
        w.varint(UInt64(r.latest.count))
        for m in r.latest {
            w.varint(UInt64(m.key))
            w.zigzag(m.step)
            w.double(m.value)
            w.zigzag(m.time)
        }
        w.varint(UInt64(r.artifacts.count))
        for a in r.artifacts {
            w.string(a.path)
            w.zigzag(a.size)
            w.string(a.sha256)
        }
        w.keyValues(r.datasets)
        w.optionalString(r.source)
        w.optionalString(r.gitCommit)
        w.int(r.registeredVersions)
        StateCodec.positions(r.metricEvents, &w)
        StateCodec.positions(r.otherEvents, &w)
    }

    /// The fields a run's encoding starts with, up to its params: the id and the name as their bytes (checked
    /// UTF-8), the rest as values. Decoding, a run's liveness and a search in place all read them here.
    struct Head {
        var id: UnsafeRawBufferPointer
        var experiment: Int
        var name: UnsafeRawBufferPointer
        var parent: Int?
        var status: RunStatus
        var startTime: Int64
        var endTime: Int64?
        var isDeleted: Bool
    }

    /// Reads run `ordinal`'s head, checking what it names as decoding does: its experiment (1...`experiments`) and
    /// its parent (an earlier run).
    static func head(ordinal: Int, experiments: Int, _ r: inout BinaryReader) throws(CodecError) -> Head {
        let id = try r.stringBytes()
        let experiment = try r.int()
        guard experiment >= 1 && experiment <= experiments else {
            throw CodecError.invalidValue(at: r.offset, "run \(ordinal) names experiment \(experiment), which does not exist")
        }
        let name = try r.stringBytes()
        let parent = try r.optionalInt()
        if let parent, !(parent >= 1 && parent < ordinal) {
            throw CodecError.invalidValue(at: r.offset, "run \(ordinal) names parent run \(parent), which does not precede it")
        }
        return Head(id: id, experiment: experiment, name: name, parent: parent,
                    status: try r.enumValue(RunStatus.self, "run status"), startTime: try r.zigzag(),
                    endTime: try r.optionalZigzag(), isDeleted: try StateCodec.bool(&r))
    }

    /// Decodes run `ordinal`, checking what it names against the state around it: its experiment (1...`experiments`),
    /// its parent (an earlier run) and its metric keys (below `metricKeys`).
    static func decode(ordinal: Int, experiments: Int, metricKeys: Int,
                       _ r: inout BinaryReader) throws(CodecError) -> Run {
        let h = try head(ordinal: ordinal, experiments: experiments, &r)
        var run = Run(ordinal: ordinal, id: String(decoding: h.id, as: UTF8.self), experiment: h.experiment,
                      name: String(decoding: h.name, as: UTF8.self), parent: h.parent, startTime: h.startTime)
        run.status = h.status
        run.endTime = h.endTime
        run.isDeleted = h.isDeleted
        run.params = try r.keyValues()
        run.tags = try r.keyValues()
        let latest = try r.count(minimumElementSize: 11)
        run.latest.reserveCapacity(latest)
        for _ in 0..<latest {
            let key = try r.varint()
            guard key < UInt64(metricKeys) else { throw CodecError.invalidValue(at: r.offset, "metric key id \(key) is out of range") }
            run.latest.append(LatestMetric(key: Int32(key), step: try r.zigzag(), value: try r.double(), time: try r.zigzag()))
        }
        let artifacts = try r.count(minimumElementSize: 3)
        for _ in 0..<artifacts {
            run.artifacts.append(Artifact(path: try r.string(), size: try r.zigzag(), sha256: try r.string()))
        }
        run.datasets = try r.keyValues()
        run.source = try r.optionalString()
        run.gitCommit = try r.optionalString()
        run.registeredVersions = try r.int()
        run.metricEvents = try StateCodec.positions(&r)
        run.otherEvents = try StateCodec.positions(&r)
        return run
    }

    /// The hash the packed table's id index is sorted by: 64-bit FNV-1a of the id's UTF-8 bytes (stable across
    /// processes, unlike `Hasher`).
    static func idHash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var id = id
        id.withUTF8 { bytes in
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        return h
    }
}
