import Foundation

/// `-v HOST:CTR[:OPTS]` and `--mount type=bind,…`: never a host path that gives a container the host (the
/// root, kernel interfaces, runtime sockets and state, /run), nor its system directories beyond a few
/// harmless files, nor its credentials (``HostSecrets``), nor a directory containing any of these; read-only
/// unless the profile allows writable volumes; private propagation; no relabelling. Named and anonymous
/// volumes are not supported.
enum VolumeRequests {
    /// Host paths no container may see at all, even read-only, nor anything inside or above them: they expose
    /// the host's kernel, devices, boot files, runtime sockets (a read-only mount does not stop `connect()`),
    /// root's home, or container engines' and securerun's own state (the shared rootfs of admitted images).
    /// A Kubernetes node's engines count too: the kubelet's directory (its client key, every pod's secrets
    /// and service account tokens), etcd's data (every Secret of the cluster), CRI-O's and podman's storage
    /// (every container's files), k3s's and RKE2's state (the server token, the datastore).
    static let forbiddenHostPaths = [
        "/proc", "/sys", "/dev", "/boot", "/run", "/var/run", "/var/lib/docker", "/var/lib/containerd", "/var/lib/securerun", "/var/lib/kubelet",
        "/var/lib/etcd", "/var/lib/containers", "/var/lib/rancher",
    ]
    /// The host's system directories: only the harmless paths below may be mounted from them, read-only.
    static let systemTrees = ["/etc", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"]
    /// Paths inside the system directories that hold nothing secret and that containers commonly need:
    /// CA certificates, time zones, name-service files without passwords, the OS release.
    static let harmlessSystemPaths = [
        "/etc/ssl/certs", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki/ca-trust/extracted", "/etc/pki/tls/certs",
        "/etc/localtime", "/etc/timezone", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/os-release", "/etc/machine-id",
        "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/mime.types", "/etc/protocols", "/etc/services", "/usr/share/zoneinfo",
        "/usr/share/ca-certificates", "/usr/local/share/ca-certificates", "/usr/lib/os-release",
    ]
    /// Host paths that may be mounted only read-only (and everything under them).
    static let readOnlyHostTrees = ["/opt"] + systemTrees
    /// Directories that may be mounted only read-only themselves (their subdirectories may be writable).
    static let readOnlyHostDirectories = ["/home", "/srv", "/mnt", "/media", "/tmp", "/var/tmp"]
    /// Container paths a volume may not cover: the kernel interfaces the runtime sets up.
    static let forbiddenContainerPaths = ["/", "/proc", "/sys", "/dev"]

    static func enforce(
        _ request: RunRequest, profile: Profile, protectedHostPaths: [String], secrets: HostSecrets, judge: Judge
    ) throws(PolicyError) -> [BindMount] {
        let protected = forbiddenHostPaths + protectedHostPaths.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
        var mounts: [BindMount] = []
        for entry in request.mounts {
            let origin = entry.origin
            let bind: BindRequest
            switch entry.value {
            case .tmpfs: continue
            case .volume(let name, let destination):
                let what = name.map { "the named volume \"\($0)\"" } ?? "an anonymous volume at \(destination)"
                throw judge.refuse(
                    .volumes, origin,
                    "named volumes are not supported (\(what)); mount a host directory (-v /srv/data:\(destination)) or a tmpfs (--tmpfs \(destination))")
            case .bind(let request): bind = request
            }
            guard bind.source.hasPrefix("/") else { throw judge.invalid(origin, "\"\(bind.source)\" is not an absolute host path") }
            guard bind.destination.hasPrefix("/") else { throw judge.invalid(origin, "\"\(bind.destination)\" is not an absolute container path") }
            if let relabel = bind.relabel {
                throw judge.refuse(
                    .volumes, origin, "'\(relabel)' relabels the host's files for SELinux (for every container with 'z'); securerun never changes host labels")
            }
            if let propagation = bind.propagation {
                throw judge.refuse(
                    .volumes, origin,
                    "\(propagation) propagation passes mounts between the host and the container; volumes are private (rprivate), so leave the option out")
            }
            // Resolve symlinks so /tmp/link -> / is judged as /.
            let host = URL(fileURLWithPath: bind.source).resolvingSymlinksInPath().standardizedFileURL.path
            let destination = URL(fileURLWithPath: bind.destination).standardizedFileURL.path
            try checkHostPath(host, protected: protected, secrets: secrets, origin: origin, judge: judge)
            if forbiddenContainerPaths.contains(where: { destination == $0 || ($0 != "/" && destination.hasPrefix($0 + "/")) }) {
                throw judge.refuse(.volumes, origin, "a volume may not cover \(destination), which the runtime sets up")
            }
            if !bind.readOnly {
                if !profile.allowWritableVolumes {
                    throw judge.refuse(
                        .volumes, origin, "volumes are read-only (the profile does not set volumes.allowWritable); add :ro (or readonly to --mount)")
                }
                if readOnlyHostTrees.contains(where: { host == $0 || host.hasPrefix($0 + "/") }) || readOnlyHostDirectories.contains(host) {
                    throw judge.refuse(.volumes, origin, "the host path \(host) may only be mounted read-only")
                }
            }
            mounts.append(BindMount(source: host, destination: destination, readOnly: bind.readOnly))
        }
        return mounts
    }

    static func checkHostPath(_ host: String, protected: [String], secrets: HostSecrets, origin: FlagOrigin, judge: Judge) throws(PolicyError) {
        if host == "/" {
            throw judge.refuse(.volumes, origin, "the host's root directory is never mounted")
        }
        if let inside = protected.first(where: { host == $0 || host.hasPrefix($0 + "/") }) {
            throw judge.refuse(
                .volumes, origin,
                "the host path \(host) is \(inside == host ? "" : "inside ")\(inside), which gives a container control of the host and is never mounted, even read-only"
            )
        }
        if let contained = protected.first(where: { $0.hasPrefix(host + "/") }) {
            throw judge.refuse(
                .volumes, origin, "the host path \(host) contains \(contained), which gives a container control of the host; mount a narrower directory")
        }
        // Credentials first: their refusal says more than the system-directory one.
        if let reason = secrets.refusal(for: host) {
            throw judge.refuse(.volumes, origin, reason)
        }
        if let tree = systemTrees.first(where: { host == $0 || host.hasPrefix($0 + "/") }),
            !harmlessSystemPaths.contains(where: { host == $0 || host.hasPrefix($0 + "/") })
        {
            throw judge.refuse(
                .volumes, origin,
                "the host path \(host) is \(tree == host ? "" : "inside ")\(tree), the host's own system files and configuration; only CA certificates, time zones and name-service files (such as /etc/ssl/certs, /etc/localtime, /etc/hosts, /etc/passwd) may be mounted from it, read-only; copy what the container needs into a directory of its own"
            )
        }
    }
}
