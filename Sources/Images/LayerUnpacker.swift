import CArchive
import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Unpacks image layers into a rootfs without trusting them.
///
/// Every entry is written relative to an open directory descriptor of the rootfs, one path component
/// at a time with O_NOFOLLOW, so no symlink in a parent path is ever followed (the class of bugs behind
/// CVE-2018-15664 and docker cp / tar breakouts). Refused: `..` components, absolute paths, symlinks whose
/// relative target climbs out of the rootfs, hard links to anything not already in the rootfs, a symlinked
/// parent, char/block device nodes, and whiteouts naming paths outside. Setuid and setgid bits are always
/// stripped: no-new-privileges makes them inert inside containers, and on the host a setuid-root file in
/// the store would be a local root hole. Extended attributes (file capabilities included) are never
/// written. Bytes and entries are counted against `limits` as they stream.
public struct LayerUnpacker: Sendable {
    /// The bounds on bytes, entries and expansion.
    public var limits: UnpackLimits

    /// An unpacker with `limits` (the store's defaults unless given).
    public init(limits: UnpackLimits = .default) {
        self.limits = limits
    }

    /// Applies `layers` (bottom first, each named by its digest for messages) into `destination`:
    /// unpacks into `<parent>/.tmp-<random>` and renames it into place; on any error the temp dir is removed
    /// and `destination` is untouched.
    public func unpack(layers: [(file: URL, name: String)], into destination: URL) throws(ImageError) {
        let parent = destination.deletingLastPathComponent()
        try FS.makeDirectories(parent)
        let temp = parent.appendingPathComponent(".tmp-\(FS.randomSuffix())")
        try unpack(layers: layers, staging: temp)
        do {
            try FS.check(rename(temp.path, destination.path), "rename into place", destination.path)
        } catch {
            FS.removeTree(temp)
            throw error
        }
    }

    /// Unpacks `layers` into the new directory `staging` (left there for the caller to rename into place)
    /// and, when `record` is given, writes the unpack record of the result there; returns its digest.
    /// On any error `staging` is removed.
    @discardableResult
    func unpack(layers: [(file: URL, name: String)], staging temp: URL, record: URL? = nil) throws(ImageError) -> Digest? {
        // 0700 while it fills: nobody but root looks inside a half-made rootfs. The image's root gets 0755 last.
        try FS.check(mkdir(temp.path, 0o700), "create", temp.path)
        do {
            let root = try DirectoryFD(opening: temp)
            var directories: [String: ArchiveEntryInfo] = [:]
            var budget = UnpackBudget(limits: limits)
            for layer in layers {
                let compressed = try Self.fileSize(layer.file)
                try applyWhiteouts(layer: layer.file, name: layer.name, compressed: compressed, root: root)
                budget.startLayer("layer \(layer.name)", compressedBytes: compressed)
                try extract(layer: layer.file, name: layer.name, root: root, budget: &budget, directories: &directories)
            }
            try applyDirectoryMetadata(directories, root: root)
            try FS.check(fchmod(root.fd, 0o755), "chmod", temp.path)
            guard let record else { return nil }
            return try RootfsRecord.write(rootfs: root, displayPath: temp.path, to: record)
        } catch {
            FS.removeTree(temp)
            throw error
        }
    }

    static func fileSize(_ url: URL) throws(ImageError) -> Int64 {
        var info = stat()
        try FS.check(stat(url.path, &info), "stat", url.path)
        return Int64(info.st_size)
    }

    // MARK: - Paths

    /// Splits an entry path into components inside the rootfs, refusing anything that could land outside.
    static func components(_ path: String, layer: String) throws(ImageError) -> [String] {
        if path.hasPrefix("/") {
            throw .unsafeEntry(layer: layer, entry: path, reason: "is an absolute path")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        if parts.contains("..") {
            throw .unsafeEntry(layer: layer, entry: path, reason: "has a '..' component that would leave the rootfs")
        }
        return parts
    }

    /// Opens the directory `parts` under `root`, one component at a time, refusing symlinks.
    /// Missing components are created (mode 0755) when `create`, else nil is returned.
    static func openDirectory(_ parts: ArraySlice<String>, root: DirectoryFD, create: Bool, entry: String, layer: String) throws(ImageError) -> DirectoryFD? {
        var current = root
        var walked: [String] = []
        for part in parts {
            walked.append(part)
            var fd = openat(current.fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 && errno == ENOENT {
                guard create else { return nil }
                try FS.check(mkdirat(current.fd, part, 0o755), "create directory", walked.joined(separator: "/"))
                fd = openat(current.fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if fd < 0 {
                let code = errno
                var info = stat()
                if fstatat(current.fd, part, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & Glibc.S_IFMT == Glibc.S_IFLNK {
                    throw .unsafeEntry(
                        layer: layer, entry: entry,
                        reason: "has a parent '\(walked.joined(separator: "/"))' that is a symlink; writing through it could land outside the rootfs")
                }
                if code == ENOTDIR || code == ELOOP {
                    throw .unsafeEntry(layer: layer, entry: entry, reason: "has a parent '\(walked.joined(separator: "/"))' that is not a directory")
                }
                throw .io(path: walked.joined(separator: "/"), operation: "open directory", errno: code)
            }
            current = DirectoryFD(fd: fd)
        }
        return current
    }

    /// Whether a relative symlink target, resolved lexically from the link's directory, stays inside the rootfs.
    /// Absolute targets are resolved against the rootfs by the container, so they stay inside.
    static func symlinkStaysInside(target: String, linkParent: ArraySlice<String>) -> Bool {
        if target.hasPrefix("/") { return true }
        var depth = linkParent.count
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                depth -= 1
                if depth < 0 { return false }
            } else {
                depth += 1
            }
        }
        return true
    }

    // MARK: - Whiteouts

    private static let whiteoutPrefix = ".wh."
    private static let opaqueWhiteout = ".wh..wh..opq"

    /// First pass over a layer: apply its whiteouts to the lower layers (OCI image-spec layer.md:
    /// whiteouts apply only to lower layers, so doing them all first is exact).
    private func applyWhiteouts(layer: URL, name: String, compressed: Int64, root: DirectoryFD) throws(ImageError) {
        let reader = try ArchiveReader(url: layer)
        // The same layer bounds as the extraction pass: this pass decompresses the whole stream too.
        var budget = UnpackBudget(limits: limits)
        budget.startLayer("layer \(name)", compressedBytes: compressed)
        while let entry = try reader.next() {
            try budget.advance(to: reader.streamPosition)
            try applyWhiteout(ArchiveEntryInfo(entry), layer: name, root: root)
            // Read (and count) the data here rather than let libarchive skip it unseen.
            try reader.drainData(budget: &budget)
        }
    }

    private func applyWhiteout(_ info: ArchiveEntryInfo, layer name: String, root: DirectoryFD) throws(ImageError) {
        var parts = try Self.components(info.path, layer: name)
        guard let last = parts.last, last.hasPrefix(Self.whiteoutPrefix) else { return }
        parts.removeLast()
        guard let dir = try Self.openDirectory(parts[...], root: root, create: false, entry: info.path, layer: name) else { return }
        let shown = parts.joined(separator: "/")
        if last == Self.opaqueWhiteout {
            try dir.removeChildren(path: shown)
            return
        }
        let target = String(last.dropFirst(Self.whiteoutPrefix.count))
        guard !target.isEmpty, target != ".", target != "..", !target.contains("/") else {
            throw .unsafeEntry(layer: name, entry: info.path, reason: "is a whiteout of '\(target)', which is not a name inside the rootfs")
        }
        try dir.removeTree(target, path: shown.isEmpty ? target : shown + "/" + target)
    }

    // MARK: - Entries

    private func extract(
        layer: URL, name: String, root: DirectoryFD, budget: inout UnpackBudget, directories: inout [String: ArchiveEntryInfo]
    ) throws(ImageError) {
        let reader = try ArchiveReader(url: layer)
        while let entry = try reader.next() {
            try budget.advance(to: reader.streamPosition)
            try budget.addEntry()
            let info = ArchiveEntryInfo(entry)
            let parts = try Self.components(info.path, layer: name)
            guard let last = parts.last else { continue }  // "./": the rootfs itself
            if last.hasPrefix(Self.whiteoutPrefix) { continue }
            if info.type == Glibc.S_IFCHR || info.type == Glibc.S_IFBLK {
                throw .unsafeEntry(
                    layer: name, entry: info.path, reason: "is a device node; containers get their devices from the runtime, never from an image")
            }
            if info.type == Glibc.S_IFSOCK { continue }
            let parentParts = parts.dropLast()
            guard let parent = try Self.openDirectory(parentParts, root: root, create: true, entry: info.path, layer: name) else { continue }
            let relative = parts.joined(separator: "/")

            var existing = stat()
            let exists = fstatat(parent.fd, last, &existing, AT_SYMLINK_NOFOLLOW) == 0
            let isHardlink = info.hardlink != nil
            if exists && !(existing.st_mode & Glibc.S_IFMT == Glibc.S_IFDIR && info.type == Glibc.S_IFDIR && !isHardlink) {
                try parent.removeTree(last, path: relative)
            }

            if let target = info.hardlink {
                try link(target: target, parent: parent, name: last, entry: info.path, layer: name, root: root)
                continue
            }
            switch info.type {
            case Glibc.S_IFDIR:
                if !exists || existing.st_mode & Glibc.S_IFMT != Glibc.S_IFDIR {
                    try FS.check(mkdirat(parent.fd, last, 0o700), "create directory", relative)
                }
                directories[relative] = info
            case Glibc.S_IFREG:
                try writeFile(reader: reader, info: info, parent: parent, name: last, relative: relative, budget: &budget)
            case Glibc.S_IFLNK:
                let target = info.symlink ?? ""
                guard !target.isEmpty, Self.symlinkStaysInside(target: target, linkParent: parentParts) else {
                    throw .unsafeEntry(layer: name, entry: info.path, reason: "is a symlink to '\(target)', which resolves outside the rootfs")
                }
                try FS.check(symlinkat(target, parent.fd, last), "create symlink", relative)
                try setOwnerAndTime(parent: parent, name: last, info: info, relative: relative, symlink: true)
            case Glibc.S_IFIFO:
                try FS.check(mkfifoat(parent.fd, last, 0o600), "create fifo", relative)
                try setOwnerAndTime(parent: parent, name: last, info: info, relative: relative, symlink: false)
                try FS.check(fchmodat(parent.fd, last, info.mode & 0o777, 0), "chmod", relative)
            default:
                throw .unsafeEntry(layer: name, entry: info.path, reason: "has an unsupported file type \(String(info.type, radix: 8))")
            }
        }
    }

    private func link(target: String, parent: DirectoryFD, name: String, entry: String, layer: String, root: DirectoryFD) throws(ImageError) {
        if target.hasPrefix("/") {
            throw .unsafeEntry(layer: layer, entry: entry, reason: "is a hard link to absolute path '\(target)' outside the rootfs")
        }
        var targetParts = try Self.components(target, layer: layer)
        guard let targetName = targetParts.popLast(),
            let targetDir = try Self.openDirectory(targetParts[...], root: root, create: false, entry: entry, layer: layer)
        else {
            throw .unsafeEntry(layer: layer, entry: entry, reason: "is a hard link to '\(target)', which is not in the rootfs")
        }
        var info = stat()
        guard fstatat(targetDir.fd, targetName, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .unsafeEntry(layer: layer, entry: entry, reason: "is a hard link to '\(target)', which is not in the rootfs")
        }
        guard info.st_mode & Glibc.S_IFMT != Glibc.S_IFDIR else {
            throw .unsafeEntry(layer: layer, entry: entry, reason: "is a hard link to directory '\(target)'")
        }
        // flags 0: linkat does not follow a symlink at the target, so a link to a symlink stays a link to the symlink.
        try FS.check(linkat(targetDir.fd, targetName, parent.fd, name, 0), "hard link", entry)
    }

    private func writeFile(
        reader: ArchiveReader, info: ArchiveEntryInfo, parent: DirectoryFD, name: String, relative: String, budget: inout UnpackBudget
    ) throws(ImageError) {
        let fd = try FS.check(openat(parent.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600), "create", relative)
        defer { close(fd) }
        try reader.readData { (buffer) throws(ImageError) in
            // Counted before writing: the block that crosses a limit never reaches the disk.
            try budget.advance(to: reader.streamPosition)
            try FS.writeAll(fd, buffer, path: relative)
        }
        try chownIfRoot(fchown(fd, uid_t(truncatingIfNeeded: info.uid), gid_t(truncatingIfNeeded: info.gid)), relative)
        // chmod after chown: chown clears setuid bits, and the mode must be exactly ours.
        try FS.check(fchmod(fd, Self.permissions(info)), "chmod", relative)
        var times = Self.times(info)
        try FS.check(futimens(fd, &times), "set times", relative)
    }

    /// The entry's permission bits without setuid and setgid (the sticky bit stays).
    static func permissions(_ info: ArchiveEntryInfo) -> mode_t {
        info.mode & 0o1777
    }

    private func setOwnerAndTime(parent: DirectoryFD, name: String, info: ArchiveEntryInfo, relative: String, symlink: Bool) throws(ImageError) {
        try chownIfRoot(fchownat(parent.fd, name, uid_t(truncatingIfNeeded: info.uid), gid_t(truncatingIfNeeded: info.gid), AT_SYMLINK_NOFOLLOW), relative)
        var times = Self.times(info)
        try FS.check(utimensat(parent.fd, name, &times, AT_SYMLINK_NOFOLLOW), "set times", relative)
    }

    private func chownIfRoot(_ result: Int32, _ path: String) throws(ImageError) {
        // Without root only our own uid is possible; keep going so unprivileged tests can unpack.
        if result != 0 && !(errno == EPERM && geteuid() != 0) {
            throw .io(path: path, operation: "chown", errno: errno)
        }
    }

    private static func times(_ info: ArchiveEntryInfo) -> [timespec] {
        let time = timespec(tv_sec: info.mtime, tv_nsec: info.mtimeNanos)
        return [time, time]
    }

    /// Directory owners, modes and times last, deepest first, so creating children does not change them.
    private func applyDirectoryMetadata(_ directories: [String: ArchiveEntryInfo], root: DirectoryFD) throws(ImageError) {
        for (path, info) in directories.sorted(by: { $0.key > $1.key }) {
            var parts = path.split(separator: "/").map(String.init)
            guard let last = parts.popLast(),
                let parent = try Self.openDirectory(parts[...], root: root, create: false, entry: path, layer: "metadata")
            else { continue }
            let fd = openat(parent.fd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }  // replaced or removed by a later layer
            defer { close(fd) }
            try chownIfRoot(fchown(fd, uid_t(truncatingIfNeeded: info.uid), gid_t(truncatingIfNeeded: info.gid)), path)
            try FS.check(fchmod(fd, Self.permissions(info)), "chmod", path)
            var times = Self.times(info)
            try FS.check(futimens(fd, &times), "set times", path)
        }
    }
}
