import Foundation
import HostSystem
import Policy

#if canImport(Glibc)
    import Glibc
#endif

/// The host mounts one container needs, all beneath its state directory `<root>/containers/<id>`
/// (root-owned, mode 0700, so nobody else can swap anything in them):
///
/// - `volumes/<index>`: each volume's source, pinned (see ``PinnedPath``) and bind-mounted here, so
///   the runtime mounts a path only securerun controls;
/// - `rootfs`: an overlay whose lower layer is the shared image rootfs and whose upper layer
///   (`upper`, `work`, or on a tmpfs at `layer` when the state filesystem cannot be an upper layer)
///   belongs to this container, so the mount points the runtime creates never land in the shared rootfs.
///
/// ``release(_:)`` unmounts all of it; nothing may be removed recursively before it has.
public struct ContainerMounts {
    /// Where an overlay's upper layer lives.
    enum UpperLayer: CaseIterable {
        /// `upper` and `work` in the container's state directory.
        case stateDirectory
        /// `layer/upper` and `layer/work` on a small tmpfs mounted at `layer`.
        case tmpfs
    }

    /// `<root>/containers/<id>`.
    let directory: URL

    /// The container's own root: the overlay's mount point.
    var rootfs: URL { directory.appendingPathComponent("rootfs", isDirectory: true) }

    /// Where volume `index` is staged.
    func staging(_ index: Int) -> URL {
        directory.appendingPathComponent("volumes/\(index)")
    }

    /// Pins and stages every volume; returns the staging path of each, by index in `volumes`. With
    /// `owners` (a container in a user namespace), a writable volume whose host owner is not root is
    /// idmapped for that owner alone (see ``VolumeOwnerMap``).
    func stageVolumes(_ volumes: [BindMount], owners: VolumeOwnerMap? = nil, idmapped: inout [String: UInt32]) throws(RuntimeError) -> [Int: String] {
        guard !volumes.isEmpty else { return [:] }
        try Self.makeDirectory(directory.appendingPathComponent("volumes").path)
        var sources: [Int: String] = [:]
        for (index, volume) in volumes.enumerated() {
            let pinned = try PinnedPath.open(volume.source, volume: "\(volume.source):\(volume.destination)")
            let target = staging(index).path
            if pinned.isDirectory {
                try Self.makeDirectory(target)
            } else {
                // Any non-directory can be mounted over an empty regular file.
                let fd = Glibc.open(target, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw .stateFailure(path: target, reason: String(cString: strerror(errno))) }
                close(fd)
            }
            var info = stat()
            if let owners, !volume.readOnly, fstat(pinned.fd, &info) == 0, let maps = owners.maps(ownerUID: info.st_uid, ownerGID: info.st_gid) {
                // Files the container makes land as the directory's owner; everyone else's show as nobody.
                do {
                    let namespace = try IdmappedMounts.userNamespace(uids: [maps.uid], gids: [maps.gid])
                    let tree = try IdmappedMounts.detachedTree("/proc/self/fd/\(pinned.fd)", userNamespace: namespace, readOnly: false)
                    try IdmappedMounts.attach(tree, at: target)
                    idmapped[volume.destination] = owners.visibleOwner
                } catch {
                    throw .userNamespaceFailed(action: "idmap volume \(volume.source) for its owner", reason: error.description)
                }
            } else {
                try MountCalls.bind(fd: pinned.fd, onto: target)
            }
            try MountCalls.harden(target, readOnly: volume.readOnly)
            sources[index] = target
        }
        return sources
    }

    /// Mounts the container's root over `shared` (the image's unpacked rootfs, never written) and
    /// returns it. Tries each upper layer in `uppers` in turn; refuses when none works.
    ///
    /// With `idMapping`, the lower layer is an idmapped, detached copy of `shared` (the image's owners
    /// appear as the container's ids; see ``IdmappedMounts``), which no mount table ever shows.
    func mountRoot(over shared: URL, idMapping: IdMapping? = nil, uppers: [UpperLayer] = UpperLayer.allCases) throws(RuntimeError) -> URL {
        let lower = shared.standardizedFileURL.path
        // Overlay options are split at ',' and lowerdir at ':'; escaping them is not worth the risk.
        let paths = [lower, directory.path]
        if let bad = paths.first(where: { $0.contains(",") || $0.contains(":") || $0.contains("\\") }) {
            throw .rootfsUnavailable(rootfs: lower, reason: "the path \(bad) contains ',', ':' or '\\', which overlay options cannot carry")
        }
        try Self.makeDirectory(rootfs.path)
        var idmapped: OwnedDescriptor?
        if let idMapping {
            do {
                let namespace = try IdmappedMounts.userNamespace(uids: [idMapping], gids: [idMapping])
                idmapped = try IdmappedMounts.detachedTree(lower, userNamespace: namespace, readOnly: true)
            } catch {
                throw .rootfsUnavailable(rootfs: lower, reason: "cannot idmap it for the container's user namespace: \(error.description)")
            }
        }
        var failures: [String] = []
        for upper in uppers {
            do {
                try mountOverlay(lower: lower, upper: upper, idmapped: idmapped.map { ($0, idMapping ?? IdMapping(containerID: 0, hostID: 0, size: 0)) })
                return rootfs
            } catch {
                failures.append("\(upper == .tmpfs ? "with a tmpfs upper layer" : "with an upper layer in \(directory.path)"): \(error.description)")
            }
        }
        throw .rootfsUnavailable(rootfs: lower, reason: failures.isEmpty ? "no upper layer to try" : failures.joined(separator: "; "))
    }

    /// Mounts the overlay; `idmapped` is the detached, idmapped lower layer and its mapping, if any.
    func mountOverlay(lower: String, upper: UpperLayer, idmapped: (tree: OwnedDescriptor, mapping: IdMapping)? = nil) throws(RuntimeError) {
        var layer = directory
        if upper == .tmpfs {
            layer = directory.appendingPathComponent("layer", isDirectory: true)
            try Self.makeDirectory(layer.path)
            // Only the runtime's mount points are written there.
            try MountCalls.tmpfs(onto: layer.path, size: "4m")
        }
        let upperPath = layer.appendingPathComponent("upper").path
        let workPath = layer.appendingPathComponent("work").path
        try Self.makeDirectory(upperPath)
        try Self.makeDirectory(workPath)
        // The merged root takes the upper directory's owner and mode: give it the image root's.
        var info = stat()
        guard stat(lower, &info) == 0 else {
            throw .stateFailure(path: upperPath, reason: "cannot read the owner and mode of \(lower): \(String(cString: strerror(errno)))")
        }
        // Through a user namespace the owner is the image root's owner as the container sees it.
        let owner = idmapped.map { ($0.mapping.hostID(of: info.st_uid) ?? $0.mapping.hostID, $0.mapping.hostID(of: info.st_gid) ?? $0.mapping.hostID) }
        guard chown(upperPath, owner?.0 ?? info.st_uid, owner?.1 ?? info.st_gid) == 0, chmod(upperPath, info.st_mode & 0o7777) == 0 else {
            throw .stateFailure(path: upperPath, reason: "cannot take the owner and mode of \(lower): \(String(cString: strerror(errno)))")
        }
        if let idmapped {
            do {
                try IdmappedMounts.overlay(lower: idmapped.tree, upper: upperPath, work: workPath, onto: rootfs.path)
            } catch {
                throw .mountFailed(path: rootfs.path, reason: "overlay on an idmapped lower layer: \(error.description)")
            }
            try MountCalls.makePrivate(rootfs.path)
            return
        }
        // redirect_dir=nofollow, metacopy=off: never follow overlay xattrs an image may carry in its files.
        let options = "lowerdir=\(lower),upperdir=\(upperPath),workdir=\(workPath),redirect_dir=nofollow,metacopy=off"
        try MountCalls.overlay(options, onto: rootfs.path)
    }

    /// Unmounts everything mounted at or beneath `directory` (last mounted first) and returns the mount
    /// points still there. The table is read to its end; when it cannot be read at all this throws, so the
    /// caller keeps the directory (a removal that trusted an empty table is how host files were lost).
    static func release(_ directory: URL, mountinfo: String = "/proc/self/mountinfo") throws(RuntimeError) -> [String] {
        let base = canonicalPath(directory)
        do {
            let listed = try MountTable.mountPoints(under: base, mountinfo: mountinfo)
            // Nothing listed, nothing detached: the table need not be read again to say so.
            guard !listed.isEmpty else { return [] }
            for mountPoint in listed.reversed() {
                MountCalls.detach(mountPoint)
            }
            return try MountTable.mountPoints(under: base, mountinfo: mountinfo)
        } catch {
            throw .stateFailure(path: mountinfo, reason: "cannot read the mount table, so nothing under \(directory.path) is removed: \(error.reason)")
        }
    }

    /// Unmounts everything beneath `directory`, then removes it with ``SafeRemoval`` (which refuses to
    /// cross any mount that is still there, whatever the table said).
    public static func releaseAndRemove(_ directory: URL, mountinfo: String = "/proc/self/mountinfo") throws(RuntimeError) {
        let remaining = try release(directory, mountinfo: mountinfo)
        guard remaining.isEmpty else { throw .mountsRemain(directory: directory.path, mountPoints: remaining) }
        do {
            try SafeRemoval.remove(directory.path)
        } catch {
            throw .removalFailed(error)
        }
    }

    /// The path as mountinfo writes it: symlinks resolved.
    static func canonicalPath(_ url: URL) -> String {
        guard let resolved = realpath(url.path, nil) else { return url.standardizedFileURL.path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func makeDirectory(_ path: String) throws(RuntimeError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .stateFailure(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
