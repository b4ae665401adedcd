public import LogbookEvents

/// What `model resolve` answers.
public struct ResolvedVersion: Equatable, Sendable {
    /// The model.
    public var model: Model
    /// The version.
    public var version: ModelVersion
}

extension LogbookStore {
    // MARK: Models

    /// A model by name (not deleted), or not found.
    public func requireModel(_ name: String) throws(LogbookError) -> Model {
        guard let m = state.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        guard !m.isDeleted else {
            throw LogbookError.notFound("Model '\(name)' is deleted; restore it with 'logbook model restore \(name)'")
        }
        return m
    }

    /// A version of a model, or not found.
    public func requireVersion(_ model: Model, _ number: Int) throws(LogbookError) -> ModelVersion {
        guard number >= 1 && number <= model.versions.count else {
            throw LogbookError.notFound("Model '\(model.name)' has no version \(number) (it has \(model.versions.count))")
        }
        return model.versions[number - 1]
    }

    /// Creates a registered model with its inventory fields.
    @discardableResult
    public func createModel(name: String, description: String? = nil, owner: String? = nil, purpose: String? = nil,
                            riskTier: RiskTier = .unspecified, _ context: WriteContext) throws(LogbookError) -> Model {
        try Validate.name(name, "model name")
        guard !name.contains("@") && !name.contains("/") else {
            throw LogbookError.usage("The model name '\(name)' may not contain '@' or '/' (they separate model references)")
        }
        if let m = state.model(named: name) {
            throw LogbookError.refused(m.isDeleted ? "Model '\(name)' exists but is deleted; restore it instead"
                                                  : "A model named '\(name)' already exists")
        }
        for (v, what) in [(description, "description"), (owner, "owner"), (purpose, "purpose")] {
            if let v { try Validate.text(v, what) }
        }
        let ordinal = state.modelCount + 1
        try append([.modelCreated(model: ordinal, name: name, description: description, owner: owner, purpose: purpose,
                                  riskTier: riskTier)], context)
        return state.model(ordinal: ordinal)
    }

    /// Changes inventory fields (nil = unchanged).
    public func updateModel(_ name: String, description: String? = nil, owner: String? = nil, purpose: String? = nil,
                            riskTier: RiskTier? = nil, validation: ValidationStatus? = nil,
                            _ context: WriteContext) throws(LogbookError) {
        let m = try requireModel(name)
        guard description != nil || owner != nil || purpose != nil || riskTier != nil || validation != nil else {
            throw LogbookError.usage("Nothing to change")
        }
        try append([.modelUpdated(model: m.ordinal, description: description, owner: owner, purpose: purpose,
                                  riskTier: riskTier, validation: validation)], context)
    }

    /// Soft-deletes a model.
    public func deleteModel(_ name: String, _ context: WriteContext) throws(LogbookError) {
        let m = try requireModel(name)
        try append([.modelDeleted(model: m.ordinal)], context)
    }

    /// Restores a deleted model.
    public func restoreModel(_ name: String, _ context: WriteContext) throws(LogbookError) {
        guard let m = state.model(named: name) else { throw LogbookError.notFound("No model named '\(name)'") }
        guard m.isDeleted else { throw LogbookError.refused("Model '\(name)' is not deleted") }
        try append([.modelRestored(model: m.ordinal)], context)
    }

    /// Registers a new version of a model from a run; returns its number.
    ///
    /// A model that does not exist yet is created in the same append (as MLflow's `register_model` does); a deleted
    /// one must be restored first.
    @discardableResult
    public func registerVersion(model name: String, run runID: String, artifact: String? = nil, parent: Int? = nil,
                                description: String? = nil, _ context: WriteContext) throws(LogbookError) -> Int {
        var creation: [Event] = []
        let m: Model
        if state.model(named: name) == nil {
            try Validate.name(name, "model name")
            guard !name.contains("@") && !name.contains("/") else {
                throw LogbookError.usage("The model name '\(name)' may not contain '@' or '/' (they separate model references)")
            }
            let ordinal = state.modelCount + 1
            creation = [.modelCreated(model: ordinal, name: name, description: nil, owner: nil, purpose: nil, riskTier: .unspecified)]
            m = Model(ordinal: ordinal, name: name, riskTier: .unspecified, createdTime: 0)
        } else {
            m = try requireModel(name)
        }
        let r = try requireRun(runID)
        guard !r.isDeleted else { throw LogbookError.refused("Run '\(runID)' is deleted; restore it before registering it") }
        if let parent { _ = try requireVersion(m, parent) }
        var digest: String?
        if let artifact {
            guard let a = r.artifacts.first(where: { $0.path == artifact }) else {
                throw LogbookError.notFound("Run '\(runID)' has no artifact '\(artifact)'; add it with 'logbook artifact add'")
            }
            digest = a.sha256
        }
        if let description { try Validate.text(description, "description") }
        let metrics = r.latest.map { KeyValue(state.metricKeys.strings[Int($0.key)], Self.format($0.value)) }
        let number = m.versions.count + 1
        try append(creation + [.versionRegistered(model: m.ordinal, version: number, run: r.ordinal, artifactPath: artifact,
                                                  artifactSHA256: digest, parent: parent, description: description,
                                                  datasets: r.datasets, metrics: metrics)], context)
        return number
    }

    /// Moves a version to a stage. Moving to Staging or Production archives the versions already there, in the
    /// same append, unless `keepExisting`.
    public func setStage(model name: String, version number: Int, stage: Stage, keepExisting: Bool = false,
                         _ context: WriteContext) throws(LogbookError) {
        _ = try context.requireReason("a stage change")
        let m = try requireModel(name)
        let v = try requireVersion(m, number)
        guard v.stage != stage else {
            throw LogbookError.refused("Version \(number) of '\(name)' is already in \(stage.name)")
        }
        try append([stageChange(m, to: number, stage: stage, keepExisting: keepExisting)], context)
    }

    /// The stage change event moving `number` to `stage`, archiving the others there unless told not to.
    func stageChange(_ m: Model, to number: Int, stage: Stage, keepExisting: Bool = false) -> Event {
        let archived = (stage == .staging || stage == .production) && !keepExisting
            ? m.versions.filter { $0.stage == stage && $0.number != number }.map(\.number) : []
        return .stageChanged(model: m.ordinal, version: number, from: m.versions[number - 1].stage, to: stage,
                             archived: archived)
    }

    /// Points an alias at a version.
    public func setAlias(model name: String, alias: String, version number: Int,
                         _ context: WriteContext) throws(LogbookError) {
        _ = try context.requireReason("an alias move")
        let m = try requireModel(name)
        _ = try requireVersion(m, number)
        try Validate.name(alias, "alias", limit: 128)
        guard !["production", "staging", "latest", "none", "archived"].contains(alias.lowercased()),
              Int(alias) == nil, !alias.contains("@"), !alias.contains("/") else {
            throw LogbookError.usage("'\(alias)' cannot be an alias: it would be read as a stage, 'latest' or a version")
        }
        if m.version(forAlias: alias) == number {
            throw LogbookError.refused("Alias '\(alias)' of '\(name)' already points at version \(number)")
        }
        try append([.aliasSet(model: m.ordinal, alias: alias, version: number)], context)
    }

    /// Removes an alias.
    public func removeAlias(model name: String, alias: String, _ context: WriteContext) throws(LogbookError) {
        _ = try context.requireReason("an alias move")
        let m = try requireModel(name)
        guard m.version(forAlias: alias) != nil else {
            throw LogbookError.notFound("Model '\(name)' has no alias '\(alias)'")
        }
        try append([.aliasRemoved(model: m.ordinal, alias: alias)], context)
    }

    /// The model name of a reference (NAME@SELECTOR or NAME/VERSION; the whole text when it is neither).
    package static func modelName(inReference reference: String) -> String {
        if let at = reference.lastIndex(of: "@") { return String(reference[..<at]) }
        if let slash = reference.lastIndex(of: "/") { return String(reference[..<slash]) }
        return reference
    }

    /// Resolves `NAME@production`, `NAME@staging`, `NAME@ALIAS`, `NAME@latest` or `NAME/VERSION`.
    public func resolve(_ reference: String, in state: LogbookState? = nil) throws(LogbookError) -> ResolvedVersion {
        let s = state ?? self.state
        let name = Self.modelName(inReference: reference)
        var number: Int?
        var selector: String?
        if let at = reference.lastIndex(of: "@") {
            selector = String(reference[reference.index(after: at)...])
        } else if let slash = reference.lastIndex(of: "/") {
            guard let n = Int(reference[reference.index(after: slash)...]) else {
                throw LogbookError.usage("'\(reference)' is not a model reference: use NAME/VERSION, NAME@STAGE or NAME@ALIAS")
            }
            number = n
        } else {
            throw LogbookError.usage("'\(reference)' is not a model reference: use NAME/VERSION, NAME@STAGE or NAME@ALIAS")
        }
        guard let m = s.model(named: name), !m.isDeleted else { throw LogbookError.notFound("No model named '\(name)'") }
        if let selector {
            switch selector.lowercased() {
            case "production", "staging":
                let stage: Stage = selector.lowercased() == "production" ? .production : .staging
                guard let v = m.versions.last(where: { $0.stage == stage }) else {
                    throw LogbookError.notFound("Model '\(name)' has no version in \(stage.name)")
                }
                number = v.number
            case "latest":
                guard let v = m.versions.last else { throw LogbookError.notFound("Model '\(name)' has no versions") }
                number = v.number
            default:
                guard let v = m.version(forAlias: selector) else {
                    throw LogbookError.notFound("Model '\(name)' has no alias '\(selector)'")
                }
                number = v
            }
        }
        guard let n = number, n >= 1, n <= m.versions.count else {
            throw LogbookError.notFound("Model '\(name)' has no version \(number ?? 0)")
        }
        return ResolvedVersion(model: m, version: m.versions[n - 1])
    }

    // MARK: Formatting

    /// A metric value as text, exactly (shortest round-trip form).
    static func format(_ v: Double) -> String { v.description }
}
