import Admission
import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image pull`: fetch an image from an OCI distribution registry.
struct ImagePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from a registry (HTTPS; --insecure only for loopback).",
        discussion: RegistryLoginOptions.discussion)

    @Argument(help: "[REGISTRY/]REPOSITORY[:TAG|@sha256:DIGEST]")
    var reference: String

    @OptionGroup var login: RegistryLoginOptions

    @Option(help: "Platform to pick from a multi-platform index, os/arch (default linux/amd64).")
    var platform: String?

    @Flag(help: "Print the stored image as JSON.")
    var json = false

    @Option(help: "Hardening profile whose allowedRegistries and store: limits the pull must respect (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    func run() async throws {
        try await reportingErrors {
            let parsed = try ImageReference(parsing: reference)
            let credentials = try login.credentials(for: parsed.registry)
            var wanted = Platform.linuxAMD64
            if let platform { wanted = try Platform(parsing: platform) }
            // Progress only on a terminal: scripts and logs get the result lines alone.
            var transfer: (@Sendable (TransferProgress) -> Void)?
            if isatty(STDERR_FILENO) == 1 && !json {
                let meter = ProgressMeter()
                transfer = { meter.show($0) }
            }
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            try loaded.checkRegistry(parsed.registry, image: reference, action: "pull")
            let allowed = loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries
            let client = try RegistryClient(registry: parsed.registry, insecure: login.insecure, credentials: credentials)
            let store = try openImageStore(limits: loaded.unpackLimits)
            let image = try await store.pull(
                reference, insecure: login.insecure, credentials: credentials, allowedRegistries: allowed, platform: wanted,
                client: client, transfer: transfer)
            let attestations = try await PulledAttestations.fetch(
                for: image, repository: parsed.repository, client: client, policy: loaded.admission, stateRoot: store.root)
            try attestations.print(after: image, json: json)
        }
    }
}

/// Draws one self-updating line on the terminal (stderr) per blob: done, total, rate.
final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()

    func show(_ progress: TransferProgress) {
        lock.withLock {
            let digest = progress.what.replacingOccurrences(of: "sha256:", with: "").prefix(12)
            let line =
                "fetching \(digest)  \(Self.size(progress.done)) / \(Self.size(progress.total))  \(Self.size(Int64(progress.bytesPerSecond)))/s"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (progress.finished ? "\n" : "")).utf8))
        }
    }

    /// `12.3 MB`, decimal units as registries and browsers show them.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
