/// `--tmpfs PATH[:OPTIONS]`, `--mount type=tmpfs,…` and `--shm-size`: a profile tmpfs may only get smaller
/// (and noexec); other paths are extra mounts, allowed only where the profile's `extraTmpfs` says, always
/// noexec, nosuid and nodev, each size-capped, and together within the memory limit.
enum TmpfsRequests {
    /// The tmpfs mounts to make and the size of /dev/shm.
    struct Plan {
        var mounts: [TmpfsMount]
        var shmSize: ByteSize
    }

    /// Docker's /dev/shm size; a profile gives no more.
    static let defaultShmSize = ByteSize(bytes: 64 << 20)
    /// Container paths the runtime sets up.
    static let runtimePaths = ["/proc", "/sys", "/dev"]

    static func enforce(_ request: RunRequest, profile: Profile, memory: ByteSize, judge: Judge) throws(PolicyError) -> Plan {
        var mounts = profile.tmpfs
        let own = profile.tmpfs.map(\.path).joined(separator: ", ")
        var extraPaths: Set<String> = []
        var extraTotal: Int64 = 0
        var requests = request.tmpfs
        for entry in request.mounts {
            if case .tmpfs(let tmpfs) = entry.value { requests.append(Flagged(tmpfs, entry.origin)) }
        }
        for entry in requests {
            let wanted = entry.value
            let origin = entry.origin
            let path = try normalized(wanted.path, origin: origin, judge: judge)
            if path == "/" || runtimePaths.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                let hint = path == "/dev/shm" ? "; set its size with --shm-size" : ""
                throw judge.refuse(.tmpfs, origin, "a tmpfs may not cover \(path), which the runtime sets up\(hint)")
            }
            if wanted.setuid || wanted.devices {
                throw judge.refuse(.tmpfs, origin, "tmpfs mounts are always nosuid and nodev")
            }
            if let size = wanted.size, size.bytes == 0 {
                throw judge.refuse(.tmpfs, origin, "size=0 means no size limit; give a size such as 16m")
            }
            if let index = profile.tmpfs.firstIndex(where: { $0.path == path }) {
                let ceiling = profile.tmpfs[index]
                var mount = mounts[index]
                if let size = wanted.size {
                    if size > ceiling.size { throw judge.refuse(.tmpfs, origin, "\(path) is capped at \(ceiling.size)") }
                    mount.size = size
                }
                if wanted.exec == true && !ceiling.exec { throw judge.refuse(.tmpfs, origin, "\(path) is mounted noexec") }
                if wanted.exec == false { mount.exec = false }
                if let mode = wanted.mode { mount.mode = mode }
                mounts[index] = mount
                continue
            }
            let extra = profile.extraTmpfs
            guard extra.allowed else {
                throw judge.refuse(
                    .tmpfs, origin,
                    "writable tmpfs mounts are limited to the profile's (\(own.isEmpty ? "none" : own)); the profile does not allow extra ones (extraTmpfs)")
            }
            guard !extraPaths.contains(path) else {
                throw judge.invalid(origin, "\(path) is already a tmpfs mount of this request")
            }
            if extraPaths.count >= extra.maxMounts {
                throw judge.refuse(.tmpfs, origin, "at most \(extra.maxMounts) extra tmpfs mounts are allowed")
            }
            let size = wanted.size ?? extra.maxSize
            if size > extra.maxSize {
                throw judge.refuse(.tmpfs, origin, "extra tmpfs mounts are capped at \(extra.maxSize) each")
            }
            if wanted.exec == true {
                throw judge.refuse(.tmpfs, origin, "extra tmpfs mounts are always noexec: nothing written at run time may be executed")
            }
            extraTotal += size.bytes
            if extraTotal > memory.bytes {
                throw judge.refuse(
                    .tmpfs, origin,
                    "extra tmpfs mounts together (\(ByteSize(bytes: extraTotal))) would exceed the memory limit (\(memory)): their pages count against it")
            }
            extraPaths.insert(path)
            mounts.append(TmpfsMount(path: path, size: size, exec: false, mode: wanted.mode ?? 0o1777))
        }
        var shm = defaultShmSize
        if let entry = request.shmSize, entry.value.bytes > 0 {
            if entry.value > defaultShmSize {
                throw judge.refuse(
                    .tmpfs, entry.origin,
                    "/dev/shm is capped at \(defaultShmSize) (docker's default); use a smaller size, or a --tmpfs mount the profile allows")
            }
            shm = entry.value
        }
        return Plan(mounts: mounts, shmSize: shm)
    }

    /// A plain absolute path without `.`/`..` components, without a trailing slash.
    static func normalized(_ path: String, origin: FlagOrigin, judge: Judge) throws(PolicyError) -> String {
        guard path.hasPrefix("/") else { throw judge.invalid(origin, "\"\(path)\" is not an absolute container path, such as /run") }
        let parts = path.split(separator: "/")
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw judge.invalid(origin, "\"\(path)\" has '.' or '..' in it; give the plain path")
        }
        return "/" + parts.joined(separator: "/")
    }

    /// A volume and a tmpfs at the same container path would hide one another.
    static func checkOverlaps(tmpfs: Plan, volumes: [BindMount], request: RunRequest, judge: Judge) throws(PolicyError) {
        for (index, volume) in volumes.enumerated() where tmpfs.mounts.contains(where: { $0.path == volume.destination }) {
            let origin = request.binds[index].origin
            throw judge.invalid(origin, "\(volume.destination) is also a tmpfs mount; give each container path one mount")
        }
    }
}
