import Foundation

/// `-v HOST:CTR[:ro|rw]` requests: read-only unless the profile allows writable volumes, and never
/// over the host paths that give a container the host (the root, kernel interfaces, runtime sockets).
enum VolumeRequests {
    /// Host paths no container may see at all: they expose the host's kernel, devices or runtimes.
    static let forbiddenHostPaths = [
        "/", "/proc", "/sys", "/dev", "/boot", "/var/run/docker.sock", "/run/docker.sock",
        "/run/containerd", "/var/run/containerd", "/var/lib/securerun",
    ]
    /// Host paths that may be mounted only read-only.
    static let readOnlyHostPaths = ["/etc", "/lib", "/usr", "/var/run", "/run", "/var", "/bin", "/sbin", "/lib64", "/root", "/home"]
    /// Container paths a volume may not cover: the kernel interfaces the runtime sets up.
    static let forbiddenContainerPaths = ["/", "/proc", "/sys", "/dev"]

    static func enforce(
        _ values: [String], profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> [BindMount] {
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
            if forbiddenHostPaths.contains(where: { host == $0 || ($0 != "/" && host.hasPrefix($0 + "/")) }) {
                throw refuse(.volumes, flag, "the host path \(host) gives a container control of the host and is never mounted")
            }
            if forbiddenContainerPaths.contains(where: { destination == $0 || ($0 != "/" && destination.hasPrefix($0 + "/")) }) {
                throw refuse(.volumes, flag, "a volume may not cover \(destination), which the runtime sets up")
            }
            if !readOnly {
                if !profile.allowWritableVolumes {
                    throw refuse(.volumes, flag, "volumes are read-only (the profile does not set volumes.allowWritable)")
                }
                if readOnlyHostPaths.contains(where: { host == $0 || host.hasPrefix($0 + "/") && $0 != "/var" && $0 != "/home" }) {
                    throw refuse(.volumes, flag, "the host path \(host) may only be mounted read-only")
                }
            }
            mounts.append(BindMount(source: host, destination: destination, readOnly: readOnly))
        }
        return mounts
    }
}
