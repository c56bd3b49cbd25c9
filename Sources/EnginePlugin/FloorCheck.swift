import Capabilities
import Foundation
import Policy
import Seccomp
import StrictJSON

/// What `Policy.enforce` does not check because `securerun run` adds it itself: the floor. A plugin cannot
/// change a request, so a create must already carry it; each missing piece is refused with its rule id,
/// the API field and the compose key to set.
enum FloorCheck {
    static func check(_ body: CreateBody, profile: Profile, hardened: HardenedSpec, cgroupnsPrivateByDefault: Bool) throws(EnginePluginError) {
        func refuse(_ rule: PolicyViolation.Rule, _ field: String, _ detail: String, value: String? = nil) -> EnginePluginError {
            let origin = EngineFields.origin(field, value ?? "unset")
            return .policy(.violation(PolicyViolation(rule: rule, origin: origin, profile: profile.name, detail: detail)))
        }
        let carry = "the engine applies only what the request carries"
        guard let user = body.user else {
            throw refuse(
                .nonRootUser, "User",
                "\(carry), and without User it runs the image's user, root for most images; set User to a numeric non-root uid:gid such as \(profile.user) (docker run -u \(profile.user))"
            )
        }
        let parts = user.value.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count != 2 {
            throw refuse(
                .nonRootUser, "User",
                "give the group too (uid:gid, such as \(profile.user)): without one the engine takes the group from the image's /etc/passwd, and root's (0) when the uid has no entry",
                value: user.value)
        }
        if !body.readonlyRootfs {
            throw refuse(.readOnlyRootfs, "HostConfig.ReadonlyRootfs", "\(carry): set it to true (docker run --read-only)")
        }
        if !body.dropsAllCapabilities {
            throw refuse(
                .capabilities, "HostConfig.CapDrop",
                "\(carry), and without ALL in CapDrop the engine keeps its default capabilities; drop ALL and add back only what the profile allows (docker run --cap-drop ALL)"
            )
        }
        if body.noNewPrivileges != true {
            throw refuse(
                .noNewPrivileges, "HostConfig.SecurityOpt",
                "\(carry): add no-new-privileges:true (docker run --security-opt no-new-privileges)", value: "no no-new-privileges")
        }
        if body.seccomp == .engineDefault {
            throw refuse(
                .seccomp, "HostConfig.SecurityOpt",
                "\(carry), and without seccomp=… the engine applies its own default filter, which permits more than the profile's \(profile.seccompPath.lastPathComponent); send the profile's (docker run --security-opt seccomp=\(profile.seccompPath.path))",
                value: "no seccomp")
        }
        if body.memory <= 0 {
            throw refuse(.memory, "HostConfig.Memory", "\(carry): set a memory limit of at most \(profile.memory) (docker run -m \(profile.memory))")
        }
        if body.memorySwap == 0 {
            throw refuse(
                .memory, "HostConfig.MemorySwap",
                "\(carry), and without MemorySwap the engine allows as much swap as memory; set it to the memory limit (docker run --memory-swap equal to -m)"
            )
        }
        if body.nanoCPUs <= 0 && body.cpuQuota <= 0 {
            throw refuse(
                .cpu, "HostConfig.NanoCpus",
                "\(carry): set a CPU limit of at most \(formatCPUs(profile.cpus)) (docker run --cpus \(formatCPUs(profile.cpus)), or CpuQuota and CpuPeriod)")
        }
        if body.pidsLimit <= 0 {
            throw refuse(
                .pids, "HostConfig.PidsLimit", "\(carry): set a task limit of at most \(profile.pidsLimit) (docker run --pids-limit \(profile.pidsLimit))")
        }
        if body.networkMode != "none" {
            throw refuse(
                .network, "HostConfig.NetworkMode",
                "\(carry), and without none the engine attaches its default bridge network; set it to none (docker run --network none)",
                value: body.networkMode.isEmpty ? "unset" : body.networkMode)
        }
        for name in body.endpoints where name != "none" {
            throw refuse(.network, "NetworkingConfig.EndpointsConfig", "containers get network none; remove the network \(name)", value: name)
        }
        for origin in body.unsizedTmpfs {
            let violation = PolicyViolation(
                rule: .tmpfs, origin: origin, profile: profile.name,
                detail:
                    "a tmpfs without size= is as large as half the host's memory; give size= within the profile (at most \(profile.extraTmpfs.maxSize) for extra mounts)"
            )
            throw .policy(.violation(violation))
        }
        let profileMasked = Set(profile.maskedPaths)
        if let masked = body.maskedPaths, !masked.isEmpty, !profileMasked.isSubset(of: Set(masked)) {
            let missing = profileMasked.subtracting(masked).sorted().joined(separator: ", ")
            throw refuse(
                .securityOptions, "HostConfig.MaskedPaths", "the list leaves \(missing) unmasked; leave MaskedPaths out for the engine's list", value: "[…]")
        }
        if body.maskedPaths == nil, !profileMasked.isSubset(of: EngineFields.engineMaskedPaths) {
            let missing = profileMasked.subtracting(EngineFields.engineMaskedPaths).sorted().joined(separator: ", ")
            throw refuse(.securityOptions, "HostConfig.MaskedPaths", "the profile also masks \(missing), which the engine does not; send MaskedPaths with them")
        }
        let profileReadonly = Set(profile.readonlyPaths)
        if let readonly = body.readonlyPaths, !readonly.isEmpty, !profileReadonly.isSubset(of: Set(readonly)) {
            let missing = profileReadonly.subtracting(readonly).sorted().joined(separator: ", ")
            throw refuse(
                .securityOptions, "HostConfig.ReadonlyPaths", "the list leaves \(missing) writable; leave ReadonlyPaths out for the engine's list", value: "[…]"
            )
        }
        if body.readonlyPaths == nil, !profileReadonly.isSubset(of: EngineFields.engineReadonlyPaths) {
            let missing = profileReadonly.subtracting(EngineFields.engineReadonlyPaths).sorted().joined(separator: ", ")
            throw refuse(
                .securityOptions, "HostConfig.ReadonlyPaths",
                "the profile also makes \(missing) read-only, which the engine does not; send ReadonlyPaths with them")
        }
        if body.cgroupnsMode.isEmpty && !cgroupnsPrivateByDefault {
            throw refuse(
                .hostNamespaces, "HostConfig.CgroupnsMode",
                "this engine's default is the host's cgroup namespace (cgroup v1 without dockerd --default-cgroupns-mode private); set it to private (docker run --cgroupns private), or start dockerd with --default-cgroupns-mode private"
            )
        }
        if case .inline(let json) = body.seccomp {
            try checkSeccomp(json, capabilities: hardened.capabilities, profile: profile)
        }
    }

    /// The inline profile, read as the engine reads it and judged as `--security-opt seccomp=FILE` is.
    static func checkSeccomp(_ json: String, capabilities: Set<Capability>, profile: Profile) throws(EnginePluginError) {
        let origin = EngineFields.origin("HostConfig.SecurityOpt", "seccomp={…}")
        func invalid(_ reason: String) -> EnginePluginError {
            .policy(.invalidRequest(flag: origin.typed, reason: reason, origin: origin))
        }
        let bytes = Array(json.utf8)
        do {
            try SeccompKeys.check(try JSONParser.parse(bytes, limits: SeccompProfile.limits))
        } catch let error as EnginePluginError {
            throw error
        } catch {
            throw invalid("the seccomp profile is not JSON securerun can read as the engine does: \(error)")
        }
        let resolved: LinuxSeccomp
        do {
            resolved = try SeccompProfile.decode(Data(bytes), source: "seccomp=").resolve(capabilities: capabilities, source: "seccomp=")
        } catch {
            throw invalid(error.description)
        }
        let looser = resolved.loosening(comparedTo: profile.seccomp)
        if !looser.isEmpty {
            let shown = looser.prefix(5).joined(separator: "; ")
            let more = looser.count > 5 ? " and \(looser.count - 5) more" : ""
            throw .policy(
                .violation(
                    PolicyViolation(
                        rule: .seccomp, origin: origin, profile: profile.name,
                        detail: "a seccomp profile may only be stricter than \(profile.seccompPath.lastPathComponent), but this one permits: \(shown)\(more)")))
        }
    }

    static func formatCPUs(_ cpus: Double) -> String { cpus == cpus.rounded() ? String(Int(cpus)) : String(cpus) }
}

/// The keys of a Docker seccomp profile, level by level (moby `profiles/seccomp` types): the engine reads
/// the profile with Go's decoder, which matches keys without regard to case and ignores unknown ones, and
/// securerun's reader ignores unknown keys too, so `"DefaultAction": "SCMP_ACT_ALLOW"` beside
/// `"defaultAction": "SCMP_ACT_ERRNO"` would read differently on each side. Every key must be one of these.
enum SeccompKeys {
    static let top: Set<String> = [
        "defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata",
    ]
    static let arch: Set<String> = ["architecture", "subArchitectures"]
    static let syscall: Set<String> = ["name", "names", "action", "errnoRet", "args", "comment", "includes", "excludes"]
    static let argument: Set<String> = ["index", "value", "valueTwo", "op"]
    static let filter: Set<String> = ["caps", "arches", "minKernel"]

    static func check(_ root: JSONNode) throws(EnginePluginError) {
        let endpoint = CreateBody.endpoint
        let field = "HostConfig.SecurityOpt seccomp"
        let object = try BodyObject(root, path: field, known: top, endpoint: endpoint)
        for entry in try object.objects("archMap", known: arch) ?? [] { _ = entry }
        for rule in try object.objects("syscalls", known: syscall) ?? [] {
            _ = try rule.objects("args", known: argument)
            _ = try rule.object("includes", known: filter)
            _ = try rule.object("excludes", known: filter)
        }
    }
}
