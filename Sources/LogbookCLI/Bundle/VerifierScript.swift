enum VerifierScript {
    static let source = "placeholder"
}
