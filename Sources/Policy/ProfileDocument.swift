import Admission

/// The on-disk shape of a profile (YAML or JSON), before validation turns it into a `Profile`.
struct ProfileDocument: Codable {
    var name: String?
    var user: String?
    var capabilities: [String]?
    var seccomp: String?
    var resources: Resources?
    var tmpfs: [Tmpfs]?
    var extraTmpfs: ExtraTmpfs?
    var maskedPaths: [String]?
    var readonlyPaths: [String]?
    var network: Network?
    var volumes: Volumes?
    var allowedRegistries: [String]?
    var store: Store?
    var admission: AdmissionPolicy?
    // Floor settings: accepted only with their hardened values, so a profile cannot say otherwise.
    var readOnlyRootfs: Bool?
    var noNewPrivileges: Bool?
    /// `required`, `preferred` or `off`.
    var userNamespace: String?
    var restart: Restart?
    var logs: Logs?
    var allowMemfdExec: Bool?
    /// `rlimits: {nofile: "1024:4096", core: 0}`: docker's `--ulimit` values by name.
    var rlimits: [String: RlimitValue]?

    /// A limit written as a number or as `SOFT:HARD`.
    struct RlimitValue: Codable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                text = String(number)
            } else {
                text = try container.decode(String.self)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    /// What a detached container's log may keep.
    struct Logs: Codable {
        var maxSize: String?
    }

    /// `restart: {allowed: [on-failure, unless-stopped, always]}`.
    struct Restart: Codable {
        var allowed: [String]?
    }

    struct Resources: Codable {
        var memory: String?
        var memorySwap: String?
        var cpus: Double?
        var pidsLimit: Int64?
    }

    struct Tmpfs: Codable {
        var path: String
        var size: String?
        var exec: Bool?
        var mode: String?
    }

    /// `network: none` (the shorthand), or a mapping.
    struct Network: Codable {
        var mode: String?
        var addressRange: String?
        var egressRate: String?
        var egressBurst: String?
        var ingressRate: String?
        var ingressBurst: String?
        var egress: Egress?
        var publish: Publish?
        var allowedNetworks: [String]?

        struct Egress: Codable {
            var allow: [String]?
        }

        struct Publish: Codable {
            var allowed: Bool?
            var hostAddresses: [String]?
        }

        enum CodingKeys: String, CodingKey {
            case mode, addressRange, egressRate, egressBurst, ingressRate, ingressBurst, egress, publish, allowedNetworks
        }

        init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
                mode = text
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mode = try container.decodeIfPresent(String.self, forKey: .mode)
            addressRange = try container.decodeIfPresent(String.self, forKey: .addressRange)
            egressRate = try container.decodeIfPresent(String.self, forKey: .egressRate)
            egressBurst = try container.decodeIfPresent(String.self, forKey: .egressBurst)
            ingressRate = try container.decodeIfPresent(String.self, forKey: .ingressRate)
            ingressBurst = try container.decodeIfPresent(String.self, forKey: .ingressBurst)
            egress = try container.decodeIfPresent(Egress.self, forKey: .egress)
            publish = try container.decodeIfPresent(Publish.self, forKey: .publish)
            allowedNetworks = try container.decodeIfPresent([String].self, forKey: .allowedNetworks)
        }
    }

    struct ExtraTmpfs: Codable {
        var allow: Bool?
        var maxSize: String?
        var maxMounts: Int?
    }

    struct Volumes: Codable {
        var allowWritable: Bool?
        var allowedUids: [String]?
        var allowedGids: [String]?
    }

    /// Bounds on what `image import` and `image pull` may unpack into the store.
    struct Store: Codable {
        var maxUnpackedSize: String?
        var maxFiles: Int64?
        var maxExpansionRatio: Int64?
        var expansionAllowance: String?
    }

    /// Every key a profile may have, by nesting level; anything else is a typo worth an error
    /// (a silently ignored `readOnlyRootFS: true` would give a false sense of safety).
    static let knownKeys: [String: Set<String>] = [
        "": [
            "name", "user", "capabilities", "seccomp", "resources", "tmpfs", "extraTmpfs", "maskedPaths", "readonlyPaths",
            "network", "volumes", "allowedRegistries", "store", "admission", "readOnlyRootfs",
            "noNewPrivileges", "description", "userNamespace", "logs", "allowMemfdExec", "rlimits", "restart",
        ],
        "logs": ["maxSize"],
        "restart": ["allowed"],
        "resources": ["memory", "memorySwap", "cpus", "pidsLimit"],
        "tmpfs[]": ["path", "size", "exec", "mode"],
        "extraTmpfs": ["allow", "maxSize", "maxMounts"],
        "volumes": ["allowWritable", "allowedUids", "allowedGids"],
        "network": ["mode", "addressRange", "egressRate", "egressBurst", "ingressRate", "ingressBurst", "egress", "publish", "allowedNetworks"],
        "network.egress": ["allow"],
        "network.publish": ["allowed", "hostAddresses"],
        "store": ["maxUnpackedSize", "maxFiles", "maxExpansionRatio", "expansionAllowance"],
        // A misspelt admission key would silently fall back to a looser default (blockAt HIGH, no age limit).
        "admission": ["trustedKeys", "threshold", "blockAt", "maxScanAge", "ignore", "allowUnattested"],
        "admission.ignore[]": ["id", "reason", "expires"],
    ]

    /// Keys securerun once had, with why they are gone: a profile that still sets one gets this reason.
    static let removedKeys: [String: String] = [
        "keepSetuid":
            "was removed: setuid and setgid bits are now always stripped when an image is unpacked (no-new-privileges makes them inert inside containers, and on the host a setuid-root file in the store is a local root hole); delete the line"
    ]
}
