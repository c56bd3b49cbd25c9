import Capabilities
import Foundation
import Policy

/// A docker-compose service that meets a profile exactly: the keys `docker compose` turns into the
/// create body the engine plugin requires (the floor a plugin cannot add), each at the value the profile
/// gives `securerun run`. Rendered from the ``HardenedSpec`` `Policy.enforce` makes, so the keys are the
/// policy's own decision, not a second copy of it.
public enum ComposeRenderer {
    /// The image line of the service: a reference the engine resolves to exactly one image, and a note.
    public struct PinnedImage: Sendable, Equatable {
        /// What `image:` says.
        public var reference: String
        /// A comment on the line (what it pins, and how to load it).
        public var note: String

        public init(reference: String, note: String) {
            self.reference = reference
            self.note = note
        }
    }

    /// A compose file (format 2.4, the one whose service keys carry `mem_limit`, `cpus` and `pids_limit`
    /// for `docker-compose up`) with one service `service`, from `spec` made under `profile`.
    public static func render(_ spec: HardenedSpec, profile: Profile, service: String, image: PinnedImage?) -> String {
        var lines: [String] = [
            "# The service keys that meet securerun profile \"\(profile.name)\" (\(profile.source.path)).",
            "# The engine applies only what a create carries, so through securerun's engine plugin every key below",
            "# must stay: a lower limit, fewer capabilities or another non-root uid:gid is allowed, nothing looser.",
        ]
        lines += notes(profile).map { "# Note: \($0)" }
        lines += ["version: \"2.4\"", "services:", "  \(quoted(service)):"]
        if let image {
            lines.append("    image: \(quoted(image.reference))  # \(image.note)")
        } else {
            lines.append("    # image: NAME (securerun export compose --profile \(profile.name) IMAGE pins a stored image by id)")
        }
        lines.append("    user: \(quoted(spec.user.description))")
        lines.append("    read_only: true")
        lines.append("    cap_drop: [\"ALL\"]")
        if !spec.capabilities.isEmpty {
            lines.append("    cap_add: [\(spec.capabilities.sorted().map { quoted($0.name) }.joined(separator: ", "))]")
        }
        lines.append("    security_opt:")
        lines.append("      - \"no-new-privileges:true\"")
        lines.append("      - \(quoted("seccomp=" + spec.seccompSource))")
        lines.append("    mem_limit: \(quoted(spec.memory.description))")
        lines.append("    memswap_limit: \(quoted(spec.memorySwap.description))")
        if let reservation = spec.memoryReservation { lines.append("    mem_reservation: \(quoted(reservation.description))") }
        lines.append("    cpus: \(cpus(quota: spec.cpuQuota, period: spec.cpuPeriod))")
        lines.append("    pids_limit: \(spec.pidsLimit)")
        if !spec.tmpfs.isEmpty {
            lines.append("    tmpfs:")
            for mount in spec.tmpfs {
                let options = ["size=\(mount.size)", mount.exec ? "exec" : "noexec", "nosuid", "nodev", "mode=\(String(mount.mode, radix: 8))"]
                lines.append("      - \(quoted("\(mount.path):\(options.joined(separator: ","))"))")
            }
        }
        lines.append("    network_mode: none")
        if let shm = spec.shmSize { lines.append("    shm_size: \(quoted(shm.description))") }
        if spec.rlimits.isEmpty {
            lines.append("    # ulimits: the profile sets none (the engine's defaults apply)")
        } else {
            lines.append("    ulimits:")
            for limit in spec.rlimits {
                lines.append("      \(limit.name.rawValue): {soft: \(limit.soft), hard: \(limit.hard)}")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the profile asks for that a compose service cannot say, or says differently.
    static func notes(_ profile: Profile) -> [String] {
        var notes: [String] = []
        if profile.network.mode != .none {
            notes.append(
                "the profile's private network (veth, shaping, egress allow-list) has no engine equivalent; the engine plugin allows only network_mode none"
            )
        }
        let masked = Set(profile.maskedPaths).subtracting(EngineFloor.engineMaskedPaths)
        let readonly = Set(profile.readonlyPaths).subtracting(EngineFloor.engineReadonlyPaths)
        if !masked.isEmpty || !readonly.isEmpty {
            notes.append(
                "the profile masks or makes read-only \((masked.union(readonly)).sorted().joined(separator: ", ")) beyond the engine's defaults, which compose cannot send; the plugin refuses these services"
            )
        }
        notes.append(
            "on a cgroup v1 host start dockerd with --default-cgroupns-mode private (compose 1.x cannot ask for a private cgroup namespace)")
        return notes
    }

    /// `cpus` as compose reads it (a decimal number of CPUs).
    static func cpus(quota: Int64, period: UInt64) -> String {
        let value = Double(quota) / Double(max(period, 1))
        return value == value.rounded() ? "\(Int(value)).0" : "\(value)"
    }

    /// A YAML double-quoted scalar (JSON's escapes are YAML's).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension ComposeRenderer {
    /// The service for `profile` with no request of its own: what `securerun run` would give a container of
    /// an image with `defaults`, through `Policy.enforce`.
    public static func render(profile: Profile, service: String, image: PinnedImage?, defaults: ImageDefaults) throws(PolicyError) -> String {
        let spec = try Policy.enforce(
            RunRequest(image: image?.reference ?? "image"), profile: profile, image: defaults, hostSecrets: HostSecrets(patterns: []))
        return render(spec, profile: profile, service: service, image: image)
    }
}
