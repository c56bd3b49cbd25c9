import Admission
import Foundation
import Images
import Policy

/// The whole `securerun run` path: profile, image, registry rule, admission verdict, policy, launch.
/// Every check happens before anything is created; the digest admitted is the digest whose rootfs runs.
public struct ContainerStart: Sendable {
    public var request: RunRequest
    public var profileName: String?
    public var runtime: String
    public var dryRun: Bool
    public var stateRoot: URL
    /// Where dry-run output goes.
    public var output: @Sendable (String) -> Void
    /// Where notices go (an abandoned container removed).
    public var notice: @Sendable (String) -> Void

    public init(
        request: RunRequest, profileName: String?, runtime: String, dryRun: Bool, stateRoot: URL,
        output: @escaping @Sendable (String) -> Void = { print($0) },
        notice: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.request = request
        self.profileName = profileName
        self.runtime = runtime
        self.dryRun = dryRun
        self.stateRoot = stateRoot
        self.output = output
        self.notice = notice
    }

    /// Runs (or, with dry-run, prints) the container; returns the exit status to give the caller.
    public func run() throws -> Int32 {
        guard let kind = OCIRuntime.Kind(rawValue: runtime) else {
            throw StartError.unknownRuntime(runtime)
        }
        let profile = try ProfileLoader.load(profileName)
        let image = try ImageStore(root: stateRoot).resolve(request.image)
        // Local imports have no registry; a pulled image must still come from an allowed one.
        if let registry = image.registry {
            try profile.checkRegistry(registry, image: request.image, action: "run")
        }
        var request = self.request
        let defaults = try imageDefaults(image, request: &request)
        let hardened = try Policy.enforce(request, profile: profile, image: defaults, protectedHostPaths: [stateRoot.path])
        let verdict = AdmissionGate(stateRoot: stateRoot).verdict(imageDigest: image.manifestDigest, policy: profile.admission)
        guard verdict.admitted else {
            throw StartError.notAdmitted(image: request.image, digest: image.manifestDigest, profile: profile.name, reasons: verdict.reasons)
        }
        let command = hardened.args.first ?? ""
        switch CommandLookup.find(command, in: image.rootfs, env: hardened.env, cwd: hardened.cwd) {
        case .found: break
        case .notFound: throw RuntimeError.commandNotFound(command)
        case .notExecutable(let reason): throw StartError.commandNotExecutable(command: command, reason: reason)
        }
        // The working directory, and every part of it that exists in the image, must be a directory (the
        // runtime would otherwise fail mid-start).
        if let file = RootfsPath.firstNonDirectory(hardened.cwd, in: image.rootfs) {
            throw PolicyError.invalidRequest(flag: "--workdir \(hardened.cwd)", reason: "\(file) is a file in the image, not a directory")
        }
        try SeccompCheck.ensureCompiles(hardened.seccomp, source: hardened.seccompSource, stateRoot: stateRoot)
        if dryRun {
            let cgroups = SpecBuilder.cgroupsPath(request.name ?? "dry-run", stateRoot: stateRoot)
            let spec = SpecBuilder.spec(for: hardened, rootfs: image.rootfs, cgroupsPath: cgroups)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            output(String(decoding: try encoder.encode(spec), as: UTF8.self))
            return 0
        }
        let oci = try OCIRuntime(kind: kind, stateDirectory: ContainerLauncher.runtimeStateDirectory(stateRoot: stateRoot, kind: kind))
        // A securerun killed before it cleaned up leaves its container behind; remove those first.
        let swept = AbandonedContainers.sweep(stateRoot: stateRoot)
        for abandoned in swept.removed {
            notice("removed abandoned container \(abandoned) (its securerun process is gone)")
        }
        for problem in swept.problems { notice(problem) }
        return try ContainerLauncher(stateRoot: stateRoot, runtime: oci)
            .run(hardened, imageDigest: image.manifestDigest, rootfs: image.rootfs, name: request.name, interactive: request.interactive)
    }

    /// The image's runtime defaults, with user names (the request's and the image's) made numeric.
    func imageDefaults(_ image: StoredImage, request: inout RunRequest) throws -> ImageDefaults {
        let config = image.config
        if let user = request.user, !Self.isRoot(user), UserID(parsing: user) == nil {
            guard let numeric = ImageUsers.numeric(user, rootfs: image.rootfs) else {
                throw PolicyError.invalidRequest(flag: "--user \(user)", reason: "no such user or group in the image's /etc/passwd or /etc/group")
            }
            request.user = numeric
        }
        var imageUser = config.User.flatMap { $0.isEmpty ? nil : $0 }
        if let user = imageUser, UserID(parsing: user) == nil {
            imageUser = ImageUsers.numeric(user, rootfs: image.rootfs)
        }
        return ImageDefaults(
            user: imageUser, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [],
            cmd: config.Cmd ?? [], workingDir: config.WorkingDir)
    }

    static func isRoot(_ user: String) -> Bool {
        user == "root" || user.hasPrefix("root:") || user == "0" || user.hasPrefix("0:")
    }
}

/// Why `securerun run` refused before reaching the runtime.
public enum StartError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownRuntime(String)
    case notAdmitted(image: String, digest: String, profile: String, reasons: [String])
    case commandNotExecutable(command: String, reason: String)

    public var description: String {
        switch self {
        case .unknownRuntime(let name):
            return "unknown --runtime \"\(name)\" (known: \(OCIRuntime.Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .commandNotExecutable(let command, let reason):
            return "cannot execute \(command) in the image: it \(reason)"
        case .notAdmitted(let image, let digest, let profile, let reasons):
            let list = reasons.map { "  - \($0)" }.joined(separator: "\n")
            return "refusing to run \(image) (\(digest)): not admitted by profile \"\(profile)\":\n\(list)"
        }
    }
}
