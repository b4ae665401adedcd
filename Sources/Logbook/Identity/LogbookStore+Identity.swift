internal import LogbookEvents
internal import LogbookStorage

extension LogbookStore {
    /// Makes the store at `path` record keyed pseudonyms instead of actor names, creating the store if missing.
    /// Only a store without events can start: names already in the log could not be taken back.
    /// - Returns: false when it already records pseudonyms (left as is).
    /// - Throws: `.refused` for a store that already has events recorded under names.
    public static func enablePseudonyms(at path: String, options: StoreOptions = StoreOptions()) throws(LogbookError) -> Bool {
        if IdentityMap.isEnabled(store: path, io: options.io) { return false }
        let store = try LogbookStore(at: path, writable: true, options: options)
        defer { try? store.close() }
        guard store.state.lastSequence == 0 else {
            throw LogbookError.refused("The store at '\(path)' already records \(store.state.lastSequence) event(s) under actor "
                                       + "names; pseudonymization is chosen when a store is created (make a new one with "
                                       + "'logbook init --pseudonymize')")
        }
        try IdentityMap.create(store: path, io: options.io)
        return true
    }

    /// Whether the store records pseudonyms.
    public var recordsPseudonyms: Bool { identities != nil }

    /// The actor string recorded for `name`: the name itself, or in a pseudonymized store the person's pseudonym
    /// (a new one is saved with the next write).
    func recordedActor(_ name: String) -> String {
        guard identities != nil else { return name }
        return identities!.pseudonym(for: name)
    }

    /// What to show for a recorded actor: the name when the pseudonym map has it, else the actor as recorded.
    public func displayName(ofActor recorded: String) -> String {
        guard let name = identities?.name(of: recorded), !state.erasedPseudonyms.contains(recorded) else { return recorded }
        return name
    }

    /// The recorded actor a name filters on (`audit log --actor NAME`): its pseudonym when the map has it.
    public func recordedActorForQuery(_ name: String) -> String {
        identities?.existingPseudonym(of: name) ?? name
    }

    /// Destroys a person's entry in the pseudonym map and records the erasure (by pseudonym only). Their events
    /// stay in the log, under a pseudonym nothing links to them any more; the chain still verifies.
    /// - Throws: `.refused` in a store without pseudonyms; `.notFound` for a name the map does not have.
    /// - Returns: the pseudonym that remains in the log.
    @discardableResult
    public func eraseIdentity(_ name: String, _ context: WriteContext) throws(LogbookError) -> String {
        guard identities != nil else {
            throw LogbookError.refused("This store records actor names, not pseudonyms: there is no pseudonym map to erase "
                                       + "from (only a store created with 'logbook init --pseudonymize' can erase a person)")
        }
        _ = try context.requireReason("an erasure")
        guard let pseudonym = identities!.existingPseudonym(of: name) else {
            throw LogbookError.notFound("The pseudonym map has no person named '\(name)' (never recorded, or already erased)")
        }
        // Recorded first, then destroyed: a crash in between leaves a recorded erasure that the next writer finishes.
        try append([.identityErased(pseudonym: pseudonym)], context)
        // Recorded and acknowledged: output already hides the name; the next writer rewrites the map if this fails.
        do { try finishErasures() } catch {
            warnings.append("The erasure is recorded but rewriting the pseudonym map failed (the next write finishes it): \(error)")
        }
        return pseudonym
    }

    /// Removes from the map every person whose erasure the log records (after a crash between the two steps).
    func finishErasures() throws(LogbookError) {
        guard identities != nil else { return }
        var changed = false
        for p in state.erasedPseudonyms where identities!.erase(pseudonym: p) { changed = true }
        if changed { try identities!.save(io: options.io) }
    }

    /// Saves new pseudonyms before the events that use them are appended.
    func saveNewPseudonyms() throws(LogbookError) {
        if identities?.isDirty == true { try identities!.save(io: options.io) }
    }
}
