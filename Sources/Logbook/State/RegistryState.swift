public import LogbookEvents
package import LogbookStorage

/// A registered model version.
public struct ModelVersion: Equatable, Sendable {
    /// Its number (1, 2, ... per model).
    public var number: Int
    /// The run it was registered from (ordinal).
    public var run: Int
    /// Artifact path inside the run, when given.
    public var artifactPath: String?
    /// SHA-256 of the artifact, when it was recorded.
    public var artifactSHA256: String?
    /// The version it was derived from.
    public var parent: Int?
    /// Description.
    public var description: String?
    /// Datasets of the run at registration (name, digest).
    public var datasets: [KeyValue]
    /// Metrics of the run at registration (key, value as text).
    public var metrics: [KeyValue]
    /// Current stage.
    public var stage: Stage = .none
    /// When it was registered.
    public var createdTime: Int64
    /// When its stage last changed.
    public var stageTime: Int64
    /// A promotion waiting for approval: who asked (pseudonym or name as recorded).
    public var pendingPromotionBy: String?
}

/// A registered model with its versions, aliases and policy.
public struct Model: Equatable, Sendable {
    /// Its ordinal (1, 2, ...).
    public var ordinal: Int
    /// Its name.
    public var name: String
    /// Description.
    public var description: String?
    /// Owner (inventory).
    public var owner: String?
    /// Purpose (inventory).
    public var purpose: String?
    /// Risk tier (inventory).
    public var riskTier: RiskTier
    /// Validation status (inventory).
    public var validation: ValidationStatus = .unspecified
    /// Soft-deleted.
    public var isDeleted = false
    /// When it was created.
    public var createdTime: Int64
    /// Versions; version n is `versions[n - 1]`.
    public var versions: [ModelVersion] = []
    /// Aliases, sorted by alias.
    public var aliases: [KeyValue] = []
    /// The promotion policy, if set.
    public var policy: PromotionPolicy?
    /// Positions of every event about this model and its versions, in log order.
    package var events: [LogPosition] = []

    /// The version in Production with the highest number (there is at most one unless --keep-existing was used).
    public var production: ModelVersion? { versions.last { $0.stage == .production } }

    /// The version an alias points at.
    public func version(forAlias alias: String) -> Int? { aliases.first { $0.key == alias }.flatMap { Int($0.value) } }

    /// The aliases that point at `version`, sorted.
    public func aliases(of version: Int) -> [String] { aliases.filter { $0.value == String(version) }.map(\.key) }
}
