import HostSystem
import Seccomp

// MARK: - OCI runtime-spec (config.json), the subset securerun writes

/// An OCI runtime-spec `config.json`; property names match the JSON.
public struct RuntimeSpec: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var process: Process
    public var root: Root
    public var hostname: String?
    public var mounts: [Mount]
    public var linux: Linux
    public var domainname: String? = nil

    /// `process`.
    public struct Process: Codable, Sendable, Equatable {
        public var terminal: Bool
        public var user: User
        public var args: [String]
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities
        public var rlimits: [Rlimit]
        public var noNewPrivileges: Bool
        public var oomScoreAdj: Int? = nil
    }

    /// `process.user`.
    public struct User: Codable, Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]?
    }

    /// `process.capabilities`.
    public struct Capabilities: Codable, Sendable, Equatable {
        public var bounding: [String]
        public var effective: [String]
        public var inheritable: [String]
        public var permitted: [String]
        public var ambient: [String]
    }

    /// `process.rlimits[]`.
    public struct Rlimit: Codable, Sendable, Equatable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
    }

    /// `root`.
    public struct Root: Codable, Sendable, Equatable {
        public var path: String
        public var readonly: Bool
    }

    /// `mounts[]`.
    public struct Mount: Codable, Sendable, Equatable {
        public var destination: String
        public var type: String
        public var source: String
        public var options: [String]
    }

    /// `linux`.
    public struct Linux: Codable, Sendable, Equatable {
        public var resources: Resources
        public var cgroupsPath: String
        public var namespaces: [Namespace]
        public var seccomp: LinuxSeccomp
        public var maskedPaths: [String]
        public var readonlyPaths: [String]
        public var sysctl: [String: String]? = nil
        /// `linux.uidMappings`: with a user namespace, container ids onto the container's id block.
        public var uidMappings: [IdMapping]? = nil
        /// `linux.gidMappings`, likewise.
        public var gidMappings: [IdMapping]? = nil
    }

    /// `linux.resources`.
    public struct Resources: Codable, Sendable, Equatable {
        public var devices: [DeviceRule]
        public var memory: Memory
        public var cpu: CPU
        public var pids: Pids
    }

    /// `linux.resources.devices[]`.
    public struct DeviceRule: Codable, Sendable, Equatable {
        public var allow: Bool
        public var access: String
    }

    /// `linux.resources.memory` (swap is memory plus swap, as the spec defines it).
    public struct Memory: Codable, Sendable, Equatable {
        public var limit: Int64
        public var swap: Int64
        public var reservation: Int64? = nil
        public var swappiness: UInt64? = nil
    }

    /// `linux.resources.cpu`.
    public struct CPU: Codable, Sendable, Equatable {
        public var quota: Int64
        public var period: UInt64
        public var shares: UInt64? = nil
        public var cpus: String? = nil
        public var mems: String? = nil
    }

    /// `linux.resources.pids`.
    public struct Pids: Codable, Sendable, Equatable {
        public var limit: Int64
    }

    /// `linux.namespaces[]`.
    public struct Namespace: Codable, Sendable, Equatable {
        public var type: String
        /// An existing namespace to join (the private network's); nil makes a new one.
        public var path: String?

        public init(type: String, path: String? = nil) {
            self.type = type
            self.path = path
        }
    }
}
