import Logbook
import LogbookStorage

/// init, stats, check, snapshot, compact, repair, export, ingest.
enum StoreCommands {
    static func initStore(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let existed = Invocation.storeExists(inv.storePath)
        let store = try LogbookStore(at: inv.storePath, writable: true, options: inv.storeOptions)
        inv.warn(store.warnings)
        try store.close()
        if inv.flag("--pseudonymize"), try LogbookStore.enablePseudonyms(at: inv.storePath, options: inv.storeOptions) {
            inv.message("Actors will be recorded as keyed pseudonyms; the key and the names are in '\(inv.storePath)/identity/' "
                        + "(back it up apart from the log; it is never exported)")
        }
        if inv.json {
            inv.printJSON(.object([JSONMember("store", .string(inv.storePath)), JSONMember("created", .bool(!existed))]))
        }
        inv.message(existed ? "A Logbook store already exists in '\(inv.storePath)'; left as is"
                            : "Created an empty Logbook store in '\(inv.storePath)'")
        return 0
    }

    static func stats(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.store.stats(in: inv.state) // with --at: the contents as of then (files as they are now)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("events", .int(Int64(s.events))),
                JSONMember("segments", .int(Int64(s.segments))),
                JSONMember("archived_segments", .int(Int64(s.archivedSegments))),
                JSONMember("bytes", .int(Int64(s.logBytes))),
                JSONMember("snapshots", .int(Int64(s.snapshots))),
                JSONMember("snapshot_bytes", .int(Int64(s.snapshotBytes))),
                JSONMember("last_seq", .int(Int64(s.lastSequence))),
                JSONMember("last_time", Render.time(s.lastTime)),
                JSONMember("experiments", .int(Int64(s.experiments))),
                JSONMember("runs", .int(Int64(s.runs))),
                JSONMember("models", .int(Int64(s.models))),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("store", inv.storePath),
                ("events", String(s.events)),
                ("segments", "\(s.segments) (\(s.archivedSegments) archived)"),
                ("bytes", "\(s.logBytes) (\(Human.bytes(Int64(s.logBytes))))"),
                ("snapshots", "\(s.snapshots) (\(Human.bytes(Int64(s.snapshotBytes))))"),
                ("newest sequence", String(s.lastSequence)),
                ("newest time", s.lastTime == .min ? "-" : Timestamp.iso(s.lastTime)),
                ("experiments", String(s.experiments)),
                ("runs", String(s.runs)),
                ("models", String(s.models)),
            ]))
        }
        return 0
    }

    static func check(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let report = try inv.store.check()
        let v = report.verify
        if inv.json {
            inv.printJSON(.object([
                JSONMember("ok", .bool(true)),
                JSONMember("records", .int(Int64(report.records))),
                JSONMember("batches", .int(Int64(v.batches))),
                JSONMember("segments", .int(Int64(v.segments))),
                JSONMember("snapshots_checked", .int(Int64(report.snapshotsChecked))),
                JSONMember("seq", .int(Int64(v.digest.sequence))),
                JSONMember("hash", .string(v.digest.chain.hex)),
            ]))
        } else {
            inv.line("OK: \(report.records) records in \(v.batches) batches over \(v.segments) segment(s); every checksum "
                     + "and the hash chain verify; \(report.snapshotsChecked) snapshot(s) equal a replay of the log")
        }
        return 0
    }

    static func snapshot(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let store = inv.store
        guard store.state.lastSequence > 0 else {
            inv.message("The store is empty: no snapshot written")
            if inv.json { inv.printJSON(.object([JSONMember("seq", .null)])) }
            return 0
        }
        try store.writeSnapshot()
        if inv.json {
            inv.printJSON(.object([JSONMember("seq", .int(Int64(store.state.lastSequence)))]))
        } else {
            inv.line(String(store.state.lastSequence))
            inv.message("Snapshot written at sequence \(store.state.lastSequence)")
        }
        return 0
    }

    static func compact(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let report = try inv.store.compact()
        if inv.json {
            inv.printJSON(.object([JSONMember("seq", .int(Int64(report.snapshotSequence))),
                                   JSONMember("archived", .array(report.archived.map { .string($0) }))]))
        } else {
            inv.message("Snapshot at sequence \(report.snapshotSequence); archived \(report.archived.count) segment(s)")
            for path in report.archived { inv.line("  \(path)") }
        }
        return 0
    }

    static func repair(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let n = try ValueParser.sequence(try inv.require("--truncate-after"), "--truncate-after")
        try inv.requireStore()
        let report = try LogbookStore.repair(at: inv.storePath, truncateAfter: n, options: inv.storeOptions, inv.context)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("kept_through", .int(Int64(report.keptThrough))),
                JSONMember("removed_bytes", .int(Int64(report.removedBytes))),
                JSONMember("removed_segments", .array(report.removedSegments.map { .string($0) })),
                JSONMember("saved_to", .string(report.savedTo)),
            ]))
        } else {
            inv.line("Kept records 1...\(report.keptThrough); removed \(report.removedBytes) bytes"
                     + (report.removedSegments.isEmpty ? "" : " and \(report.removedSegments.count) segment file(s)"))
            if let saved = report.savedTo { inv.line("The removed bytes are saved in \(saved)") }
        }
        return 0
    }

    static func export(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let from = try inv.sequenceOption("--from") ?? 1
        let to = try inv.sequenceOption("--to") ?? .max
        let state = try inv.state
        let through = min(to, state.lastSequence)
        guard from <= through else { return 0 }
        try inv.store.forEachEvent(from: max(from, 1), through: through) { e in
            inv.printJSON(External.exportLine(inv.shown(e), state))
            return true
        }
        return 0
    }

    static func ingest(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let file = inv.positionals.first ?? "-"
        let bytes = file == "-" ? try StandardStreams.readInput() : try StandardStreams.readFile(file)
        let report = try External.ingest(bytes, store: inv.store, defaults: inv.context)
        if inv.json {
            inv.printJSON(.object([JSONMember("lines", .int(Int64(report.lines))),
                                   JSONMember("events", .int(Int64(report.events)))]))
        } else {
            inv.message("Ingested \(report.lines) line(s): \(report.events) event(s) appended")
        }
        return 0
    }
}
