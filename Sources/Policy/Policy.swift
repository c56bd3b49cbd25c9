import Capabilities
import Foundation
import Seccomp

/// The one place that decides what a container gets: a request may tighten its profile, never loosen it.
/// A flag asking for more than the profile gives (a larger `--memory`) is refused, never lowered silently:
/// the profile is the contract.
public enum Policy {
    /// Applies `request` to `profile` (with the image's defaults) and returns the spec to run, or
    /// throws the first loosening request as a `PolicyError.violation` before anything starts.
    /// `protectedHostPaths` (securerun's state root) are refused as volume sources, as are their parents, and
    /// so are `hostSecrets` (the host's credentials; read from this host when nil). `host` is read from this
    /// host when nil and a request needs it (`--ulimit`, `--cpuset-*`, `--platform`).
    public static func enforce(
        _ request: RunRequest, profile: Profile, image: ImageDefaults, protectedHostPaths: [String] = [], hostSecrets: HostSecrets? = nil,
        host: HostFacts? = nil
    ) throws(PolicyError) -> HardenedSpec {
        var evaluation = Evaluation(mode: .stopAtFirst)
        let facts = HostFactsCache(host)
        let spec = try evaluate(
            request, profile: profile, image: image, protectedHostPaths: protectedHostPaths, hostSecrets: hostSecrets, host: facts.get,
            evaluation: &evaluation)
        guard let spec else {
            // Unreachable: in stop-at-first mode a step that fails has thrown already.
            throw evaluation.refusals.first ?? .invalidRequest(flag: request.image, reason: "the request could not be evaluated")
        }
        return spec
    }

    /// Every refusal `Policy.enforce` would make of `request`, in the order it checks them, so the first is
    /// the one a run throws: the same rules, run without stopping (what `securerun lint` reports). After
    /// the whole request, each part of it (every volume, tmpfs, capability, ulimit, and the memory, CPU and
    /// pids flags) is judged alone too, so a line with two bad volumes gets two findings. `image` is nil when
    /// no image is known (lint): its defaults are then not checked.
    public static func findings(
        _ request: RunRequest, profile: Profile, image: ImageDefaults? = nil, protectedHostPaths: [String] = [], hostSecrets: HostSecrets? = nil,
        host: HostFacts? = nil
    ) -> [PolicyError] {
        var evaluation = Evaluation(mode: .collectAll)
        let facts = HostFactsCache(host)
        let defaults = image ?? ImageDefaults(cmd: ["/bin/sh"])
        for part in [request] + RequestParts.split(request) {
            // Collecting never throws; `try?` only satisfies the signature shared with enforce.
            _ = try? evaluate(
                part, profile: profile, image: defaults, protectedHostPaths: protectedHostPaths, hostSecrets: hostSecrets, host: facts.get,
                evaluation: &evaluation)
        }
        return evaluation.refusals
    }

    /// The rules in order; each step's refusal is thrown (enforce) or noted with a fallback so later steps
    /// still run (findings). Returns the spec when every step passed.
    static func evaluate(
        _ request: RunRequest, profile: Profile, image: ImageDefaults, protectedHostPaths: [String], hostSecrets: HostSecrets?,
        host facts: () -> HostFacts, evaluation: inout Evaluation
    ) throws(PolicyError) -> HardenedSpec? {
        let judge = Judge(profile: profile.name)
        for violation in RequestRules.violations(request, network: profile.network, restarts: profile.allowedRestarts, judge: judge, host: facts) {
            try evaluation.record(.violation(violation))
        }
        try evaluation.check { () throws(PolicyError) in try RequestValidation.check(request, judge: judge) }
        let enforcedUser = try evaluation.check { () throws(PolicyError) in try UserRules.enforceUser(request, profile: profile, image: image, judge: judge) }
        let (user, userOrigin) = enforcedUser ?? (profile.user, .profile)
        let groups = try evaluation.check { () throws(PolicyError) in try UserRules.enforceGroups(request, judge: judge) }
        let capabilities = try evaluation.check { () throws(PolicyError) in try enforceCapabilities(request, profile: profile, judge: judge) }
        let seccompFile = request.securityOptions.reduce(nil as Flagged<String>?) { chosen, entry in
            switch entry.value {
            case .seccompFile(let path): return Flagged(path, entry.origin)
            case .seccompBuiltin: return nil
            default: return chosen
            }
        }
        let seccomp = try evaluation.check { () throws(PolicyError) in
            try enforceSeccomp(
                seccompFile, capabilities: capabilities ?? profile.capabilities, profile: profile, protectedHostPaths: protectedHostPaths, judge: judge)
        }
        let limits = try evaluation.check { () throws(PolicyError) in try ResourceLimits.enforce(request, profile: profile, judge: judge, host: facts) }
        let tmpfs = try evaluation.check { () throws(PolicyError) in
            try TmpfsRequests.enforce(request, profile: profile, memory: limits?.memory ?? profile.memory, judge: judge)
        }
        // Reading the host's accounts and stat-ing its secrets is only needed when something is mounted.
        let secrets = hostSecrets ?? (request.binds.isEmpty ? HostSecrets(patterns: []) : HostSecrets.current(extraPaths: protectedHostPaths))
        let volumes = try evaluation.check { () throws(PolicyError) in
            try VolumeRequests.enforce(request, profile: profile, protectedHostPaths: protectedHostPaths, secrets: secrets, judge: judge)
        }
        if let tmpfs, let volumes {
            try evaluation.check { () throws(PolicyError) in try TmpfsRequests.checkOverlaps(tmpfs: tmpfs, volumes: volumes, request: request, judge: judge) }
        }
        try evaluation.check { () throws(PolicyError) in
            try VolumeUsers.enforce(user, origin: userOrigin, groups: groups ?? [], request: request, profile: profile, judge: judge)
        }
        let network = try evaluation.check { () throws(PolicyError) in try NetworkRequests.enforce(request, profile: profile, judge: judge) }
        // A securerun network is one layer 2 segment: a container that may send raw frames or change its
        // addresses could pose as the network's other containers.
        if let name = network?.attach, let origin = request.network?.origin,
            let forging = (capabilities ?? []).filter({ $0.number == 12 || $0.number == 13 }).sorted().first
        {
            try evaluation.check { () throws(PolicyError) in
                throw judge.refuse(
                    .network, origin,
                    "network \(name) is a segment shared with other containers, and \(forging.name) could forge their frames or addresses on it; drop it to join, or keep a link of its own (--network private)"
                )
            }
        }
        let process = try evaluation.check { () throws(PolicyError) in try ProcessDefaults.resolve(request, image: image) }
        guard let groups, let capabilities, let seccomp, let limits, let tmpfs, let volumes, let network, let process, evaluation.refusals.isEmpty
        else {
            return nil
        }
        let ipc = request.namespaces.last { $0.value.kind == .ipc }?.value.mode
        let cgroupns = request.namespaces.last { $0.value.kind == .cgroupns }?.value.mode
        return HardenedSpec(
            profileName: profile.name,
            user: user,
            additionalGids: groups.map(\.value),
            capabilities: capabilities,
            noNewPrivileges: true,
            readOnlyRootfs: true,
            seccomp: seccomp,
            seccompSource: seccompFile?.value ?? profile.seccompPath.path,
            memory: limits.memory,
            memorySwap: limits.memorySwap,
            memoryReservation: limits.memoryReservation,
            memorySwappiness: limits.swappiness,
            cpuQuota: limits.cpuQuota,
            cpuPeriod: limits.cpuPeriod,
            cpuShares: limits.cpuShares,
            cpusetCPUs: limits.cpusetCPUs,
            cpusetMems: limits.cpusetMems,
            pidsLimit: limits.pids,
            rlimits: limits.rlimits,
            tmpfs: tmpfs.mounts,
            shmSize: ipc == NamespaceMode.none ? nil : tmpfs.shmSize,
            sysctls: Dictionary(request.sysctls.map { ($0.value.key, $0.value.value) }, uniquingKeysWith: { $1 }),
            oomScoreAdj: request.oomScoreAdj?.value,
            cgroupNamespace: cgroupns == .own,
            volumes: volumes,
            maskedPaths: profile.maskedPaths,
            readonlyPaths: profile.readonlyPaths,
            network: network,
            args: process.args,
            env: process.env,
            cwd: process.cwd,
            hostname: request.hostname?.value ?? request.name?.value ?? "securerun",
            domainname: request.domainname?.value,
            initProcess: request.runsInit,
            userNamespace: profile.userNamespace,
            memfdNoexec: !profile.allowMemfdExec
        )
    }

    /// Every refusal of `request` that needs no image or host files (privileged, namespaces, devices,
    /// network, sysctls, …), each with the flag's position: what lint reports for a `docker run` line.
    public static func requestViolations(_ request: RunRequest, profile: Profile, host: HostFacts? = nil) -> [PolicyViolation] {
        RequestRules.violations(
            request, network: profile.network, restarts: profile.allowedRestarts, judge: Judge(profile: profile.name), host: { host ?? HostFacts.current() })
    }

    /// Why securerun may not show the host path `path` to a container (as a volume, or as the contents of a
    /// file a flag names, which securerun reads as root), or nil. `identity` is the device and inode of a file
    /// already opened, so a hard link of a secret is refused whatever its name.
    public static func hostPathRefusal(_ path: String, identity: (device: UInt64, inode: UInt64)? = nil, protectedHostPaths: [String] = []) -> String? {
        let secrets = HostSecrets.current(extraPaths: protectedHostPaths)
        let protected =
            VolumeRequests.forbiddenHostPaths + protectedHostPaths.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
        let host = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        do {
            try VolumeRequests.checkHostPath(host, protected: protected, secrets: secrets, origin: .flag(path), judge: Judge(profile: ""))
        } catch {
            if case .violation(let violation) = error { return violation.detail }
            return error.description
        }
        if let identity, secrets.holdsSecret(device: identity.device, inode: identity.inode) {
            return "\(path) is, through a bind mount or hard link, a file that holds host credentials"
        }
        return nil
    }

    // MARK: - Capabilities

    static func enforceCapabilities(_ request: RunRequest, profile: Profile, judge: Judge) throws(PolicyError) -> Set<Capability> {
        var result = profile.capabilities
        let allowed = profile.capabilities.isEmpty ? "none" : profile.capabilities.sorted().map(\.name).joined(separator: ", ")
        for entry in request.capDrop {
            switch entry.value {
            case .all: result.removeAll()
            case .capability(let capability): result.remove(capability)
            }
        }
        for entry in request.capAdd {
            let added: Set<Capability>
            switch entry.value {
            case .all: added = Set(Capability.all)
            case .capability(let capability): added = [capability]
            }
            if !added.subtracting(profile.capabilities).isEmpty {
                throw judge.refuse(
                    .capabilities, entry.origin, "capabilities outside the profile's allow-list (\(allowed)) are dropped, bounding set included")
            }
            result.formUnion(added)
        }
        return result
    }

    // MARK: - Seccomp

    static func enforceSeccomp(
        _ file: Flagged<String>?, capabilities: Set<Capability>, profile: Profile, protectedHostPaths: [String], judge: Judge
    ) throws(PolicyError) -> LinuxSeccomp {
        guard let file else {
            if capabilities == profile.capabilities { return profile.seccomp }
            // Fewer capabilities can only drop cap-conditional rules: re-resolve for the tighter set.
            return try loadSeccomp(profile.seccompPath.path, capabilities: capabilities, origin: .flag("--profile", profile.name), judge: judge)
        }
        // The file is the caller's and securerun reads it as root: never one a volume could not show.
        let bytes: [UInt8]
        do {
            bytes = try CallerFiles.read(
                file.value, limit: 4 << 20, protectedHostPaths: protectedHostPaths, trustedDirectories: [profile.seccompPath.deletingLastPathComponent().path])
        } catch {
            throw judge.invalid(file.origin, "cannot read \(file.value): \(error.reason)")
        }
        let requested: LinuxSeccomp
        do {
            requested = try SeccompProfile.decode(Data(bytes), source: file.value).resolve(capabilities: capabilities, source: file.value)
        } catch {
            throw judge.invalid(file.origin, error.description)
        }
        let looser = requested.loosening(comparedTo: profile.seccomp)
        if !looser.isEmpty {
            let shown = looser.prefix(5).joined(separator: "; ")
            let more = looser.count > 5 ? " and \(looser.count - 5) more" : ""
            throw judge.refuse(
                .seccomp, file.origin,
                "a seccomp profile may only be stricter than \(profile.seccompPath.lastPathComponent), but this one permits: \(shown)\(more)")
        }
        return requested
    }

    static func loadSeccomp(_ path: String, capabilities: Set<Capability>, origin: FlagOrigin, judge: Judge) throws(PolicyError) -> LinuxSeccomp {
        do {
            return try SeccompProfile.load(contentsOf: path).resolve(capabilities: capabilities, source: path)
        } catch {
            throw judge.invalid(origin, error.description)
        }
    }
}
