import Admission
import Foundation
import HostSystem
import Images
import Policy
import Runtime

extension RunRequest {
    /// Where the first flag asking for a health check was typed (`--health-*`, not `--no-healthcheck`).
    var healthOrigin: FlagOrigin? {
        healthCmd?.origin ?? healthInterval?.origin ?? healthTimeout?.origin ?? healthStartPeriod?.origin ?? healthRetries?.origin
            ?? healthOnFailure?.origin
    }
}

/// Everything that decided a container may start, checked before anything is created: the profile, the
/// image (the digest admitted is the digest whose rootfs runs), the verdict, and the hardened spec.
struct PreparedContainer: Sendable {
    let request: RunRequest
    let profile: Profile
    let image: StoredImage
    let hardened: HardenedSpec
    let verdict: Verdict
    let backend: any ContainerBackend
    /// Which backend it is.
    let kind: BackendKind
    /// Held from the image's resolution until the container has claimed it (so `image rm` waits).
    let imageHold: ImageUseLock?
}

/// The whole `securerun run` path: profile, image, registry rule, admission verdict, policy, then a
/// foreground launch, or a monitor for `-d`. Every check happens before anything is created.
public struct ContainerStart: Sendable {
    public var request: RunRequest
    public var profileName: String?
    public var runtime: String
    public var dryRun: Bool
    public var stateRoot: URL
    /// Where dry-run output and a detached container's id go.
    public var output: @Sendable (String) -> Void
    /// Where notices go (an abandoned container removed).
    public var notice: @Sendable (String) -> Void
    /// Where `--dry-run` prints the network plan (beside the config, which goes to `output`).
    public var explain: @Sendable (String) -> Void

    public init(
        request: RunRequest, profileName: String?, runtime: String, dryRun: Bool, stateRoot: URL,
        output: @escaping @Sendable (String) -> Void = { print($0) },
        notice: @escaping @Sendable (String) -> Void = { _ in },
        explain: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.request = request
        self.profileName = profileName
        self.runtime = runtime
        self.dryRun = dryRun
        self.stateRoot = stateRoot
        self.output = output
        self.notice = notice
        self.explain = explain
    }

    /// Runs (or, with dry-run, prints) the container; returns the exit status to give the caller: the
    /// container's own in the foreground, 0 once a detached container runs.
    public func run() throws -> Int32 {
        let prepared = try prepare()
        if dryRun {
            let id = request.containerName ?? "dry-run"
            let place = ContainerPlace(id: id, directory: StateRoot(stateRoot).container(id), stateRoot: stateRoot)
            let network = prepared.hardened.network
            var plan = LaunchPlan()
            plan.network =
                network.mode == .private ? try NetworkPlan.preview(network, stateRoot: stateRoot, id: id, docker: prepared.kind.joinsNetworkThroughHolder) : nil
            // What this backend would be handed: runc's config.json, or the engine's create body.
            let launch = Launch.backendLaunch(prepared, place: place, plan: plan)
            output(try prepared.kind.dryRun(launch, imageID: prepared.image.configDigest))
            explain(plan.network?.describe(chosenNow: true) ?? "network: none (a network namespace of its own with only lo; nothing else is reachable)")
            return 0
        }
        PhaseTimer.mark("prepared")
        let swept = Sweep.run(stateRoot: stateRoot)
        for message in swept.messages { notice(message) }
        // What an interrupted import, pull or removal left (a killed import can leave hundreds of MB).
        let leftovers = ImageStore(root: stateRoot).sweepInterrupted()
        if !leftovers.isEmpty { notice("removed \(leftovers.count) leftover(s) of interrupted image operations") }
        PhaseTimer.mark("swept")
        if request.runsDetached {
            return try DetachedStart.start(self)
        }
        return try Launch(prepared: prepared, stateRoot: stateRoot).foreground()
    }

    /// Checks everything and returns what to launch; nothing is created.
    func prepare() throws -> PreparedContainer {
        guard let kind = BackendKind(rawValue: runtime) else { throw OrchestrationError.unknownRuntime(runtime) }
        if request.createOnly && !kind.keepsCreatedContainers {
            throw OrchestrationError.invalidRequest(flag: "create", reason: "only the docker backend keeps created containers; use run -d")
        }
        PhaseTimer.mark("start")
        let profile = try ProfileLoader.load(profileName, cache: dryRun ? nil : ProfileDocumentCache(stateRoot: stateRoot))
        PhaseTimer.mark("profile loaded")
        let store = ImageStore(root: stateRoot)
        let hold = dryRun ? nil : try store.holdForUse()
        let image = try store.resolve(request.image, withNames: false)
        PhaseTimer.mark("image resolved")
        // The decision `image verify` and `audit` give too: the registry rule refuses here, a refusing
        // verdict only after the request's own refusals (which say what to change in the command).
        let verdict = try ImageAdmission.decide(image: image, reference: request.image, profile: profile, stateRoot: stateRoot)
        var request = self.request
        let defaults = try imageDefaults(image, request: &request)
        let hardened = try Policy.enforce(request, profile: profile, image: defaults, protectedHostPaths: [stateRoot.path])
        if kind.restartsByItself, let violation = Policy.engineRestartViolation(request, profile: profile) { throw PolicyError.violation(violation) }
        if let restart = request.restart, restart.value.kind != nil, !request.runsDetached {
            // Only a detached container has a monitor to keep the policy; in the foreground securerun
            // removes the container when it ends (docker would restart it behind the command's back).
            throw PolicyError.invalidRequest(
                flag: restart.origin.typed, reason: "a restart policy is kept by a detached container's monitor; add -d (or use --restart no)",
                origin: restart.origin)
        }
        if let origin = request.healthOrigin, kind.restartsByItself || !request.runsDetached {
            // The monitor of a detached runc or crun container runs the checks; the engine would run its
            // own, and a foreground run has no monitor.
            throw PolicyError.invalidRequest(
                flag: origin.typed,
                reason: kind.restartsByItself
                    ? "health checks are run by securerun's monitor on runc and crun; use --runtime runc or crun (or leave the health flags out)"
                    : "health checks are run by a detached container's monitor; add -d",
                origin: origin)
        }
        PhaseTimer.mark("policy and admission")
        guard verdict.admitted else {
            throw OrchestrationError.notAdmitted(image: request.image, digest: image.manifestDigest, profile: profile.name, reasons: verdict.reasons)
        }
        let command = hardened.args.first ?? ""
        switch CommandLookup.find(command, in: image.rootfs, env: hardened.env, cwd: hardened.cwd) {
        case .found: break
        case .notFound: throw OrchestrationError.commandNotFound(command)
        case .notExecutable(let reason): throw OrchestrationError.commandNotExecutable(command: command, reason: reason)
        }
        // The working directory, and every part of it that exists in the image, must be a directory (the
        // runtime would otherwise fail mid-start).
        if let file = CommandLookup.firstNonDirectory(hardened.cwd, in: image.rootfs) {
            throw PolicyError.invalidRequest(
                flag: request.workdir?.origin.typed ?? "--workdir \(hardened.cwd)", reason: "\(file) is a file in the image, not a directory",
                origin: request.workdir?.origin)
        }
        try Self.checkGroups(hardened.user, hardened.additionalGids, rootfs: image.rootfs, volumes: hardened.volumes.map(\.destination))
        if hardened.initProcess { _ = try InitBinary.locate() }
        try SeccompCheck.ensureCompiles(hardened.seccomp, source: hardened.seccompSource, stateRoot: stateRoot)
        PhaseTimer.mark("command, seccomp checked")
        let backend = try kind.make(stateRoot: stateRoot)
        return PreparedContainer(
            request: request, profile: profile, image: image, hardened: hardened,
            verdict: verdict, backend: backend, kind: kind, imageHold: hold)
    }

    /// Refuses a user whose supplementary groups the runtime would turn into others: both backends hand the
    /// runtime the gid and the `--group-add` gids, and it looks each up again in the container's /etc/group.
    static func checkGroups(_ user: UserID, _ added: [UInt32], rootfs: URL, volumes: [String]) throws(OrchestrationError) {
        if let problem = groupProblem(user, added, rootfs: rootfs, volumes: volumes) {
            let groups = SpecBuilder.supplementaryGroups(user.gid, added).map(String.init).joined(separator: ",")
            throw .invalidRequest(flag: "supplementary groups \(groups)", reason: problem)
        }
    }

    /// Why the runtime could give `user` other supplementary groups than its gid and `added`, or nil.
    static func groupProblem(_ user: UserID, _ added: [UInt32], rootfs: URL, volumes: [String]) -> String? {
        ImageUsers.supplementaryGroupProblem(SpecBuilder.supplementaryGroups(user.gid, added), rootfs: rootfs, volumeDestinations: volumes)
    }

    /// The image's runtime defaults, with user and group names (the request's and the image's) made numeric
    /// against the image's /etc/passwd and /etc/group.
    func imageDefaults(_ image: StoredImage, request: inout RunRequest) throws -> ImageDefaults {
        let config = image.config
        if let entry = request.user, !entry.value.namesRoot, UserID(parsing: entry.value.description) == nil {
            guard let numeric = ImageUsers.numeric(entry.value.description, rootfs: image.rootfs), let resolved = UserID(parsing: numeric) else {
                throw PolicyError.invalidRequest(
                    flag: entry.origin.typed, reason: "no such user or group in the image's /etc/passwd or /etc/group", origin: entry.origin)
            }
            request.user = Flagged(UserSpec(user: String(resolved.uid), group: String(resolved.gid)), entry.origin)
        }
        for (index, entry) in request.groupAdd.enumerated() where entry.value != "root" && !entry.value.utf8.allSatisfy({ (48...57).contains($0) }) {
            guard let gid = ImageUsers.groupID(entry.value, rootfs: image.rootfs) else {
                throw PolicyError.invalidRequest(flag: entry.origin.typed, reason: "no such group in the image's /etc/group", origin: entry.origin)
            }
            request.groupAdd[index] = Flagged(gid, entry.origin)
        }
        var imageUser = config.User.flatMap { $0.isEmpty ? nil : $0 }
        if let user = imageUser, UserID(parsing: user) == nil {
            imageUser = ImageUsers.numeric(user, rootfs: image.rootfs)
        }
        return ImageDefaults(
            user: imageUser, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [],
            cmd: config.Cmd ?? [], workingDir: config.WorkingDir)
    }
}
