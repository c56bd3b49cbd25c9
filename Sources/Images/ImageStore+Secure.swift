import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Makes the state root root-only before a command uses it, and tightens a store made by an older
    /// securerun (0755 directories, 0644 blobs): the state root and every directory securerun keeps in it
    /// become 0700, every file 0600, owned by the caller (root). Each image's own rootfs tree
    /// (`rootfs/<hex>/`, the container's `/`) keeps the image's modes and owners: `rootfs/` and the state
    /// root being 0700 is what keeps other users out of it. Container and runtime state get only their top
    /// directory tightened (their contents are the runtime's).
    ///
    /// Refuses a state root that someone other than root (or the caller) owns, or that sits below a
    /// directory others can write without the sticky bit: they could swap the whole store. Does nothing
    /// else when the state root does not exist yet; it is created 0700 on first write. Never follows a
    /// symlink below the state root and never walks an image's rootfs, so it is cheap enough for every
    /// command (a few hundred fstatat calls on a store of some dozens of images).
    public func secure() throws(ImageError) {
        try Self.checkAncestors(of: root)
        var fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            // A new state root: made 0700 with its marker, so it is recognised as securerun's from now on.
            try FS.makeDirectories(root)
            fd = open(root.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        if fd < 0 {
            throw .io(path: root.path, operation: "open state root", errno: errno)
        }
        let top = DirectoryFD(fd: fd)
        let tightened = try Self.recognise(top, path: root.path)
        var info = stat()
        try FS.check(fstat(top.fd, &info), "stat", root.path)
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw .unsafeStateRoot(
                path: root.path,
                reason: "it is owned by uid \(info.st_uid), who could change every image in it; chown it to root (chown -R root:root \(root.path))")
        }
        try Self.tighten(top.fd, info, directory: true, path: root.path, passable: true)
        // A store tightened once stays so: everything securerun creates is 0700/0600 (it runs with umask
        // 077), so later commands check the state root itself and not every file in it.
        if tightened { return }
        let device = info.st_dev
        for name in try top.names(path: root.path) {
            // Metadata areas are tightened all the way down; the rest only at the top.
            let depth = StateRoot.metadataAreas.contains(name) ? 4 : 0
            try Self.tightenEntry(parent: top, name: name, path: root.path + "/" + name, depth: depth, device: device)
        }
        try Self.markTightened(top, path: root.path)
    }

    /// The file that marks a directory as a securerun state root.
    static let markerName = ".securerun-state"
    /// What a state root may hold (an older securerun's store has no marker but only these).
    static let knownEntries = StateRoot.entries

    /// Accepts a directory only if it is a securerun state root: it has the marker, or it is empty or holds
    /// nothing but a store's entries (an older store, then marked). Anything else (a mistyped
    /// `SECURERUN_ROOT`, `/home`, a predictable path someone linked to another directory) is refused
    /// before a single mode is changed in it.
    /// Returns whether the store was already fully tightened (its marker says so).
    @discardableResult
    static func recognise(_ top: DirectoryFD, path: String) throws(ImageError) -> Bool {
        var info = stat()
        if fstatat(top.fd, markerName, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG {
            return info.st_size == Int(tightenedMark.utf8.count)
        }
        let names = try top.names(path: path)
        let foreign = names.filter { !knownEntries.contains($0) }.sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(4).joined(separator: ", ") + (foreign.count > 4 ? ", …" : "")
            throw .unsafeStateRoot(
                path: path,
                reason: "it is not a securerun state root (it holds \(shown)); point SECURERUN_ROOT at a new or empty directory")
        }
        let marker = openat(top.fd, markerName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard marker >= 0 || errno == EEXIST else { throw .io(path: path + "/" + markerName, operation: "create", errno: errno) }
        if marker >= 0 { close(marker) }
        return false
    }

    /// What the marker holds once every area has been tightened.
    static let tightenedMark = "securerun state root, tightened\n"

    static func markTightened(_ top: DirectoryFD, path: String) throws(ImageError) {
        let fd = openat(top.fd, markerName, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path + "/" + markerName, operation: "open", errno: errno) }
        defer { close(fd) }
        let bytes = Array(tightenedMark.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Refuses a state root whose parent directories (as written, and after resolving symlinks) could be
    /// changed by another user: owned by someone other than root or the caller, or group/other-writable
    /// without the sticky bit (a sticky directory such as /tmp is fine: the next component's owner counts).
    static func checkAncestors(of root: URL) throws(ImageError) {
        var paths: [String] = []
        func addWithAncestors(_ directory: String) {
            var current = directory
            while !current.isEmpty {
                paths.append(current)
                if current == "/" { break }
                current = (current as NSString).deletingLastPathComponent
            }
        }
        func resolved(_ path: String) -> String? {
            guard let pointer = realpath(path, nil) else { return nil }
            defer { free(pointer) }
            return String(cString: pointer)
        }
        let lexical = root.standardizedFileURL.path
        let parent = (lexical as NSString).deletingLastPathComponent
        addWithAncestors(parent)
        // The directories that really hold the store: a symlinked state root or parent counts where it points.
        if let real = resolved(lexical) {
            addWithAncestors((real as NSString).deletingLastPathComponent)
        } else if let real = resolved(parent) {
            addWithAncestors(real)
        }
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }  // not there yet: securerun creates it 0700
            if info.st_uid != 0 && info.st_uid != geteuid() {
                throw .unsafeStateRoot(
                    path: root.path,
                    reason: "\(path) above it is owned by uid \(info.st_uid), who could replace the store; use a state root below root-owned directories")
            }
            if info.st_mode & 0o022 != 0 && info.st_mode & S_ISVTX == 0 {
                throw .unsafeStateRoot(
                    path: root.path,
                    reason:
                        "\(path) above it is writable by other users (mode \(String(info.st_mode & 0o7777, radix: 8))), who could replace the store; use a state root below directories only root can change"
                )
            }
        }
    }

    private static func tightenEntry(parent: DirectoryFD, name: String, path: String, depth: Int, device: dev_t) throws(ImageError) {
        var info = stat()
        guard fstatat(parent.fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw .io(path: path, operation: "stat", errno: errno)
        }
        let type = info.st_mode & S_IFMT
        // Symlinks are left alone (never followed); another filesystem mounted here is not ours to change.
        guard type == S_IFDIR || type == S_IFREG, info.st_dev == device else { return }
        let isDirectory = type == S_IFDIR
        let wanted = isDirectory ? FS.directoryMode : FS.fileMode
        let needsFix = info.st_mode & 0o7777 != wanted || info.st_uid != geteuid()
        guard needsFix || (isDirectory && depth > 0) else { return }
        let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (isDirectory ? O_DIRECTORY : 0)
        let fd = openat(parent.fd, name, flags)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw .io(path: path, operation: "open", errno: errno)
        }
        let opened = DirectoryFD(fd: fd)
        var current = stat()
        try FS.check(fstat(fd, &current), "stat", path)
        guard current.st_ino == info.st_ino, current.st_dev == info.st_dev else { return }  // replaced meanwhile
        try tighten(fd, current, directory: isDirectory, path: path, passable: depth == 0 && name == "containers")
        guard isDirectory, depth > 0 else { return }
        for child in try opened.names(path: path) {
            try tightenEntry(parent: opened, name: child, path: path + "/" + child, depth: depth - 1, device: device)
        }
    }

    /// With `passable`, a directory may keep o+x (0701): the state root and `containers/` are passed
    /// through (never listed) by a container's root in its user namespace, which the host treats as
    /// nobody, to reach the container's own root.
    private static func tighten(_ fd: Int32, _ info: stat, directory: Bool, path: String, passable: Bool = false) throws(ImageError) {
        // Modes only: an entry of a recognised store that someone else owns is reported, never taken over.
        if info.st_uid != geteuid() {
            throw .unsafeStateRoot(path: path, reason: "it is owned by uid \(info.st_uid), not root; check who changed the store")
        }
        let wanted = directory ? FS.directoryMode : FS.fileMode
        let mode = info.st_mode & 0o7777
        if mode != wanted && !(passable && mode == wanted | 0o001) {
            try FS.check(fchmod(fd, wanted), "chmod", path)
        }
    }
}
