// swift-tools-version:6.2
import PackageDescription

// Logbook depends on nothing outside the Swift toolchain: no package dependencies are declared, on purpose.
let package = Package(
    name: "Logbook",
    products: [
        .library(name: "Logbook", targets: ["Logbook"]),
        .executable(name: "logbook", targets: ["logbook"]),
        .executable(name: "logbook-bench", targets: ["logbook-bench"]),
    ],
    targets: [
        // CPU intrinsics only (SSE4.2 crc32, SHA-NI); every function has a pure-Swift twin that tests prove identical.
        .target(name: "CLogbookHash"),
        // The log engine: segments, framing, CRC32C, hash chain, recovery, locking, durability, snapshot files.
        // System calls live in Sources/LogbookStorage/System and nowhere else.
        .target(name: "LogbookStorage", dependencies: ["CLogbookHash"]),
        // Statistics for A/B tests and drift: pure functions, checked against SciPy reference values; depends on nothing.
        .target(name: "LogbookStats"),
        // The event catalog and its versioned binary codec; depends on nothing.
        .target(name: "LogbookEvents"),
        // The domain: projections, rules, snapshots, time travel, audit. The library users import.
        .target(name: "Logbook", dependencies: ["LogbookStorage", "LogbookEvents", "LogbookStats"]),
        // The command line as a library, so parsing and rendering are testable in-process.
        .target(name: "LogbookCLI", dependencies: ["Logbook", "LogbookStorage", "LogbookEvents"]),
        .executableTarget(name: "logbook", dependencies: ["LogbookCLI"]),
        .executableTarget(name: "logbook-bench", dependencies: ["LogbookStorage", "Logbook", "LogbookEvents"]),
        // Child process for crash tests (kill -9 loops); not installed, not part of the product.
        .executableTarget(name: "logbook-testtool", dependencies: ["LogbookStorage"]),
        // Fuzz targets (libFuzzer in a `-sanitize=fuzzer` build, a corpus runner otherwise); not part of the product.
        .executableTarget(name: "logbook-fuzz", dependencies: ["LogbookCLI", "Logbook", "LogbookStorage", "LogbookEvents"]),
        .target(name: "LogbookTestSupport", dependencies: ["LogbookStorage"], path: "Tests/LogbookTestSupport"),
        .testTarget(name: "LogbookTests", dependencies: ["Logbook", "LogbookEvents", "LogbookStorage", "LogbookStats", "LogbookTestSupport"]),
        .testTarget(name: "LogbookCLITests", dependencies: ["LogbookCLI", "Logbook", "LogbookTestSupport", "logbook", "logbook-fuzz"]),
        .testTarget(name: "LogbookStatsTests", dependencies: ["LogbookStats", "LogbookStorage", "LogbookTestSupport"]),
        .testTarget(name: "LogbookEventsTests", dependencies: ["LogbookEvents", "LogbookTestSupport"]),
        .testTarget(name: "LogbookStorageTests", dependencies: ["LogbookStorage", "LogbookTestSupport", "logbook-testtool"]),
    ],
    swiftLanguageModes: [.v6]
)
