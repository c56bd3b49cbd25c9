import Foundation

/// `-v HOST:CTR[:ro|rw]` requests: read-only unless the profile allows writable volumes, and never
/// over the host paths that give a container the host (the root, kernel interfaces, runtime sockets) or
/// its credentials (``HostSecrets``), nor over a directory that contains one.
enum VolumeRequests {
    /// Host paths no container may see at all, nor any directory that contains one: they expose the host's
    /// kernel, devices, container runtimes (a read-only mount does not stop `connect()` on a socket) or
    /// securerun's own state (the shared rootfs of admitted images, trusted keys).
    static let forbiddenHostPaths = [
        "/proc", "/sys", "/dev", "/boot", "/var/run/docker.sock", "/run/docker.sock", "/run/containerd",
        "/var/run/containerd", "/run/runc", "/var/lib/docker", "/var/lib/containerd", "/var/lib/securerun",
    ]
    /// Host paths that may be mounted only read-only (and everything under them).
    static let readOnlyHostTrees = ["/etc", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/bin", "/sbin", "/opt"]
    /// Directories that may be mounted only read-only themselves (their subdirectories may be writable).
    static let readOnlyHostDirectories = ["/home", "/srv", "/mnt", "/media", "/tmp", "/var/tmp"]
    /// Container paths a volume may not cover: the kernel interfaces the runtime sets up.
    static let forbiddenContainerPaths = ["/", "/proc", "/sys", "/dev"]

    static func enforce(
        _ values: [String], profile: Profile, protectedHostPaths: [String], secrets: HostSecrets,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> [BindMount] {
        let protected = forbiddenHostPaths + protectedHostPaths.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
        var mounts: [BindMount] = []
        for raw in values {
            let flag = "--volume \(raw)"
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count), !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .invalidRequest(flag: flag, reason: "expected HOST:CONTAINER[:ro|rw] with absolute paths")
            }
            guard parts[0].hasPrefix("/") else {
                throw .invalidRequest(flag: flag, reason: "\"\(parts[0])\" is not an absolute host path (named volumes are not supported)")
            }
            guard parts[1].hasPrefix("/") else {
                throw .invalidRequest(flag: flag, reason: "\"\(parts[1])\" is not an absolute container path")
            }
            var readOnly = true
            if parts.count == 3 {
                for option in parts[2].split(separator: ",") {
                    switch option {
                    case "ro": readOnly = true
                    case "rw": readOnly = false
                    default:
                        throw .invalidRequest(flag: flag, reason: "unknown volume option \"\(option)\" (known: ro, rw)")
                    }
                }
            }
            // Resolve symlinks so /tmp/link -> / is judged as /.
            let host = URL(fileURLWithPath: parts[0]).resolvingSymlinksInPath().standardizedFileURL.path
            let destination = URL(fileURLWithPath: parts[1]).standardizedFileURL.path
            if host == "/" {
                throw refuse(.volumes, flag, "the host's root directory is never mounted")
            }
            if let inside = protected.first(where: { host == $0 || host.hasPrefix($0 + "/") }) {
                throw refuse(
                    .volumes, flag,
                    "the host path \(host) is \(inside == host ? "" : "inside ")\(inside), which gives a container control of the host and is never mounted")
            }
            if let contained = protected.first(where: { $0.hasPrefix(host + "/") }) {
                throw refuse(
                    .volumes, flag, "the host path \(host) contains \(contained), which gives a container control of the host; mount a narrower directory")
            }
            if let reason = secrets.refusal(for: host) {
                throw refuse(.volumes, flag, reason)
            }
            if forbiddenContainerPaths.contains(where: { destination == $0 || ($0 != "/" && destination.hasPrefix($0 + "/")) }) {
                throw refuse(.volumes, flag, "a volume may not cover \(destination), which the runtime sets up")
            }
            if !readOnly {
                if !profile.allowWritableVolumes {
                    throw refuse(.volumes, flag, "volumes are read-only (the profile does not set volumes.allowWritable)")
                }
                if readOnlyHostTrees.contains(where: { host == $0 || host.hasPrefix($0 + "/") }) || readOnlyHostDirectories.contains(host) {
                    throw refuse(.volumes, flag, "the host path \(host) may only be mounted read-only")
                }
            }
            mounts.append(BindMount(source: host, destination: destination, readOnly: readOnly))
        }
        return mounts
    }
}
