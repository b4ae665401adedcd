import Logbook
import LogbookEvents
import LogbookStorage

/// audit log, digest, verify (of a store or a bundle).
enum AuditCommands {
    static func log(_ inv: Invocation) throws(LogbookError) -> Int32 {
        var query = AuditQuery()
        if let e = inv.value("--entity") { query.entity = try EntityReference(parsing: e) }
        query.actor = inv.value("--actor")
        switch try inv.momentOption("--since") {
        case .time(let t): query.since = t
        case .sequence(let n): query.fromSequence = n
        case nil: break
        }
        switch try inv.momentOption("--until") {
        case .time(let t): query.until = t
        case .sequence(let n): query.throughSequence = n
        case nil: break
        }
        query.limit = try inv.countOption("--limit")
        let events = try inv.store.auditEvents(query, in: inv.pastState)
        try printEvents(inv, events)
        return 0
    }

    /// Events as export lines (`--json`) or a table.
    static func printEvents(_ inv: Invocation, _ events: [EventEnvelope]) throws(LogbookError) {
        let s = try inv.state
        if inv.json {
            for e in events { inv.printJSON(External.exportLine(inv.shown(e), s)) }
            return
        }
        var t = Table(["SEQ", "TIME", "ACTOR", "TYPE", "DETAILS", "REASON"], rightAligned: [0])
        for e in events {
            let line = External.exportLine(inv.shown(e), s)
            var type = "-"
            if case .string(let name)? = line["type"] { type = name }
            t.add([String(e.sequence), Human.time(e.timestamp), inv.store.displayName(ofActor: e.actor), type, details(line["data"]), e.reason ?? "-"])
        }
        inv.out(t.render())
    }

    /// An event's data, compact and cut to a readable length.
    static func details(_ data: JSON?) -> String {
        guard let data else { return "-" }
        var text: String
        if case .object(let members) = data {
            text = members.map { "\($0.key)=\(compact($0.value))" }.joined(separator: " ")
        } else {
            text = data.rendered()
        }
        if text.count > 96 { text = String(text.prefix(95)) + "…" }
        return text.isEmpty ? "-" : text
    }

    private static func compact(_ v: JSON) -> String {
        if case .string(let s) = v { return s }
        return v.rendered()
    }

    static func digest(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let store = inv.store
        let d: LogDigest
        if let moment = inv.moment { d = try store.digest(at: moment) } else { d = try store.digest() }
        let s = try inv.state
        let time: Int64? = d.sequence == 0 ? nil
            : (d.sequence == s.lastSequence ? s.lastTimestamp : try store.state(at: .sequence(d.sequence)).lastTimestamp)
        if inv.json {
            inv.printJSON(.object([JSONMember("seq", .int(Int64(d.sequence))), JSONMember("time", Render.time(time)),
                                   JSONMember("hash", .string(d.chain.hex))]))
        } else {
            inv.out(Table.keyValues([
                ("seq", String(d.sequence)),
                ("time", time.map(Timestamp.iso) ?? "-"),
                ("hash", d.chain.hex),
                ("digest", "\(d.sequence):\(d.chain.hex)"),
            ]))
            inv.message("Keep the digest somewhere else; later, 'logbook audit verify --digest \(d.sequence):\(d.chain.hex)' proves the log up to \(d.sequence) is unchanged")
        }
        return 0
    }

    static func verify(_ inv: Invocation) throws(LogbookError) -> Int32 {
        var digest: LogDigest?
        if let text = inv.value("--digest") {
            guard let d = LogDigest(parsing: text) else {
                throw LogbookError(.usage, "--digest '\(text)' is not N:HEX (a sequence number, a colon, 64 hex digits); "
                                   + "'logbook audit digest' prints one")
            }
            digest = d
        }
        if let bundle = inv.value("--bundle") {
            let verified = try AuditBundle.verify(bundle, digest: digest, io: inv.storeOptions.io)
            let report = verified.log
            if inv.json {
                inv.printJSON(.object([
                    JSONMember("ok", .bool(true)),
                    JSONMember("bundle", .string(bundle)),
                    JSONMember("records", .int(Int64(report.records))),
                    JSONMember("batches", .int(Int64(report.batches))),
                    JSONMember("segments", .int(Int64(report.segments))),
                    JSONMember("files", .int(Int64(verified.files))),
                    JSONMember("snapshots", .int(Int64(verified.snapshots))),
                    JSONMember("first_seq", .int(Int64(report.firstSequence))),
                    JSONMember("seq", .int(Int64(report.digest.sequence))),
                    JSONMember("hash", .string(report.digest.chain.hex)),
                    JSONMember("digest_matched", digest == nil ? .null : .bool(report.matchedDigest)),
                ]))
            } else {
                inv.line("OK: bundle '\(bundle)': \(report.records) records in \(report.batches) batches over \(report.segments) "
                         + "segment(s), sequence \(report.firstSequence)...\(report.digest.sequence); every checksum, the hash "
                         + "chain, \(verified.files) files against manifest.json, \(verified.snapshots) snapshot(s) and the "
                         + "manifest's digest verify")
                if let digest {
                    inv.line("The log up to sequence \(digest.sequence) is the one digest \(digest.sequence):\(digest.chain.hex.prefix(16))… was taken from")
                }
            }
            return 0
        }
        try inv.requireStore()
        let report = try LogbookStore.verifyLog(at: inv.storePath, upTo: digest, io: inv.storeOptions.io)
        if inv.json {
            inv.printJSON(.object([
                JSONMember("ok", .bool(true)),
                JSONMember("records", .int(Int64(report.records))),
                JSONMember("batches", .int(Int64(report.batches))),
                JSONMember("segments", .int(Int64(report.segments))),
                JSONMember("first_seq", .int(Int64(report.firstSequence))),
                JSONMember("seq", .int(Int64(report.digest.sequence))),
                JSONMember("hash", .string(report.digest.chain.hex)),
                JSONMember("digest_matched", digest == nil ? .null : .bool(report.matchedDigest)),
            ]))
        } else {
            inv.line("OK: \(report.records) records in \(report.batches) batches over \(report.segments) segment(s); "
                     + "every checksum and the hash chain verify (sequence \(report.firstSequence)...\(report.digest.sequence))")
            if let digest {
                inv.line("The log up to sequence \(digest.sequence) is the one digest \(digest.sequence):\(digest.chain.hex.prefix(16))… was taken from")
            }
        }
        return 0
    }
}
