import CHostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Why a tree was kept (in full, or what was left of it).
public enum RemovalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something in the tree is on another mount (a bind mount of host files, an overlay, a tmpfs).
    /// Nothing was removed: removing through a mount deletes what it shows, the host's files included.
    case mounted(path: String, mountPoints: [String])
    /// The tree nests deeper than the walk follows; nothing was removed.
    case tooDeep(path: String, limit: Int)
    /// A call failed part-way; what remains is kept.
    case failed(path: String, cause: SystemError)

    public var description: String {
        switch self {
        case .mounted(let path, let mountPoints):
            return "kept \(path): still mounted at \(mountPoints.joined(separator: ", ")) (unmount them, then remove it)"
        case .tooDeep(let path, let limit):
            return "kept \(path): it nests more than \(limit) directories deep"
        case .failed(let path, let cause):
            return "could not remove all of \(path): \(cause)"
        }
    }
}

/// Recursive removal that never crosses a mount boundary and never follows a symbolic link, whatever
/// /proc/self/mountinfo says or fails to say.
///
/// Every entry is reached through a descriptor of its parent (openat/unlinkat with O_NOFOLLOW), and its
/// mount id (statx(2) `stx_mnt_id`) is compared with the tree's own before anything is descended into or
/// unlinked. The whole tree is checked first; if anything in it is mounted, nothing is removed.
public enum SafeRemoval {
    /// How deep a tree may nest (each level holds one descriptor open).
    public static let depthLimit = 400

    /// Removes `path` (a directory tree, a file or a symlink; missing is fine). The parent path may
    /// contain symlinks (a state root can be one); `path` itself and everything beneath it is never followed.
    /// `mountinfo` is consulted as a second opinion (nil: statx alone decides, as tests prove it can).
    public static func remove(_ path: String, mountinfo: String? = "/proc/self/mountinfo") throws(RemovalError) {
        let (parentPath, name) = split(path)
        let parent = open(parentPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if parent < 0 {
            if errno == ENOENT { return }
            throw .failed(path: path, cause: .last("open", path: parentPath))
        }
        defer { close(parent) }
        let parentMount: Identity
        do {
            parentMount = try Identity.of(parent, "", path: parentPath)
        } catch {
            throw .failed(path: path, cause: error)
        }
        let top: Identity
        do {
            top = try Identity.of(parent, name, path: path)
        } catch {
            if error.errno == ENOENT { return }
            throw .failed(path: path, cause: error)
        }
        if top.mountID != parentMount.mountID || top.isMountRoot {
            throw .mounted(path: path, mountPoints: [path])
        }
        guard top.isDirectory else {
            do {
                try retryingOnInterrupt("unlinkat", path: path) { unlinkat(parent, name, 0) }
            } catch {
                if error.errno == ENOENT { return }
                throw .failed(path: path, cause: error)
            }
            return
        }
        // mountinfo is a second opinion: anything it lists beneath the path keeps the tree too.
        if let mountinfo, let listed = try? MountTable.mountPoints(under: canonical(path), mountinfo: mountinfo), !listed.isEmpty {
            throw .mounted(path: path, mountPoints: listed)
        }
        let walker = Walker(mountID: top.mountID)
        guard let root = try walker.openDirectory(parent, name, path: path) else { return }
        defer { close(root) }
        var mounted: [String] = []
        do {
            try walker.scan(root, path: path, depth: 1, mounted: &mounted)
        } catch {
            if case .tooDeep = error { throw .tooDeep(path: path, limit: depthLimit) }
            throw error
        }
        if !mounted.isEmpty { throw .mounted(path: path, mountPoints: mounted) }
        try walker.empty(root, path: path, depth: 1)
        do {
            try retryingOnInterrupt("unlinkat", path: path) { unlinkat(parent, name, AT_REMOVEDIR) }
        } catch {
            if error.errno == ENOENT { return }
            throw .failed(path: path, cause: error)
        }
    }

    static func split(_ path: String) -> (String, String) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return (".", trimmed) }
        let parent = String(trimmed[..<slash])
        return (parent.isEmpty ? "/" : parent, String(trimmed[trimmed.index(after: slash)...]))
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What statx says about one entry.
    struct Identity {
        var mountID: UInt64
        var isMountRoot: Bool
        var mode: UInt32

        var isDirectory: Bool { mode & UInt32(Glibc.S_IFMT) == UInt32(Glibc.S_IFDIR) }

        static func of(_ directory: Int32, _ name: String, path: String) throws(SystemError) -> Identity {
            var mountID: UInt64 = 0
            var mountRoot: Int32 = 0
            var major: UInt32 = 0
            var minor: UInt32 = 0
            var mode: UInt32 = 0
            let flags = name.isEmpty ? sr_at_empty_path() : 0
            try retryingOnInterrupt("statx", path: path) {
                sr_statx_mount(directory, name, flags, &mountID, &mountRoot, &major, &minor, &mode)
            }
            return Identity(mountID: mountID, isMountRoot: mountRoot != 0, mode: mode)
        }
    }

    /// The walk over one tree, whose entries must all be on mount `mountID`.
    struct Walker {
        let mountID: UInt64

        /// Opens a directory entry checked to be on the tree's mount; nil when it vanished meanwhile.
        func openDirectory(_ parent: Int32, _ name: String, path: String) throws(RemovalError) -> Int32? {
            let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT { return nil }
                throw .failed(path: path, cause: .last("openat", path: path))
            }
            // Checked on the opened descriptor too: nothing can be swapped in between the check and the open.
            let opened: Identity
            do {
                opened = try Identity.of(fd, "", path: path)
            } catch {
                close(fd)
                throw .failed(path: path, cause: error)
            }
            if opened.mountID != mountID || opened.isMountRoot {
                close(fd)
                throw .mounted(path: path, mountPoints: [path])
            }
            return fd
        }

        func names(_ directory: Int32, path: String) throws(RemovalError) -> [String] {
            let copy = dup(directory)
            guard copy >= 0, let stream = fdopendir(copy) else {
                let cause = SystemError.last("opendir", path: path)
                if copy >= 0 { close(copy) }
                throw .failed(path: path, cause: cause)
            }
            defer { closedir(stream) }
            rewinddir(stream)
            var result: [String] = []
            while let entry = readdir(stream) {
                let name = withUnsafePointer(to: &entry.pointee.d_name) {
                    String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                }
                if name != "." && name != ".." { result.append(name) }
            }
            return result
        }

        /// What statx says about an entry; nil when it vanished meanwhile (another removal got there first).
        func identity(_ directory: Int32, _ name: String, path: String) throws(RemovalError) -> Identity? {
            do {
                return try Identity.of(directory, name, path: path)
            } catch {
                if error.errno == ENOENT { return nil }
                throw .failed(path: path, cause: error)
            }
        }

        /// Collects every entry beneath `directory` that is on another mount.
        func scan(_ directory: Int32, path: String, depth: Int, mounted: inout [String]) throws(RemovalError) {
            guard depth <= SafeRemoval.depthLimit else { throw .tooDeep(path: path, limit: SafeRemoval.depthLimit) }
            for name in try names(directory, path: path) {
                let child = path + "/" + name
                guard let info = try identity(directory, name, path: child) else { continue }
                if info.mountID != mountID || info.isMountRoot {
                    mounted.append(child)
                    continue
                }
                guard info.isDirectory else { continue }
                guard let fd = try openDirectory(directory, name, path: child) else { continue }
                defer { close(fd) }
                try scan(fd, path: child, depth: depth + 1, mounted: &mounted)
            }
        }

        /// Removes everything beneath `directory`, re-checking each entry as it goes.
        func empty(_ directory: Int32, path: String, depth: Int) throws(RemovalError) {
            guard depth <= SafeRemoval.depthLimit else { throw .tooDeep(path: path, limit: SafeRemoval.depthLimit) }
            for name in try names(directory, path: path) {
                let child = path + "/" + name
                guard let info = try identity(directory, name, path: child) else { continue }
                if info.mountID != mountID || info.isMountRoot { throw .mounted(path: path, mountPoints: [child]) }
                if info.isDirectory {
                    guard let fd = try openDirectory(directory, name, path: child) else { continue }
                    defer { close(fd) }
                    try empty(fd, path: child, depth: depth + 1)
                }
                do {
                    try retryingOnInterrupt("unlinkat", path: child) { unlinkat(directory, name, info.isDirectory ? AT_REMOVEDIR : 0) }
                } catch {
                    if error.errno == ENOENT { continue }
                    throw .failed(path: child, cause: error)
                }
            }
        }
    }
}
