// swift-tools-version:6.0
import PackageDescription

// Dependencies are few and each is justified in README.md ("Dependencies").
let package = Package(
    name: "securerun",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "securerun", targets: ["securerun"]),
        .executable(name: "securerun-net", targets: ["securerun-net"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C boundaries: headers and link lines only (plus static inline shims for function-like macros).
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        // libarchive's headers, and a loader that opens libarchive.so.13 on first use rather than at every start.
        .target(name: "CArchive"),
        .systemLibrary(name: "CHostSystem"),

        // Leaf: the one JSON reader for untrusted documents (no duplicate keys, bounded size and depth, positions).
        .target(name: "StrictJSON"),
        // Leaf: SARIF 2.1.0 output for audit and lint.
        .target(name: "SARIF"),
        // Leaf: the host calls everything else builds on (errors, whole-file reads, mounts, safe removal, locks, processes).
        .target(name: "HostSystem", dependencies: ["CHostSystem"]),
        .target(name: "Capabilities", dependencies: ["CCap"]),
        .target(name: "Seccomp", dependencies: ["CSeccomp", "Capabilities", "StrictJSON", "HostSystem"]),
        .target(name: "ContentDigest", dependencies: ["HostSystem", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Admission", dependencies: ["ContentDigest", "StrictJSON", "HostSystem", .product(name: "Crypto", package: "swift-crypto")]),
        // The content-addressed store, importers, unpacking and the store check: no network code.
        .target(name: "Images", dependencies: ["CArchive", "ContentDigest", "HostSystem", "StrictJSON", .product(name: "Crypto", package: "swift-crypto")]),
        // The OCI distribution client (pull, push, attestations in registries): the only target on SwiftNIO,
        // linked by securerun-net, never by securerun itself.
        .target(
            name: "Registry",
            dependencies: [
                "Images", "Admission", "StrictJSON", "HostSystem", "ContentDigest", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(
            name: "Policy",
            dependencies: [
                "Seccomp", "Capabilities", "Admission", "Images", "HostSystem", "StrictJSON", "Yams", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // docker's run/create flag grammar: argv to a typed RunRequest (no ArgumentParser; lint reuses it).
        .target(name: "DockerCompat", dependencies: ["Policy", "Capabilities"]),
        // The Docker Engine's authorization plugin: the Engine API's calls judged by the same policy and admission gate.
        // No network stack: securerun-net serves it.
        .target(name: "EnginePlugin", dependencies: ["Policy", "Admission", "Images", "StrictJSON", "Seccomp", "Capabilities"]),
        // The Kubernetes door: an AdmissionReview or a pod list read strictly into the requests the policy judges, and the
        // decision on a pod (policy, floor, image admission). No network stack: securerun-net serves the webhook.
        .target(name: "KubernetesAdmission", dependencies: ["Policy", "Admission", "ContentDigest", "Images", "StrictJSON", "Capabilities"]),
        // Renderers: a HardenedSpec turned into what another tool takes (a compose service, Kubernetes workloads and cluster policies).
        .target(name: "Renderers", dependencies: ["Policy", "Capabilities", "ContentDigest", "Images", "Admission", "KubernetesAdmission"]),
        // securerun lint: file kinds, the rule catalogue (policy rules included), text/JSON/SARIF reports. Off the run path.
        .target(name: "Lint", dependencies: ["Policy", "DockerCompat", "Seccomp", "Capabilities", "Admission", "StrictJSON", "SARIF", "Yams"]),
        .target(name: "Runtime", dependencies: ["Policy", "Seccomp", "Images", "HostSystem", "CHostSystem", "StrictJSON"]),
        // The start path above the backends: profile, image, admission, policy, steps, backend; records, monitor, audit.
        .target(
            name: "Orchestration",
            dependencies: ["Runtime", "Policy", "DockerCompat", "Images", "Admission", "HostSystem", "CHostSystem", "StrictJSON"]),
        .target(
            name: "SecurerunCLI",
            dependencies: [
                "Orchestration", "SARIF", "Lint", "Renderers", "KubernetesAdmission", "Policy", "DockerCompat", "Runtime", "Images", "Admission", "Seccomp",
                "Capabilities", "HostSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "securerun", dependencies: ["SecurerunCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Off the run path: the commands that need the network stack (pull, push; the servers to come).
        .target(
            name: "SecurerunNetCLI",
            dependencies: [
                "SecurerunCLI", "Registry", "Images", "Policy", "Admission", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // The engine plugin's server and the Kubernetes admission webhook (over TLS).
                "EnginePlugin", "KubernetesAdmission", "Renderers", "Runtime", "CHostSystem", .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "securerun-net", dependencies: ["SecurerunNetCLI", "SecurerunCLI"]),

        // What every test target shares: the one rule for when a test may skip (never under CI).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON", "TestSupport"]),
        .testTarget(name: "HostSystemTests", dependencies: ["HostSystem", "TestSupport"]),
        .testTarget(name: "CapabilitiesTests", dependencies: ["Capabilities", "TestSupport"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp", "Capabilities", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AdmissionTests", dependencies: ["Admission", .product(name: "Crypto", package: "swift-crypto"), "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "ImagesTests", dependencies: ["Images", "Registry", "TestSupport"]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "DockerCompat", "Capabilities", "TestSupport"]),
        .testTarget(name: "DockerCompatTests", dependencies: ["DockerCompat", "Policy", "Capabilities", "TestSupport"]),
        .testTarget(name: "LintTests", dependencies: ["Lint", "Policy", "DockerCompat", "Seccomp", "SARIF", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "RenderersTests", dependencies: ["Renderers", "Policy", "Lint", "Admission", "ContentDigest", "Images", "Yams", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "EnginePluginTests", dependencies: ["EnginePlugin", "Policy", "StrictJSON", "Capabilities", "TestSupport"]),
        .testTarget(
            name: "KubernetesAdmissionTests", dependencies: ["KubernetesAdmission", "Policy", "Admission", "Images", "StrictJSON", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Policy", "DockerCompat", "HostSystem", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Images", "Admission", "HostSystem", "KubernetesAdmission", "Policy", "TestSupport"]),
    ]
)
