import Logbook
import LogbookEvents
import LogbookStorage

/// audit trail, audit export, retention, prune, identity erase.
enum ComplianceCommands {
    static func trail(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let text = inv.positional(0)
        guard text.hasPrefix("model:"), let slash = text.lastIndex(of: "/"), slash > text.index(text.startIndex, offsetBy: 6) else {
            throw LogbookError(.usage, "'\(text)' is not model:NAME/VERSION (e.g. model:churn/3)")
        }
        let name = String(text[text.index(text.startIndex, offsetBy: 6)..<slash])
        let version = try ValueParser.version(String(text[text.index(after: slash)...]))
        let events = try inv.store.changeRecord(model: name, version: version, in: inv.pastState)
        try AuditCommands.printEvents(inv, events)
        return 0
    }

    static func export(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let out = try inv.require("--out")
        try inv.requireStore()
        let exported = try AuditBundle.export(store: inv.storePath, to: out, io: inv.storeOptions.io)
        let digest = "\(exported.digest.sequence):\(exported.digest.chain.hex)"
        if inv.json {
            inv.printJSON(.object([
                JSONMember("out", .string(out)),
                JSONMember("seq", .int(Int64(exported.digest.sequence))),
                JSONMember("time", Render.time(exported.digest.sequence == 0 ? nil : exported.time)),
                JSONMember("hash", .string(exported.digest.chain.hex)),
                JSONMember("first_seq", .int(Int64(exported.firstSequence))),
                JSONMember("files", .int(Int64(exported.files.count + 1))),
                JSONMember("bytes", .int(exported.files.reduce(0) { $0 + $1.bytes })),
            ]))
        } else {
            inv.line(out)
            inv.message("Wrote an audit bundle of sequence \(exported.firstSequence)...\(exported.digest.sequence) "
                        + "(\(exported.files.count + 1) files) to '\(out)'; digest \(digest). Check it anywhere with "
                        + "'python3 \(out)/verify.py' or 'logbook audit verify --bundle \(out)'")
        }
        return 0
    }

    static func retentionSet(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let text = try inv.require("--min-days")
        guard let days = Int(text) else {
            throw LogbookError(.usage, "--min-days '\(text)' is not a whole number of days")
        }
        try inv.store.setRetention(minDays: days, inv.context)
        inv.message("Records younger than \(days) days can no longer be pruned")
        return 0
    }

    static func retentionShow(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let s = try inv.state
        let pruned = s.pruned
        if inv.json {
            inv.printJSON(.object([
                JSONMember("min_days", .int(Int64(s.retentionDays))),
                JSONMember("default", .bool(s.retentionSetting == nil)),
                JSONMember("first_seq", .int(Int64(inv.store.firstRetainedSequence))),
                JSONMember("pruned_through", pruned.map { .int(Int64($0.throughSequence)) } ?? .null),
                JSONMember("pruned_through_time", Render.time(pruned?.throughTime)),
            ]))
        } else {
            inv.out(Table.keyValues([
                ("min_days", "\(s.retentionDays)\(s.retentionSetting == nil ? " (default)" : "")"),
                ("first_seq", String(inv.store.firstRetainedSequence)),
                ("pruned_through", pruned.map { "\($0.throughSequence) (\(Human.time($0.throughTime)))" } ?? "-"),
            ]))
        }
        return 0
    }

    static func prune(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let text = try inv.require("--before")
        let before = try ValueParser.time(text, "--before")
        guard let result = try inv.store.prune(before: before, inv.context) else {
            if inv.json {
                inv.printJSON(.object([JSONMember("pruned", .bool(false))]))
            }
            inv.message("Nothing to prune: no archived segment ends before \(Timestamp.iso(before)) "
                        + "(run 'logbook compact' to archive old segments first)")
            return 0
        }
        if inv.json {
            inv.printJSON(.object([
                JSONMember("pruned", .bool(true)),
                JSONMember("through_seq", .int(Int64(result.throughSequence))),
                JSONMember("through_time", Render.time(result.throughTime)),
                JSONMember("segments", .int(Int64(result.segments))),
                JSONMember("bytes", .int(result.bytes)),
            ]))
        } else {
            inv.message("Pruned records 1...\(result.throughSequence) (to \(Timestamp.iso(result.throughTime))): "
                        + "\(result.segments) segment(s), \(Human.bytes(result.bytes)); recorded, and verification now "
                        + "starts from the checkpoint at sequence \(result.throughSequence)")
        }
        return 0
    }

    static func erase(_ inv: Invocation) throws(LogbookError) -> Int32 {
        let pseudonym = try inv.store.eraseIdentity(inv.positional(0), inv.context)
        if inv.json {
            inv.printJSON(.object([JSONMember("pseudonym", .string(pseudonym))]))
        } else {
            inv.line(pseudonym)
            inv.message("Erased '\(inv.positional(0))' from the pseudonym map; the log keeps only \(pseudonym)")
        }
        return 0
    }
}
