import Admission
import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image pull`: fetch an image from an OCI distribution registry.
struct ImagePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry (HTTPS; --insecure only for loopback).")

    @Argument(help: "[REGISTRY/]REPOSITORY[:TAG|@sha256:DIGEST]")
    var reference: String

    @Flag(help: "Use plain HTTP (loopback registries only).")
    var insecure = false

    @Option(help: "Registry user name (password from --password-stdin).")
    var username: String?

    @Flag(help: "Read the registry password from standard input.")
    var passwordStdin = false

    @Option(help: "A docker config.json with an \"auths\" entry for the registry.")
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
            }
            var wanted = Platform.linuxAMD64
            if let platform { wanted = try Platform(parsing: platform) }
            var progress: (@Sendable (String) -> Void)?
            if isatty(STDOUT_FILENO) == 1 && !json {
                progress = { line in print(line) }
            }
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(profile)
            try loaded.checkRegistry(parsed.registry, image: reference, action: "pull")
            let allowed = loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries
            let store = try openImageStore(limits: loaded.unpackLimits)
            let image = try await store.pull(
                reference, insecure: insecure, credentials: credentials, allowedRegistries: allowed, platform: wanted, progress: progress)
            let client = try RegistryClient(registry: parsed.registry, insecure: insecure, credentials: credentials)
            let attestations = try await PulledAttestations.fetch(
                for: image, repository: parsed.repository, client: client, policy: loaded.admission, stateRoot: store.root)
            try attestations.print(after: image, json: json)
        }
    }
}
