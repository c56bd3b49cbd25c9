import Foundation

/// Resolves a path inside an image rootfs the way the container will see it (like openat2's
/// RESOLVE_IN_ROOT): symlinks are read from the rootfs and interpreted inside it, and `..` never climbs
/// above it. securerun reads image files (passwd, the command to run) only through this, so a link such
/// as `etc -> x/x/../../../etc` with `x -> .` cannot make it read or probe the host's files.
enum RootfsPath {
    /// What a resolved path is.
    enum Kind: Equatable {
        case directory, regularFile(mode: mode_t), other
    }

    /// The host path of `path` inside `rootfs` and what it is, or nil when it does not exist (or loops).
    static func resolve(_ path: String, in rootfs: URL, maxLinks: Int = 40) -> (hostPath: String, kind: Kind)? {
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        var resolved: [String] = []
        var links = 0
        var info = stat()
        while let component = pending.popLast() {
            switch component {
            case "", ".":
                continue
            case "..":
                _ = resolved.popLast()
                continue
            default:
                break
            }
            // Every component in `resolved` is a real directory, so lstat follows no link on the host.
            let candidate = rootfs.path + "/" + (resolved + [component]).joined(separator: "/")
            guard lstat(candidate, &info) == 0 else { return nil }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                links += 1
                guard links <= maxLinks, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) else { return nil }
                if target.hasPrefix("/") { resolved.removeAll() }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
                continue
            }
            resolved.append(component)
            if !pending.isEmpty && (info.st_mode & S_IFMT) != S_IFDIR { return nil }
        }
        let hostPath = rootfs.path + "/" + resolved.joined(separator: "/")
        guard lstat(hostPath, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return (hostPath, .directory)
        case S_IFREG: return (hostPath, .regularFile(mode: info.st_mode))
        default: return (hostPath, .other)
        }
    }

    /// The first prefix of `path` (`/a`, `/a/b`, …) that exists in the image and is not a directory.
    static func firstNonDirectory(_ path: String, in rootfs: URL) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard let found = resolve(prefix, in: rootfs) else { return nil }
            if found.kind != .directory { return prefix }
        }
        return nil
    }
}
