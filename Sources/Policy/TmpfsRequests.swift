/// `--tmpfs PATH[:OPTIONS]` requests: only the profile's tmpfs paths, only smaller, never executable unless allowed.
enum TmpfsRequests {
    static func enforce(
        _ values: [String], profile: Profile,
        refuse: (PolicyViolation.Rule, String, String) -> PolicyError
    ) throws(PolicyError) -> [TmpfsMount] {
        var mounts = profile.tmpfs
        let allowedPaths = profile.tmpfs.map(\.path).joined(separator: ", ")
        for raw in values {
            let flag = "--tmpfs \(raw)"
            let parts = raw.split(separator: ":", maxSplits: 1).map(String.init)
            guard let path = parts.first, path.hasPrefix("/") else {
                throw .invalidRequest(flag: flag, reason: "expected an absolute container path, such as /tmp:size=16m")
            }
            let normalized = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            guard let index = mounts.firstIndex(where: { $0.path == normalized }) else {
                throw refuse(.tmpfs, flag, "writable tmpfs mounts are limited to the profile's (\(allowedPaths.isEmpty ? "none" : allowedPaths))")
            }
            var mount = mounts[index]
            let options = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
            for option in options {
                let (key, value) = SecurityOptions.split(option)
                switch key {
                case "size":
                    guard let value, let size = ByteSize(parsing: value), size.bytes > 0 else {
                        throw .invalidRequest(flag: flag, reason: "size needs a value such as 16m")
                    }
                    if size > profile.tmpfs[index].size {
                        throw refuse(.tmpfs, flag, "\(path) is capped at \(profile.tmpfs[index].size)")
                    }
                    mount.size = size
                case "mode":
                    guard let value, let mode = UInt32(value, radix: 8), mode <= 0o7777 else {
                        throw .invalidRequest(flag: flag, reason: "mode needs an octal value such as 1777")
                    }
                    mount.mode = mode
                case "exec":
                    if !profile.tmpfs[index].exec {
                        throw refuse(.tmpfs, flag, "\(path) is mounted noexec")
                    }
                case "suid", "dev":
                    throw refuse(.tmpfs, flag, "tmpfs mounts are always nosuid and nodev")
                case "noexec":
                    mount.exec = false
                case "nosuid", "nodev", "rw":
                    break
                default:
                    throw .invalidRequest(flag: flag, reason: "unknown tmpfs option \"\(key)\" (known: size, mode, noexec, nosuid, nodev)")
                }
            }
            mounts[index] = mount
        }
        return mounts
    }
}
