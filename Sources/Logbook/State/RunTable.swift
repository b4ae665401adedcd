package import LogbookEvents
internal import LogbookStorage
import Synchronization

/// The runs of a state, by ordinal - 1.
///
/// Opening a store does not decode its runs. The runs of a snapshot (state version 4) stay in its mapped bytes, one
/// encoded run per slot of an offset table, and a run is decoded the first time it is read (then kept). A run that
/// changes, and every run started after the snapshot, is held decoded. So a query that reads the 100 runs of one
/// experiment decodes 100 runs, whatever the store holds, and a snapshot written again copies the bytes of the runs
/// that did not change.
public struct RunTable: RandomAccessCollection, Equatable, Sendable {
    private var packed: PackedRuns?
    /// Packed runs changed since the snapshot, by index.
    private var changed: [Int: Run] = [:]
    /// Runs after the packed ones (all runs when the state was not decoded from a snapshot).
    private var tail = RunChunks()
    /// Ordinals of the runs in `tail`, by id.
    private var tailByID: [String: Int] = [:]

    /// An empty table.
    public init() {}

    /// Runs decoded on access from a snapshot.
    init(packed: PackedRuns) { self.packed = packed }

    public var startIndex: Int { 0 }
    public var endIndex: Int { packedCount + tail.count }
    private var packedCount: Int { packed?.count ?? 0 }

    public subscript(i: Int) -> Run {
        get {
            let p = packedCount
            if i >= p { return tail[i - p] }
            precondition(i >= 0, "run index out of range")
            return changed[i] ?? packed!.run(i)
        }
        _modify {
            let p = packedCount
            if i >= p {
                yield &tail[i - p]
            } else {
                precondition(i >= 0, "run index out of range")
                if changed[i] == nil { changed[i] = packed!.run(i) }
                yield &changed[i]!
            }
        }
    }

    /// The snapshot's runs as one array, with the changes since: decoded all at once (then kept), so a scan costs
    /// what it costs over an array. No copy is made when no run changed since the snapshot.
    private func packedRuns() -> [Run] {
        guard let packed else { return [] }
        var all = packed.all()
        for (i, r) in changed { all[i] = r }
        return all
    }

    /// Run `i`'s status and deleted flag, without decoding a run read from a snapshot.
    public func liveness(_ i: Int) -> RunLiveness {
        let p = packedCount
        if i >= p { return RunLiveness(tail[i - p]) }
        if let r = changed[i] { return RunLiveness(r) }
        return packed!.liveness(i)
    }

    /// Calls `body` with every run in order, and its index: no copy of the runs. The pointer is valid only during
    /// the call. (A pointer rather than a borrowed run: a borrowed struct handed to a function that is not inlined is
    /// copied whole, every field retained and released, which tripled the cost of a filter.)
    @inline(__always)
    func forEachRun(_ body: (Int, UnsafePointer<Run>) -> Void) {
        if let packed {
            // The snapshot's runs in place, the changed ones in their slots: merging them into one array first would
            // copy every run (a retain of each of its references) on every scan after any change.
            let front = packed.all()
            front.withUnsafeBufferPointer { runs in
                var start = 0
                for c in changed.keys.sorted() + [runs.count] {
                    for i in start..<c { body(i, runs.baseAddress! + i) }
                    if c < runs.count { withUnsafePointer(to: changed[c]!) { body(c, $0) } }
                    start = c + 1
                }
            }
        }
        let p = packedCount
        tail.forEach { i, r in body(p + i, r) }
    }

    /// Calls `decoded` or `skimmed` with every run in order, and its index: `decoded` as ``forEachRun(_:)`` does,
    /// `skimmed` with a snapshot run never decoded, read in place from its bytes. A one-off scan (a command's filter,
    /// in a new process) then decodes only the runs it keeps. Only the first such scan skims: once every run is
    /// decoded, and from the second scan on (a long-lived process asking again), the runs are decoded once and all
    /// handed to `decoded`.
    @inline(__always)
    func scanRuns(_ decoded: (Int, UnsafePointer<Run>) -> Void, skimmed: (Int, RunSkim) -> Void) {
        guard let packed, let some = packed.skimmingScan() else {
            forEachRun(decoded)
            return
        }
        let anyDecoded = !changed.isEmpty || !some.isEmpty
        for i in 0..<packed.count {
            if anyDecoded, let r = changed[i] ?? some[i] {
                withUnsafePointer(to: r) { decoded(i, $0) }
            } else if let skim = packed.skim(i) {
                skimmed(i, skim)
            } else {
                withUnsafePointer(to: packed.run(i)) { decoded(i, $0) }
            }
        }
        let p = packedCount
        tail.forEach { i, r in decoded(p + i, r) }
    }

    /// The runs at `indices`. Many of them (a quarter of the snapshot's or more) are read from all the snapshot's
    /// runs decoded at once, as a scan reads them; fewer are decoded one by one.
    func runs(at indices: [Int]) -> [Run] {
        guard let packed, indices.count >= packed.count / 4 else { return indices.map { self[$0] } }
        let front = packed.all(), p = packedCount
        return indices.map { i in i >= p ? tail[i - p] : (changed[i] ?? front[i]) }
    }

    /// Every run as one array (the snapshot's decoded once and kept): a scan then costs what it costs over an
    /// array. No copy is made when no run changed since the snapshot and none was added.
    func contiguous() -> [Run] {
        let front = packedRuns()
        return tail.isEmpty ? front : front + tail.array
    }

    public func makeIterator() -> Array<Run>.Iterator { contiguous().makeIterator() }

    /// Adds a run (its ordinal must be `count + 1`).
    mutating func append(_ run: Run) {
        tailByID[run.id] = run.ordinal
        tail.append(run)
    }

    /// The ordinal of the run with this id.
    func ordinal(ofID id: String) -> Int? { tailByID[id] ?? packed?.ordinal(ofID: id) }

    /// Calls `body` with run `index`, in place (the replay path for metric points: no copy of the run).
    @inline(__always)
    mutating func update(_ index: Int, _ body: (inout Run) -> Void) {
        let p = packedCount
        if index >= p {
            tail.update(index - p, body)
        } else {
            body(&self[index])
        }
    }

    /// Writes the table (state versions 5 and 6): the offsets, each run's checksum, the id index, then the runs' bytes
    /// (copied as they are for runs not changed since the snapshot).
    /// - Returns: the length of the runs' bytes and the checksum of the offsets, checksums and index.
    func encode(_ w: inout BinaryWriter) -> (length: Int, indexChecksum: UInt32) {
        var runBytes = BinaryWriter()
        var offsets: [UInt64] = [], checksums: [UInt32] = []
        offsets.reserveCapacity(count + 1)
        checksums.reserveCapacity(count)
        // Ids never change, so the snapshot's index entries still hold; the tail's are added.
        var index = packed?.indexEntries() ?? []
        index.reserveCapacity(count)
        for i in 0..<count {
            let from = runBytes.bytes.count
            offsets.append(UInt64(from))
            if i < packedCount, changed[i] == nil, let bytes = packed!.soundBytes(i) {
                runBytes.bytes.append(contentsOf: bytes)
            } else {
                let r = self[i]
                RunCodec.encode(r, &runBytes)
                if i >= packedCount { index.append((RunCodec.idHash(r.id), UInt32(i + 1))) }
            }
            checksums.append(runBytes.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[from...])) })
        }
        offsets.append(UInt64(runBytes.bytes.count))
        index.sort { ($0.hash, $0.ordinal) < ($1.hash, $1.ordinal) }
        let start = w.bytes.count
        for o in offsets { w.u64(o) }
        for c in checksums { StateCodec.u32(c, &w) }
        for e in index {
            w.u64(e.hash)
            StateCodec.u32(e.ordinal, &w)
        }
        let checksum = w.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        w.bytes.append(contentsOf: runBytes.bytes)
        return (runBytes.bytes.count, checksum)
    }

    /// Writes the table as state version 4 did (for tests of reading it): the count, the offsets, the runs' bytes,
    /// then the id index.
    func encodeV4(_ w: inout BinaryWriter) {
        w.varint(UInt64(count))
        var runBytes = BinaryWriter()
        var index = packed?.indexEntries() ?? []
        for i in 0..<count {
            w.u64(UInt64(runBytes.bytes.count))
            RunCodec.encode(self[i], &runBytes)
            if i >= packedCount { index.append((RunCodec.idHash(self[i].id), UInt32(i + 1))) }
        }
        w.u64(UInt64(runBytes.bytes.count))
        w.bytes.append(contentsOf: runBytes.bytes)
        index.sort { ($0.hash, $0.ordinal) < ($1.hash, $1.ordinal) }
        for e in index {
            w.u64(e.hash)
            StateCodec.u32(e.ordinal, &w)
        }
    }

    /// Decodes every packed run strictly, throwing at the first that does not decode (reads never do: they would
    /// get a placeholder; `logbook check` compares every snapshot byte for byte with a replay).
    package func validate() throws(CodecError) {
        guard let packed else { return }
        var ids: [UInt64] = []
        ids.reserveCapacity(packed.count)
        for i in 0..<packed.count { ids.append(RunCodec.idHash(try packed.decode(i).id)) }
        var seen = [Bool](repeating: false, count: packed.count)
        var last: (UInt64, UInt32) = (0, 0)
        for e in packed.indexEntries() {
            let o = Int(e.ordinal)
            guard o >= 1 && o <= packed.count, !seen[o - 1], ids[o - 1] == e.hash, last <= (e.hash, e.ordinal) else {
                throw CodecError.invalidValue(at: 0, "the run id index does not match the runs")
            }
            seen[o - 1] = true
            last = (e.hash, e.ordinal)
        }
    }

    /// For tests and the fuzzer: the first snapshot run whose fields read in place (``RunSkim``) differ from the same
    /// fields of the run decoded, or that decodes but does not read in place; nil when none does. (A run that reads
    /// in place but does not decode is passed over: reads of it are rebuilt from the log, see ``RunSkim``.)
    package func skimMismatch(in state: LogbookState) -> String? {
        guard let packed else { return nil }
        func same(_ a: RunField.Value?, _ b: RunField.Value?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (.number(x)?, .number(y)?): x.bitPattern == y.bitPattern
            case let (.string(x)?, .string(y)?): x == y
            default: false
            }
        }
        for i in 0..<packed.count {
            guard let run = try? packed.decode(i) else { continue }
            guard let skim = packed.skim(i) else { return "run \(i + 1) decodes but does not read in place" }
            guard skim.id == run.id, skim.isDeleted == run.isDeleted, skim.startTime == run.startTime else {
                return "run \(i + 1): id, deleted flag or start time read in place differ"
            }
            let fields = RunAttribute.allCases.map { RunField.attribute($0) } + run.params.map { .param($0.key) }
                + run.tags.map { .tag($0.key) } + [.param(""), .tag("\u{0}absent")]
            for field in fields {
                let decoded = withUnsafePointer(to: run) { $0.value(of: field, in: state, metricID: nil) }
                if !same(skim.value(of: field, in: state, metricID: nil), decoded) { return "run \(i + 1): \(field) differs" }
            }
            for m in run.latest where skim.metric(m.key)?.bitPattern != m.value.bitPattern {
                return "run \(i + 1): metric key \(m.key) differs"
            }
        }
        return nil
    }

    /// How many of the snapshot's runs have been decoded so far (for tests of what a query reads).
    var decodedRuns: Int { packed?.decodedCount ?? 0 }

    public static func == (a: RunTable, b: RunTable) -> Bool { a.elementsEqual(b) }
}

/// A snapshot's runs in its mapped bytes. State versions 5 and 6: `count` + 1 little-endian u64 offsets into the runs'
/// bytes, `count` u32 CRC32C of each run's bytes, `count` index entries (u64 id hash, u32 ordinal) sorted by hash,
/// then the runs' bytes. Version 4 had no checksums and the index after the runs' bytes.
struct PackedRuns: Sendable {
    let region: ByteRegion
    /// Where the offset table starts in `region`.
    let table: Int
    /// Where the runs' checksums start (nil: version 4, checked with the whole snapshot).
    let checksums: Int?
    /// Where the id index starts.
    let index: Int
    /// Where the run bytes start, and their length.
    let start: Int
    let length: Int
    let count: Int
    /// What a run may name: experiments 1...experiments, metric keys below metricKeys.
    let experiments: Int
    let metricKeys: Int
    /// Where a run that fails its checksum or does not decode is read from instead.
    let recovery: SnapshotRecovery?
    private let cache = RunCache()

    static let indexEntrySize = 12

    /// Where a version-5 table of `n` runs at `table` keeps its runs' checksums, its id index and its runs' bytes:
    /// after `n` + 1 u64 offsets, `n` u32 checksums, then `n` index entries.
    static func layout(table: Int, count n: Int) -> (checksums: Int, index: Int, start: Int) {
        let checksums = table + 8 * (n + 1), index = checksums + 4 * n
        return (checksums, index, index + indexEntrySize * n)
    }

    /// Reads a version-4 table's frame at `r`'s offset (a reader over `region.bytes[base...]`) and skips past it;
    /// only bounds are checked here, each run is checked when decoded.
    init(_ r: inout BinaryReader, region: ByteRegion, base: Int, experiments: Int, metricKeys: Int) throws(CodecError) {
        let n = try r.count(minimumElementSize: 8 + Self.indexEntrySize)
        guard n == 0 || experiments > 0 else { throw CodecError.invalidValue(at: r.offset, "\(n) runs and no experiment") }
        guard r.remaining >= 8 * (n + 1) else { throw CodecError.truncated(at: r.offset, needed: 8 * (n + 1)) }
        self.region = region
        table = base + r.offset
        checksums = nil
        start = table + 8 * (n + 1)
        count = n
        self.experiments = experiments
        self.metricKeys = metricKeys
        recovery = nil
        let length = UInt64(littleEndian: region.bytes.loadUnaligned(fromByteOffset: table + 8 * n, as: UInt64.self))
        let first = UInt64(littleEndian: region.bytes.loadUnaligned(fromByteOffset: table, as: UInt64.self))
        let room = r.remaining - 8 * (n + 1)
        guard first == 0, length <= UInt64(room), room - Int(length) >= Self.indexEntrySize * n else {
            throw CodecError.invalidValue(at: r.offset, "the run table does not fit the snapshot")
        }
        self.length = Int(length)
        index = start + Int(length)
        r.skip(to: index + Self.indexEntrySize * n - base)
    }

    /// A version-5 table of `n` runs whose bytes are `length` long, at `table` in `region`. Its offsets, checksums and
    /// index are checked against `indexChecksum` here; each run against its own checksum when read.
    init(region: ByteRegion, at table: Int, count n: Int, length: Int, indexChecksum: UInt32, experiments: Int,
         metricKeys: Int, recovery: SnapshotRecovery?) throws(CodecError) {
        let room = region.bytes.count - table
        guard n == 0 || experiments > 0 else { throw CodecError.invalidValue(at: 0, "\(n) runs and no experiment") }
        guard n <= room / 24, room - (24 * n + 8) >= length else {
            throw CodecError.invalidValue(at: 0, "the run table does not fit the snapshot")
        }
        self.region = region
        self.table = table
        (checksums, index, start) = Self.layout(table: table, count: n)
        self.length = length
        count = n
        self.experiments = experiments
        self.metricKeys = metricKeys
        self.recovery = recovery
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: region.bytes[table..<start])) == indexChecksum else {
            throw CodecError.invalidValue(at: 0, "the run table's offsets and index fail their checksum")
        }
        guard offset(0) == 0, offset(n) == length else {
            throw CodecError.invalidValue(at: 0, "the run table's offsets do not span its runs")
        }
    }

    /// Where the table ends in `region`.
    var end: Int { start + length }

    private func offset(_ i: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(littleEndian: region.bytes.loadUnaligned(fromByteOffset: table &+ 8 &* i, as: UInt64.self)))
    }

    /// The bytes of run `i`, if its offsets are in order and in bounds.
    func bytes(_ i: Int) -> UnsafeRawBufferPointer? {
        let a = offset(i), b = offset(i + 1)
        guard a >= 0, a <= b, b <= length else { return nil }
        return UnsafeRawBufferPointer(rebasing: region.bytes[(start + a)..<(start + b)])
    }

    /// The bytes of run `i` if they are in bounds and match their checksum (version 5).
    func soundBytes(_ i: Int) -> UnsafeRawBufferPointer? {
        guard let bytes = bytes(i) else { return nil }
        guard let checksums else { return bytes }
        let stored = UInt32(littleEndian: region.bytes.loadUnaligned(fromByteOffset: checksums + 4 * i, as: UInt32.self))
        return CRC32C.checksum(bytes) == stored ? bytes : nil
    }

    /// Checks every run's bounds and checksum (without decoding).
    func checkAll() throws(CodecError) {
        for i in 0..<count where soundBytes(i) == nil {
            throw CodecError.invalidValue(at: 0, "run \(i + 1) fails its checksum or bounds in the run table")
        }
    }

    /// Decodes run `i` strictly.
    func decode(_ i: Int) throws(CodecError) -> Run {
        guard let bytes = soundBytes(i) else {
            throw CodecError.invalidValue(at: 0, "run \(i + 1)'s offsets are out of order or its bytes fail their checksum")
        }
        var r = BinaryReader(bytes)
        let run = try RunCodec.decode(ordinal: i + 1, experiments: experiments, metricKeys: metricKeys, &r)
        try r.finish()
        return run
    }

    /// Run `i`, decoded once and then kept.
    func run(_ i: Int) -> Run {
        if let r = cache.state.withLock({ $0.all?[i] ?? $0.some[i] }) { return r }
        let run = decodeOrPlaceholder(i)
        cache.state.withLock { $0.some[i] = run }
        return run
    }

    /// Run `i`'s status and deleted flag: from the run when it was decoded, else skimmed from its bytes (checked
    /// against their checksum first); a run whose bytes do not skim is read as ``run(_:)`` reads it.
    func liveness(_ i: Int) -> RunLiveness {
        if let known = cache.state.withLock({ c in (c.all?[i] ?? c.some[i]).map(RunLiveness.init) }) { return known }
        if let bytes = soundBytes(i) {
            var r = BinaryReader(bytes)
            if let head = try? RunCodec.head(ordinal: i + 1, experiments: experiments, &r) {
                return RunLiveness(status: head.status, isDeleted: head.isDeleted)
            }
        }
        return RunLiveness(run(i))
    }

    /// Whether a scan of all runs should read the runs not decoded yet in place (``RunTable/scanRuns(_:skimmed:)``): not
    /// once every run is decoded, and not after a first such scan. Returns the runs decoded so far, by index.
    func skimmingScan() -> [Int: Run]? {
        cache.state.withLock { c in
            guard c.all == nil, !c.skimmed else { return nil }
            c.skimmed = true
            return c.some
        }
    }

    /// Run `i` read in place, when its bytes match their checksum and read.
    func skim(_ i: Int) -> RunSkim? {
        soundBytes(i).flatMap { RunSkim($0, ordinal: i + 1, experiments: experiments, metricKeys: metricKeys) }
    }

    /// Every run, decoded (once): what a scan of all runs reads, as one array.
    func all() -> [Run] {
        cache.state.withLock { c in
            if let all = c.all { return all }
            let all = (0..<count).map { c.some[$0] ?? decodeOrPlaceholder($0) }
            c.all = all
            c.some = [:]
            return all
        }
    }

    /// Run `i`; when it fails its checksum or does not decode, the run as rebuilt from the log, or (when that fails
    /// too, or for a snapshot decoded without a way to rebuild) a deleted placeholder.
    private func decodeOrPlaceholder(_ i: Int) -> Run {
        if let run = try? decode(i) { return run }
        if let state = recovery?.state(for: "run \(i + 1)"), i < state.runs.count { return state.runs[i] }
        return Run(ordinal: i + 1, id: "damaged-run-\(i + 1)", experiment: 1,
                   name: "(does not decode from the snapshot; run 'logbook check')",
                   parent: nil, status: .failed, startTime: 0, isDeleted: true)
    }

    var decodedCount: Int { cache.state.withLock { $0.all?.count ?? $0.some.count } }

    /// The id hash of index entry `i`.
    private func entryHash(_ i: Int) -> UInt64 {
        UInt64(littleEndian: region.bytes.loadUnaligned(fromByteOffset: index &+ Self.indexEntrySize &* i, as: UInt64.self))
    }

    private func entryOrdinal(_ i: Int) -> Int {
        Int(UInt32(littleEndian: region.bytes.loadUnaligned(fromByteOffset: index &+ Self.indexEntrySize &* i &+ 8,
                                                             as: UInt32.self)))
    }

    /// The index entries, as stored.
    func indexEntries() -> [(hash: UInt64, ordinal: UInt32)] {
        (0..<count).map { (entryHash($0), UInt32(truncatingIfNeeded: entryOrdinal($0))) }
    }

    /// The ordinal of the run with this id: a binary search of the index, then a check of each run with that hash.
    func ordinal(ofID id: String) -> Int? {
        let h = RunCodec.idHash(id)
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if entryHash(mid) < h { lo = mid + 1 } else { hi = mid }
        }
        while lo < count && entryHash(lo) == h {
            let o = entryOrdinal(lo)
            if o >= 1 && o <= count && run(o - 1).id == id { return o }
            lo += 1
        }
        return nil
    }
}

/// Runs decoded from a snapshot, shared by the copies of a state (they are a pure function of its bytes).
private final class RunCache: Sendable {
    struct State {
        /// Runs read one by one, by index.
        var some: [Int: Run] = [:]
        /// All runs, once a scan has read them all.
        var all: [Run]?
        /// Whether a scan has read the runs in place (the next decodes them all).
        var skimmed = false
    }
    let state = Mutex(State())
}
