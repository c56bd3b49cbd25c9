import ArgumentParser
import Foundation
import Images
import Policy
import Registry
import SecurerunCLI

/// `image pull` as securerun-net runs it: the registry rule, the pull, and the attestations found beside it.
struct NetImagePull: AsyncParsableCommand {
    static let configuration = ImagePullOptions.configuration

    @OptionGroup var options: ImagePullOptions

    func run() async throws {
        try await reportingErrors {
            let parsed = try ImageReference(parsing: options.reference)
            let credentials = try options.login.credentials(for: parsed.registry)
            var wanted = Platform.linuxAMD64
            if let platform = options.platform { wanted = try Platform(parsing: platform) }
            // Progress only on a terminal: scripts and logs get the result lines alone.
            var transfer: (@Sendable (TransferProgress) -> Void)?
            if isatty(STDERR_FILENO) == 1 && !options.json {
                let meter = ProgressMeter()
                transfer = { meter.show($0) }
            }
            // The registry rule is checked before any request leaves the machine.
            let loaded = try ProfileLoader.load(ProfileLoader.requested(options.profile))
            try loaded.checkRegistry(parsed.registry, image: options.reference, action: "pull")
            let allowed = loaded.allowedRegistries.isEmpty ? nil : loaded.allowedRegistries
            let client = try RegistryClient(registry: parsed.registry, insecure: options.login.insecure, credentials: credentials)
            let store = try openImageStore(limits: loaded.unpackLimits)
            let image = try await store.pull(
                options.reference, insecure: options.login.insecure, credentials: credentials, allowedRegistries: allowed, platform: wanted,
                client: client, transfer: transfer)
            let attestations = try await PulledAttestations.fetch(
                for: image, repository: parsed.repository, client: client, policy: loaded.admission, stateRoot: store.root)
            try attestations.print(after: image, json: options.json)
        }
    }
}

extension PulledAttestations {
    /// Prints the pulled image and these attestations: JSON (the image's fields plus `attestations`), or
    /// the image line and a count; warnings go to stderr either way.
    func print(after image: StoredImage, json: Bool) throws {
        if json {
            Swift.print(try jsonString(PullOutput(image: image, attestations: self)))
        } else {
            try printImported(image, json: false)
            let count = "stored \(stored.count) attestation\(stored.count == 1 ? "" : "s") for \(image.manifestDigest)"
            let note = stored.isEmpty ? " (none found in the registry)" : " (checked by the admission gate when verified or run)"
            Swift.print(count + (stored.isEmpty && !warnings.isEmpty ? " (none could count)" : note))
        }
        for warning in warnings { printError("warning: \(warning)") }
    }
}

/// `image pull --json`: the stored image's fields with `attestations` beside them.
private struct PullOutput: Encodable {
    var image: StoredImage
    var attestations: PulledAttestations

    enum CodingKeys: String, CodingKey { case attestations }

    func encode(to encoder: Encoder) throws {
        try image.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attestations, forKey: .attestations)
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

extension RegistryLoginOptions {
    /// The credentials for `registry`: --username with the password read from stdin, else --authfile,
    /// else the first default auth file with an entry (notes about skipped files go to stderr).
    func credentials(for registry: String) throws -> RegistryCredentials? {
        if let username {
            let password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            return RegistryCredentials(username: username, password: password.trimmingCharacters(in: .newlines))
        }
        if let authfile {
            return try RegistryCredentials.fromAuthFile(URL(fileURLWithPath: authfile), registry: registry)
        }
        let found = RegistryCredentials.lookup(registry: registry)
        for note in found.notes { printError("note: \(note)") }
        return found.credentials
    }
}
