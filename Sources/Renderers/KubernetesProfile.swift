import Foundation
import Images
import KubernetesAdmission
import Policy

/// A profile's decision in Kubernetes' terms, computed once from the ``HardenedSpec`` `Policy.enforce`
/// makes, so the workload and the cluster policies carry the same values: quantities, the seccomp file and
/// the name kubelet finds it by, and the node path it must be installed at.
public struct KubernetesProfile: Sendable {
    /// The profile.
    public let profile: Profile
    /// What `securerun run` would start under it.
    public let spec: HardenedSpec
    /// The resolved seccomp filter as JSON (the OCI form runc gets; containerd and CRI-O read it as a
    /// Localhost profile).
    public let seccompJSON: Data
    /// `localhostProfile`: the file's name, with the profile's name and the start of the filter's digest,
    /// so a changed filter gets a new name and a pod never runs under a file it was not written for.
    public let seccompFile: String

    /// Where kubelet reads Localhost profiles (its `--root-dir` is /var/lib/kubelet unless set otherwise).
    public static let kubeletSeccompDirectory = KubernetesSeccomp.kubeletDirectory

    /// The profile's values for a container of an image whose defaults are `defaults`.
    public init(profile: Profile, defaults: ImageDefaults = ImageDefaults(cmd: ["/bin/sh"])) throws(PolicyError) {
        let spec = try Policy.enforce(RunRequest(image: "image"), profile: profile, image: defaults, hostSecrets: HostSecrets(patterns: []))
        self.init(profile: profile, spec: spec)
    }

    /// The values of `spec`, enforced under `profile`.
    public init(profile: Profile, spec: HardenedSpec) {
        self.profile = profile
        self.spec = spec
        // The name the webhook requires pods to give (one formula, KubernetesSeccomp's).
        (seccompJSON, seccompFile) = KubernetesSeccomp.file(for: spec, profileName: profile.name)
    }

    /// The node path the seccomp file must be installed at.
    public var seccompNodePath: String { "\(Self.kubeletSeccompDirectory)/\(seccompFile)" }

    /// `limits.memory` (and `requests.memory`).
    public var memory: String { Self.quantity(bytes: spec.memory.bytes) }

    /// `limits.cpu` (and `requests.cpu`), rounded down to a millicore so it never exceeds the profile.
    public var cpu: String { Self.cpuQuantity(quota: spec.cpuQuota, period: spec.cpuPeriod) }

    /// The non-root user.
    public var user: UserID { spec.user }

    /// Capability names as Kubernetes writes them (without `CAP_`), sorted.
    public var capabilityAdds: [String] {
        spec.capabilities.map { $0.name.hasPrefix("CAP_") ? String($0.name.dropFirst(4)) : $0.name }.sorted()
    }

    /// The largest tmpfs (emptyDir) a pod may have: the profile's own and the extra ones it allows.
    public var maxTmpfsSize: ByteSize {
        let own = spec.tmpfs.map(\.size).max() ?? ByteSize(bytes: 0)
        return profile.extraTmpfs.allowed ? max(own, profile.extraTmpfs.maxSize) : own
    }

    /// How many tmpfs (emptyDir) volumes a pod may have.
    public var maxTmpfsCount: Int { spec.tmpfs.count + (profile.extraTmpfs.allowed ? profile.extraTmpfs.maxMounts : 0) }

    // MARK: - Quantities

    /// A byte count as a Kubernetes quantity in the largest exact binary unit (`256Mi`).
    public static func quantity(bytes: Int64) -> String {
        for (suffix, unit) in [("Ti", Int64(1) << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)"
    }

    /// A CFS quota per period as CPUs (`1`, `500m`), at least one millicore.
    public static func cpuQuantity(quota: Int64, period: UInt64) -> String {
        let millis = max(1, quota * 1000 / Int64(max(period, 1)))
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(millis)m"
    }

    /// A rate in bits per second as the CNI bandwidth plugin's annotation value (`10M`).
    public static func bandwidth(_ rate: BitRate) -> String {
        let bits = rate.bitsPerSecond
        for (suffix, unit) in [("G", UInt64(1_000_000_000)), ("M", 1_000_000), ("k", 1000)] where bits >= unit && bits % unit == 0 {
            return "\(bits / unit)\(suffix)"
        }
        return "\(bits)"
    }

    /// A name as a DNS label (KubernetesSeccomp's reading, the one the webhook uses too).
    public static func dnsLabel(_ text: String) -> String { KubernetesSeccomp.dnsLabel(text) }
}
