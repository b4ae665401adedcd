import Logbook
import LogbookEvents

/// The pieces of the command line another engineer owns (export lines, ingest, run filters), called through one
/// place.
enum External {
    struct IngestSummary {
        var lines: Int
        var events: UInt64
    }

    /// One export line `{"seq","time","actor","reason","type","data"}`.
    static func exportLine(_ e: EventEnvelope, _ state: LogbookState) -> JSON { ExportFormat.line(e, state: state) }

    /// Applies JSON Lines commands, all or nothing.
    static func ingest(_ bytes: [UInt8], store: LogbookStore, defaults: WriteContext) throws(LogbookError) -> IngestSummary {
        let report = try Ingest.run(bytes, store: store, defaults: defaults)
        return IngestSummary(lines: report.lines, events: report.events)
    }

    /// `--filter EXPR` of `run list`.
    static func filter(_ text: String) throws(LogbookError) -> RunFilter { try RunFilter(parsing: text) }

    /// `--order-by EXPR` of `run list`.
    static func order(_ text: String) throws(LogbookError) -> RunOrder { try RunOrder(parsing: text) }
}
