import ContentDigest
import Foundation
import HostSystem
import Images
import Policy

/// Builds the OCI `config.json` for a hardened spec and an image's shared rootfs.
public enum SpecBuilder {
    /// The runtime-spec version securerun writes (runc 1.1 speaks 1.0.2).
    public static let ociVersion = "1.0.2"

    /// Makes the runtime spec; `cgroupsPath` places the container under securerun's own cgroup.
    /// `volumeSources` replaces the host path of the volume at that index in `hardened.volumes` (the
    /// launcher's pinned staging paths); the others mount from the path the policy checked.
    /// `networkNamespace` is the path of the namespace the network step made (private networking); without
    /// one the runtime makes a new namespace with only loopback.
    /// `idMapping` gives the container a user namespace (and a cgroup namespace) mapping its ids 0…65535 onto its id block.
    public static func spec(
        for hardened: HardenedSpec, rootfs: URL, place: ContainerPlace, volumeSources: [Int: String] = [:], networkNamespace: String? = nil,
        idMapping: IdMapping? = nil, hostsFile: String? = nil
    ) -> RuntimeSpec {
        spec(
            for: hardened, rootfs: rootfs, cgroupsPath: place.cgroupsPath, volumeSources: volumeSources, networkNamespace: networkNamespace,
            idMapping: idMapping, hostsFile: hostsFile)
    }

    /// A process's supplementary groups: its own gid first, then `--group-add`'s. dockerd always lists the
    /// primary gid (moby's fix for CVE-2022-36109, kept since), so both backends give the same groups; with
    /// no-new-privileges it grants nothing the primary gid does not.
    public static func supplementaryGroups(_ gid: UInt32, _ added: [UInt32]) -> [UInt32] {
        [gid] + added.filter { $0 != gid }
    }

    /// Makes the runtime spec with the given cgroups path (dry runs have no container place yet).
    /// `hostsFile` is mounted read-only as /etc/hosts (a container on a securerun network).
    public static func spec(
        for hardened: HardenedSpec, rootfs: URL, cgroupsPath: String, volumeSources: [Int: String] = [:], networkNamespace: String? = nil,
        idMapping: IdMapping? = nil, hostsFile: String? = nil
    ) -> RuntimeSpec {
        let caps = hardened.capabilities.sorted().map(\.name)
        // Ambient (and so inheritable) capabilities are what lets a non-root process actually use an
        // allowed capability such as NET_BIND_SERVICE; with an empty allow-list every set is empty.
        let capabilities = RuntimeSpec.Capabilities(
            bounding: caps, effective: caps, inheritable: caps, permitted: caps, ambient: caps)
        let process = RuntimeSpec.Process(
            terminal: false,
            user: .init(uid: hardened.user.uid, gid: hardened.user.gid, additionalGids: supplementaryGroups(hardened.user.gid, hardened.additionalGids)),
            args: hardened.initProcess ? [InitBinary.containerPath, "--"] + hardened.args : hardened.args,
            env: hardened.env,
            cwd: hardened.cwd,
            capabilities: capabilities,
            // Unlisted limits are inherited from securerun; the policy only lets --ulimit lower them.
            rlimits: hardened.rlimits.map {
                .init(type: $0.name.rlimitName, hard: $0.hard == -1 ? UInt64.max : UInt64($0.hard), soft: $0.soft == -1 ? UInt64.max : UInt64($0.soft))
            },
            noNewPrivileges: hardened.noNewPrivileges,
            oomScoreAdj: hardened.oomScoreAdj
        )
        let resources = RuntimeSpec.Resources(
            devices: [.init(allow: false, access: "rwm")],
            memory: .init(
                limit: hardened.memory.bytes, swap: hardened.memorySwap.bytes, reservation: hardened.memoryReservation?.bytes,
                swappiness: hardened.memorySwappiness),
            cpu: .init(
                quota: hardened.cpuQuota, period: hardened.cpuPeriod, shares: hardened.cpuShares, cpus: hardened.cpusetCPUs?.description,
                mems: hardened.cpusetMems?.description),
            pids: .init(limit: hardened.pidsLimit)
        )
        // runc 1.1 reads no top-level domainname; the UTS namespace's kernel.domainname sysctl sets it on every runtime.
        var sysctls = hardened.sysctls
        if let domainname = hardened.domainname { sysctls["kernel.domainname"] = domainname }
        // A user namespace comes with a cgroup namespace: the container's root must not see (or, through
        // a cgroup mount of the host's hierarchy, reach) other cgroups.
        let namespaces =
            ["pid", "network", "ipc", "uts", "mount"] + (hardened.cgroupNamespace || idMapping != nil ? ["cgroup"] : []) + (idMapping != nil ? ["user"] : [])
        let linux = RuntimeSpec.Linux(
            resources: resources,
            cgroupsPath: cgroupsPath,
            namespaces: namespaces.map { .init(type: $0, path: $0 == "network" ? networkNamespace : nil) },
            seccomp: hardened.seccomp,
            maskedPaths: hardened.maskedPaths,
            readonlyPaths: hardened.readonlyPaths,
            sysctl: sysctls.isEmpty ? nil : sysctls,
            uidMappings: idMapping.map { [$0] },
            gidMappings: idMapping.map { [$0] }
        )
        return RuntimeSpec(
            ociVersion: ociVersion,
            process: process,
            root: .init(path: rootfs.path, readonly: hardened.readOnlyRootfs),
            hostname: hardened.hostname,
            mounts: mounts(for: hardened, volumeSources: volumeSources, hostsFile: hostsFile),
            linux: linux,
            domainname: hardened.domainname
        )
    }

    /// The cgroup a container of securerun lives in: `/securerun/<root>-<id>`, where `<root>` is 12 hex
    /// digits of the SHA-256 of the state root's real path. Two state roots may both have a container
    /// named `web`; their processes must never be counted (or limited, or killed) together.
    public static func cgroupsPath(_ containerID: String, stateRoot: URL) -> String {
        "/securerun/\(rootTag(stateRoot))-\(containerID)"
    }

    /// The state root's tag in cgroup paths.
    public static func rootTag(_ stateRoot: URL) -> String {
        let path = stateRoot.resolvingSymlinksInPath().standardizedFileURL.path
        return String(Digest.of(Data(path.utf8)).hex.prefix(12))
    }

    /// Options of a volume's bind mount. The `r` forms (runc 1.1 applies them with
    /// mount_setattr(2) and AT_RECURSIVE) also cover mounts nested inside the source, which plain
    /// `ro`, `nosuid` and `nodev` leave writable, suid-capable and with devices.
    public static func volumeOptions(readOnly: Bool) -> [String] {
        readOnly
            ? ["rbind", "ro", "nosuid", "nodev", "rro", "rnosuid", "rnodev"]
            : ["rbind", "rw", "nosuid", "nodev", "rnosuid", "rnodev"]
    }

    static func mounts(for hardened: HardenedSpec, volumeSources: [Int: String] = [:], hostsFile: String? = nil) -> [RuntimeSpec.Mount] {
        var mounts: [RuntimeSpec.Mount] = [
            .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
            .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            .init(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        // /dev/shm as docker makes it, sized by --shm-size; --ipc none has none.
        if let shm = hardened.shmSize {
            mounts.insert(
                .init(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=\(shm.bytes)"]), at: 3)
        }
        for tmpfs in hardened.tmpfs {
            var options = ["nosuid", "nodev", tmpfs.exec ? "exec" : "noexec", "size=\(tmpfs.size.bytes)", "mode=\(String(tmpfs.mode, radix: 8))"]
            // Owned by the run user, so a non-root process can write to it.
            options += ["uid=\(hardened.user.uid)", "gid=\(hardened.user.gid)"]
            mounts.append(.init(destination: tmpfs.path, type: "tmpfs", source: "tmpfs", options: options))
        }
        if hardened.initProcess, let host = try? InitBinary.locate() {
            mounts.append(
                .init(destination: InitBinary.containerPath, type: "bind", source: host, options: ["bind", "ro", "nosuid", "nodev"]))
        }
        if let hostsFile {
            mounts.append(.init(destination: "/etc/hosts", type: "bind", source: hostsFile, options: ["bind", "ro", "nosuid", "nodev", "noexec"]))
        }
        for (index, volume) in hardened.volumes.enumerated() {
            mounts.append(
                .init(
                    destination: volume.destination, type: "bind", source: volumeSources[index] ?? volume.source,
                    options: volumeOptions(readOnly: volume.readOnly)))
        }
        return mounts
    }
}
