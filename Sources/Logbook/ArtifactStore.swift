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
        let target = path(sha256)
        if io.exists(target) { return }
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
        let target = path(sha256)
        let bytes: [UInt8]
        do {
            let file = try io.open(target, writable: false)
            bytes = try file.read(count: try file.size(), at: 0)
        } catch {
            throw LogbookError(.integrity, "The bytes of artifact \(sha256) are missing from the store (\(error))")
        }
        guard SHA256.hash(bytes).hex == sha256 else {
            throw LogbookError(.integrity, "The bytes of artifact \(sha256) are damaged (SHA-256 mismatch)")
        }
        return bytes
    }
}
