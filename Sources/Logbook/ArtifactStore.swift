internal import LogbookStorage

/// Artifact bytes kept content-addressed inside the store: `<store>/artifacts/<first 2 hex>/<sha256>`.
///
/// Written atomically (temporary file, fsync, rename, directory fsync) before the event that names them is
/// appended, so an acknowledged artifact always has its bytes; read back only after checking their SHA-256.
struct ArtifactStore {
    let root: String
    let io: FileIO

    var directory: String { root + "/artifacts" }

    func path(_ sha256: String) -> String { directory + "/" + sha256.prefix(2) + "/" + sha256 }

    /// Stores the bytes unless an identical copy is there already.
    func put(_ bytes: [UInt8], sha256: String) throws(LogbookError) {
        try checkNoLinks(sha256)
        let target = path(sha256)
        if io.exists(target) {
            // Only a file of the store's own counts as the copy (opened without following a symbolic link).
            guard io.sizeOfFile(target) != nil else {
                throw LogbookError(.integrity, "'\(target)' is not a regular file of the store (a symbolic link?); "
                                   + "the store never follows links: remove it, or restore the store from a backup")
            }
            return
        }
        do {
            try io.makeDirectoryDurably(directory, in: root)
            try io.makeDirectoryDurably(directory + "/" + sha256.prefix(2), in: directory)
        } catch {
            throw LogbookError(.failure, "Creating the artifact directory failed: \(error)")
        }
        do { try io.writeAtomically(bytes, to: target, directory: directory + "/" + sha256.prefix(2)) } catch {
            throw LogbookError(error)
        }
    }

    /// The bytes stored under `sha256`, checked.
    func get(sha256: String) throws(LogbookError) -> [UInt8] {
        try checkNoLinks(sha256)
        let target = path(sha256)
        let bytes: [UInt8]
        do {
            let file = try io.open(target, writable: false)
            bytes = try file.read(count: try file.size(), at: 0)
        } catch {
            throw LogbookError(.integrity, "The bytes of artifact \(sha256) are missing from the store ('\(target)': \(error))")
        }
        guard SHA256.hash(bytes).hex == sha256 else {
            throw LogbookError(.integrity, "The bytes of artifact \(sha256) are damaged (SHA-256 mismatch)")
        }
        return bytes
    }

    /// `artifacts/` and `artifacts/<first 2 hex>/`, where they exist, must be directories of the store: a symbolic
    /// link in their place is damage and is never followed (bytes would be read from, or trusted at, wherever it
    /// points). Checked from the top, as `lstat` follows links in the path's earlier components.
    private func checkNoLinks(_ sha256: String) throws(LogbookError) {
        for dir in [directory, directory + "/" + sha256.prefix(2)] where io.exists(dir) && !io.isDirectory(dir) {
            throw LogbookError(.integrity, "'\(dir)' is not a directory (a symbolic link?); the store never follows links: "
                               + "put the store's own directory back, or restore the store from a backup")
        }
    }
}
