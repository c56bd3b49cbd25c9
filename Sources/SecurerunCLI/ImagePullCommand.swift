import Admission
import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image pull`: fetch an image from an OCI distribution registry.
struct ImagePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from a registry (HTTPS; --insecure only for loopback).",
        discussion: """
            Credentials come from --username/--password-stdin, else --authfile, else the first of \
            ${XDG_RUNTIME_DIR}/containers/auth.json and ${DOCKER_CONFIG:-~/.docker}/config.json with an entry for the \
            registry. They are sent to the registry (and its token service) only: a redirect to another host gets none.
            """)

    @Argument(help: "[REGISTRY/]REPOSITORY[:TAG|@sha256:DIGEST]")
    var reference: String

    @Flag(help: "Use plain HTTP (loopback registries only).")
    var insecure = false

    @Option(help: "Registry user name (password from --password-stdin).")
    var username: String?

    @Flag(help: "Read the registry password from standard input.")
    var passwordStdin = false

    @Option(help: "A docker config.json or podman auth.json with an \"auths\" entry for the registry.")
    var authfile: String?

    @Option(help: "Platform to pick from a multi-platform index, os/arch (default linux/amd64).")
    var platform: String?

    @Flag(help: "Print the stored image as JSON.")
    var json = false

    @Option(help: "Hardening profile whose allowedRegistries and store: limits the pull must respect (default: default).")
    var profile: String?

    func validate() throws {
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
        if username != nil && !passwordStdin { throw ValidationError("--username needs --password-stdin") }
        if username != nil && authfile != nil { throw ValidationError("give --username or --authfile, not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let parsed = try ImageReference(parsing: reference)
            var credentials: RegistryCredentials?
            if let username {
                let password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                credentials = RegistryCredentials(username: username, password: password.trimmingCharacters(in: .newlines))
            } else if let authfile {
                credentials = try RegistryCredentials.fromAuthFile(URL(fileURLWithPath: authfile), registry: parsed.registry)
            } else {
                let found = RegistryCredentials.lookup(registry: parsed.registry)
                credentials = found.credentials
                for note in found.notes { printError("note: \(note)") }
            }
            var wanted = Platform.linuxAMD64
            if let platform { wanted = try Platform(parsing: platform) }
            // Progress only on a terminal: scripts and logs get the result lines alone.
            var transfer: (@Sendable (TransferProgress) -> Void)?
            if isatty(STDERR_FILENO) == 1 && !json {
                let meter = ProgressMeter()
                transfer = { meter.show($0) }
            }
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(profile)
            try loaded.checkRegistry(parsed.registry, image: reference, action: "pull")
            let allowed = loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries
            let client = try RegistryClient(registry: parsed.registry, insecure: insecure, credentials: credentials)
            let store = try openImageStore(limits: loaded.unpackLimits)
            let image = try await store.pull(
                reference, insecure: insecure, credentials: credentials, allowedRegistries: allowed, platform: wanted,
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
