import Policy

/// How a piece of the floor a pod leaves out is named and fixed in a pod's terms. Which pieces are missing
/// is `Policy.floorViolations`' decision (the rule the engine plugin and lint use); only the field path and
/// the fix differ by door, as a flag's spelling does: a pod sets `readOnlyRootFilesystem`, not `--read-only`.
enum FloorHints {
    /// The pod field that sets `field`.
    static func origin(_ field: EngineFloor.Field, value: String?, container: PodContainer) -> FlagOrigin {
        let security = "\(container.path).securityContext"
        let path: String
        switch field {
        case .user: path = "\(security).runAsUser"
        case .readonlyRootfs: path = "\(security).readOnlyRootFilesystem"
        case .capDrop: path = "\(security).capabilities.drop"
        case .securityOpt where value == "no seccomp": return container.seccompOrigin
        case .securityOpt:
            // The floor names what is missing ("no no-new-privileges"); the pod field's own value reads better.
            let escalation = container.floor.noNewPrivileges.map { String(!$0) } ?? "unset"
            return .pod("\(security).allowPrivilegeEscalation", escalation)
        case .memory, .memorySwap: path = "\(container.path).resources.limits.memory"
        case .nanoCPUs: path = "\(container.path).resources.limits.cpu"
        case .maskedPaths, .readonlyPaths: path = "\(security).procMount"
        case .pidsLimit, .networkMode, .endpoints, .cgroupnsMode: path = "\(container.path)"
        }
        return .pod(path, value)
    }

    /// The fix for `violation` in a pod's fields (the policy's own words when a pod has no field for it).
    static func detail(_ violation: PolicyViolation, profile: Profile, seccompFile: String) -> String {
        let cpus = profile.cpus == profile.cpus.rounded() ? String(Int(profile.cpus)) : String(profile.cpus)
        switch violation.rule {
        case .nonRootUser:
            if violation.flag.hasSuffix("=unset") {
                return
                    "without runAsUser the image's user runs, root for most images; set securityContext.runAsUser and runAsGroup to a non-root uid and gid such as \(profile.user.uid) and \(profile.user.gid), and runAsNonRoot: true"
            }
            return
                "set runAsGroup too: without it the runtime takes the group from the image's /etc/passwd, and root's (0) when the uid has no entry"
        case .readOnlyRootfs: return "set securityContext.readOnlyRootFilesystem: true"
        case .capabilities:
            return "set securityContext.capabilities.drop: [ALL], and add back only what the profile allows"
        case .noNewPrivileges: return "set securityContext.allowPrivilegeEscalation: false (the kubelet then sets no_new_privs)"
        case .seccomp:
            return
                "the runtime's default filter permits more than the profile's; set securityContext.seccompProfile to {type: Localhost, localhostProfile: \(seccompFile)} and install the file securerun export kubernetes writes at \(KubernetesSeccomp.kubeletDirectory)/\(seccompFile) on every node"
        case .memory: return "set resources.limits.memory to at most \(profile.memory)"
        case .cpu: return "set resources.limits.cpu to at most \(cpus)"
        case .tmpfs:
            return
                "an emptyDir with medium Memory and no sizeLimit is as large as half the node's memory; set sizeLimit within the profile (at most \(profile.extraTmpfs.maxSize) for extra mounts)"
        default: return violation.detail
        }
    }
}
