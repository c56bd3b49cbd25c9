import CHostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One line of a user namespace's uid or gid map: `size` ids from `containerID` inside are `hostID…` outside.
public struct IdMapping: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The first id inside the namespace.
    public var containerID: UInt32
    /// The host id it is.
    public var hostID: UInt32
    /// How many ids in a row.
    public var size: UInt32

    /// A mapping.
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }

    /// The line /proc/PID/uid_map takes (and, with other spacing, shows).
    public var mapLine: String { "\(containerID) \(hostID) \(size)\n" }

    /// The host id of container id `id`, or nil when the mapping does not cover it.
    public func hostID(of id: UInt32) -> UInt32? {
        id >= containerID && UInt64(id) < UInt64(containerID) + UInt64(size) ? hostID + (id - containerID) : nil
    }

    /// The container id of host id `id`, or nil when the mapping does not cover it.
    public func containerID(of id: UInt32) -> UInt32? {
        id >= hostID && UInt64(id) < UInt64(hostID) + UInt64(size) ? containerID + (id - hostID) : nil
    }

    public var description: String { "\(containerID):\(hostID):\(size)" }

    /// Parses a /proc/PID/uid_map or gid_map (three numbers a line, any spacing).
    public static func parseMap(_ text: String) -> [IdMapping]? {
        var result: [IdMapping] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 3, let inside = UInt32(fields[0]), let host = UInt32(fields[1]), let size = UInt32(fields[2]) else { return nil }
            result.append(IdMapping(containerID: inside, hostID: host, size: size))
        }
        return result
    }
}

/// A descriptor this value owns and closes when it goes (a user namespace, a detached mount).
public final class OwnedDescriptor: Sendable {
    /// The descriptor.
    public let fd: Int32

    init(_ fd: Int32) { self.fd = fd }

    deinit { close(fd) }
}

/// Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP) made by securerun itself: runc 1.1 drops the
/// `idmap` mount option silently, so a container would see its image's files as owned by `nobody`.
public enum IdmappedMounts {
    /// A user namespace with these maps (a short-lived helper child makes it; see the shim), held by the
    /// returned descriptor.
    public static func userNamespace(uids: [IdMapping], gids: [IdMapping]) throws(SystemError) -> OwnedDescriptor {
        let fd = sr_user_namespace_fd(uids.map(\.mapLine).joined(), gids.map(\.mapLine).joined())
        guard fd >= 0 else { throw .last("user namespace", path: uids.map(\.description).joined(separator: ",")) }
        return OwnedDescriptor(fd)
    }

    /// A detached, idmapped copy of the mount tree at `path` (nosuid, nodev, read-only when `readOnly`).
    /// It shows in no mount table until attached.
    public static func detachedTree(_ path: String, userNamespace: OwnedDescriptor, readOnly: Bool) throws(SystemError) -> OwnedDescriptor {
        let fd = sr_open_idmapped_tree(path, userNamespace.fd, readOnly ? 1 : 0)
        guard fd >= 0 else { throw .last("open_tree+mount_setattr(MOUNT_ATTR_IDMAP)", path: path) }
        return OwnedDescriptor(fd)
    }

    /// Mounts at `target` an overlay whose lower layer is the detached mount `lower` (never attached
    /// itself) and whose upper and work directories are `upper` and `work`.
    public static func overlay(lower: OwnedDescriptor, upper: String, work: String, onto target: String) throws(SystemError) {
        var stage: Int32 = 0
        guard sr_mount_overlay_on_fd(lower.fd, upper, work, target, &stage) == 0 else {
            let call = ["fsopen overlay", "fsconfig lowerdir+ (by descriptor, Linux 6.13+)", "fsmount overlay", "move_mount"][max(0, min(3, Int(stage) - 1))]
            throw .last(call, path: target)
        }
    }

    /// Attaches the detached mount `mount` at `target`.
    public static func attach(_ mount: OwnedDescriptor, at target: String) throws(SystemError) {
        guard sr_move_mount(mount.fd, target) == 0 else { throw .last("move_mount", path: target) }
    }
}
