import Capabilities
import Foundation
import Seccomp

/// The one place that decides what a container gets: a request may tighten its profile, never loosen it.
public enum Policy {
    /// Applies `request` to `profile` (with the image's defaults) and returns the spec to run, or
    /// throws the first loosening request as a `PolicyError.violation` before anything starts.
    /// `protectedHostPaths` (securerun's state root) are refused as volume sources, as are their parents, and
    /// so are `hostSecrets` (the host's credentials; read from this host when nil).
    public static func enforce(
        _ request: RunRequest, profile: Profile, image: ImageDefaults, protectedHostPaths: [String] = [], hostSecrets: HostSecrets? = nil
    ) throws(PolicyError) -> HardenedSpec {
        let name = profile.name
        func refuse(_ rule: PolicyViolation.Rule, _ flag: String, _ detail: String) -> PolicyError {
            .violation(PolicyViolation(rule: rule, flag: flag, profile: name, detail: detail))
        }

        if request.privileged {
            throw refuse(.privileged, "--privileged", "privileged containers get every capability, every device and no seccomp filter")
        }
        if request.readOnly == false {
            throw refuse(.readOnlyRootfs, "--read-only=false", "the root filesystem is read-only; write to a --tmpfs mount or a volume instead")
        }
        if let containerName = request.name { try RequestValidation.checkName(containerName) }
        if let hostname = request.hostname { try RequestValidation.checkHostname(hostname) }
        for entry in request.env { try RequestValidation.checkEnv(entry) }
        let options = try SecurityOptions.parse(request.securityOptions, profile: name)
        let (user, userOrigin) = try enforceUser(request, profile: profile, image: image, refuse: refuse)
        let capabilities = try enforceCapabilities(request, profile: profile, refuse: refuse)
        let seccomp = try enforceSeccomp(options.seccompFile, capabilities: capabilities, profile: profile, refuse: refuse)
        let seccompSource = options.seccompFile ?? profile.seccompPath.path
        let limits = try ResourceLimits.enforce(request, profile: profile, refuse: refuse)
        let tmpfs = try TmpfsRequests.enforce(request.tmpfs, profile: profile, refuse: refuse)
        // Reading the host's accounts and stat-ing its secrets is only needed when something is mounted.
        let secrets = hostSecrets ?? (request.volumes.isEmpty ? HostSecrets(patterns: []) : HostSecrets.current(extraPaths: protectedHostPaths))
        let volumes = try VolumeRequests.enforce(
            request.volumes, profile: profile, protectedHostPaths: protectedHostPaths, secrets: secrets, refuse: refuse)
        try VolumeUsers.enforce(user, origin: userOrigin, volumes: request.volumes, profile: profile, refuse: refuse)
        let network = try NetworkRequests.enforce(request, profile: profile, refuse: refuse)
        let process = try ProcessDefaults.resolve(request, image: image)
        return HardenedSpec(
            profileName: name,
            user: user,
            capabilities: capabilities,
            noNewPrivileges: true,
            readOnlyRootfs: true,
            seccomp: seccomp,
            seccompSource: seccompSource,
            memory: limits.memory,
            memorySwap: limits.memorySwap,
            cpuQuota: limits.cpuQuota,
            cpuPeriod: ResourceLimits.cpuPeriod,
            pidsLimit: limits.pids,
            tmpfs: tmpfs,
            volumes: volumes,
            maskedPaths: profile.maskedPaths,
            readonlyPaths: profile.readonlyPaths,
            network: network,
            args: process.args,
            env: process.env,
            cwd: process.cwd,
            hostname: request.hostname ?? request.name ?? "securerun",
            initProcess: request.initProcess
        )
    }

    // MARK: - User

    static func enforceUser(
        _ request: RunRequest, profile: Profile, image: ImageDefaults,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> (UserID, UserOrigin) {
        if let text = request.user {
            let refusal = refuse(.nonRootUser, "--user \(text)", "containers run as a non-root uid and gid (the profile's is \(profile.user))")
            if text == "root" || text.hasPrefix("root:") || text.hasSuffix(":root") { throw refusal }
            guard let user = UserID(parsing: text) else {
                throw .invalidRequest(flag: "--user \(text)", reason: "expected uid[:gid] in numbers, or a user named in the image's /etc/passwd")
            }
            // Judged on the parsed ids: "00", "1000:00" and names whose passwd entry says 0 are all root.
            if user.isRoot { throw refusal }
            try RequestValidation.checkIDs(user, flag: "--user \(text)")
            return (user, .flag(text))
        }
        // The image's User is honoured only when it is a non-root numeric id; root images run as the profile's user.
        if let text = image.user, let user = UserID(parsing: text), !user.isRoot {
            return (user, .image)
        }
        return (profile.user, .profile)
    }

    // MARK: - Capabilities

    static func enforceCapabilities(
        _ request: RunRequest, profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> Set<Capability> {
        var result = profile.capabilities
        let allowed = profile.capabilities.isEmpty ? "none" : profile.capabilities.sorted().map(\.name).joined(separator: ", ")
        for name in request.capDrop {
            if name.uppercased() == "ALL" {
                result.removeAll()
                continue
            }
            do {
                result.remove(try Capability(parsing: name))
            } catch {
                throw .invalidRequest(flag: "--cap-drop \(name)", reason: error.description)
            }
        }
        for name in request.capAdd {
            let added: Set<Capability>
            do {
                added = try Capability.parseList([name])
            } catch {
                throw .invalidRequest(flag: "--cap-add \(name)", reason: error.description)
            }
            let outside = added.subtracting(profile.capabilities)
            if !outside.isEmpty {
                throw refuse(
                    .capabilities, "--cap-add \(name)", "capabilities outside the profile's allow-list (\(allowed)) are dropped, bounding set included")
            }
            result.formUnion(added)
        }
        return result
    }

    // MARK: - Seccomp

    static func enforceSeccomp(
        _ file: String?, capabilities: Set<Capability>, profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> LinuxSeccomp {
        guard let file else {
            if capabilities == profile.capabilities { return profile.seccomp }
            // Fewer capabilities can only drop cap-conditional rules: re-resolve for the tighter set.
            return try loadSeccomp(profile.seccompPath.path, capabilities: capabilities, flag: "--profile \(profile.name)")
        }
        let flag = "--security-opt seccomp=\(file)"
        let requested = try loadSeccomp(file, capabilities: capabilities, flag: flag)
        let looser = requested.loosening(comparedTo: profile.seccomp)
        if !looser.isEmpty {
            let shown = looser.prefix(5).joined(separator: "; ")
            let more = looser.count > 5 ? " and \(looser.count - 5) more" : ""
            throw refuse(
                .seccomp, flag, "a seccomp profile may only be stricter than \(profile.seccompPath.lastPathComponent), but this one permits: \(shown)\(more)")
        }
        return requested
    }

    static func loadSeccomp(_ path: String, capabilities: Set<Capability>, flag: String) throws(PolicyError) -> LinuxSeccomp {
        do {
            return try SeccompProfile.load(contentsOf: path).resolve(capabilities: capabilities, source: path)
        } catch {
            throw .invalidRequest(flag: flag, reason: error.description)
        }
    }
}
