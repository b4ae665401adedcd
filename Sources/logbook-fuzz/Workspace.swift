import Logbook
import LogbookCLI
import LogbookStorage

/// Scratch directories and stores the targets reuse from one input to the next (an input costs microseconds,
/// so nothing is created per input that can be reused).
final class Workspace {
    let root: String
    private let io = FileIO()
    private var ingestStore: LogbookStore?
    private var ingestInputs = 0
    private var filterState: LogbookState?

    /// Under the current directory (the caller chooses where scratch stores go, and removes them).
    init() {
        root = "logbook-fuzz-work-\(FileIO.processID)"
        try? io.makeDirectory(root)
    }

    /// A log directory whose only segment holds `data`.
    func segmentStore(with data: UnsafeRawBufferPointer) -> String {
        let store = root + "/record"
        let log = store + "/log"
        try? io.makeDirectory(store)
        try? io.makeDirectory(log)
        for name in (try? io.listDirectory(log)) ?? [] { try? io.unlink(log + "/" + name) }
        if let file = try? io.open(log + "/00000000000000000001.seg", writable: true, create: true, truncate: true) {
            try? file.write(data, at: 0)
            file.close()
        }
        return store
    }

    /// Applies a JSON Lines input to a scratch store (all or nothing), starting a new store every 10,000 inputs.
    func ingest(_ data: UnsafeRawBufferPointer) -> Bool {
        ingestInputs += 1
        if ingestStore == nil || ingestInputs % 10_000 == 0 {
            try? ingestStore?.close()
            let path = root + "/ingest-\(ingestInputs)"
            var options = StoreOptions()
            options.durable = false
            options.snapshotOnCloseAfter = .max
            options.snapshotOnCloseAfterBytes = .max
            ingestStore = try? LogbookStore(at: path, writable: true, options: options)
        }
        guard let store = ingestStore else { fatalError("cannot create the scratch store under \(root)") }
        return (try? Ingest.run([UInt8](data), store: store, defaults: WriteContext(actor: "fuzz", time: 1_700_000_000_000))) != nil
    }

    /// Parses a filter (first line) and an order (second line) and runs them over a fixed set of runs.
    func filter(_ data: UnsafeRawBufferPointer) -> Bool {
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        let state = fixedState()
        guard let filter = try? RunFilter(parsing: String(lines[0])) else { return false }
        for run in state.runs { _ = filter.matches(run, in: state) }
        if lines.count > 1, let order = try? RunOrder(parsing: String(lines[1])) {
            _ = order.sort(state.runs, in: state)
        }
        return true
    }

    /// A store with two experiments and a few runs of varied params, metrics and tags, made once.
    private func fixedState() -> LogbookState {
        if let filterState { return filterState }
        let lines = """
        {"op":"experiment.create","name":"churn"}
        {"op":"run.start","experiment":"churn","id":"r1","name":"base"}
        {"op":"run.log","run":"r1","params":{"lr":"0.1","depth":"6"},"metrics":[{"key":"auc","value":0.81,"step":1},{"key":"loss","value":0.4}],"tags":{"team":"growth"}}
        {"op":"run.start","experiment":"churn","id":"r2","name":"deep net"}
        {"op":"run.log","run":"r2","params":{"lr":"0.01"},"metrics":[{"key":"auc","value":0.87}],"tags":{"team":"risk","mlflow.note":"x"}}
        {"op":"run.end","run":"r2","status":"failed"}
        {"op":"run.start","experiment":"churn","id":"r3"}
        """
        var options = StoreOptions()
        options.durable = false
        guard let store = try? LogbookStore(at: root + "/filter", writable: true, options: options) else {
            fatalError("cannot create the filter store under \(root)")
        }
        do { _ = try Ingest.run(Array(lines.utf8), store: store, defaults: WriteContext(actor: "fuzz", time: 1_700_000_000_000)) }
        catch { fatalError("the filter fixture does not ingest: \(error)") }
        filterState = store.state
        return store.state
    }
}
