import HostSystem
import Policy

/// How a writable volume is shown to a container in a user namespace: its directory's host owner as the
/// container's own user (and its group as the container's group), one id each, so files the container
/// makes there belong to that owner on the host and nothing else is the container's. An owner of host id 0
/// is never mapped: the container would get root's rights over the files there; such a volume stays a
/// plain bind, where root's files are nobody's to the container.
public struct VolumeOwnerMap: Sendable, Equatable {
    /// The container's id block.
    public var mapping: IdMapping
    /// The container's user and group (inside).
    public var user: UserID

    /// The map for a container of `mapping` running as `user`.
    public init(mapping: IdMapping, user: UserID) {
        self.mapping = mapping
        self.user = user
    }

    /// The mount's uid and gid maps for a volume owned by `ownerUID`:`ownerGID` on the host (inside: the
    /// owner as on disk; outside: the host id the container's user is), or nil when it is not idmapped.
    public func maps(ownerUID: UInt32, ownerGID: UInt32) -> (uid: IdMapping, gid: IdMapping)? {
        guard ownerUID != 0, let uid = mapping.hostID(of: user.uid), let gid = mapping.hostID(of: user.gid) else { return nil }
        // A root group is not handed over either: a map needs a line, so it names a gid no file has
        // (4294967294, the old nfsnobody), and the container's group owns nothing there.
        let group = IdMapping(containerID: ownerGID == 0 ? Self.unusedGID : ownerGID, hostID: gid, size: 1)
        return (IdMapping(containerID: ownerUID, hostID: uid, size: 1), group)
    }

    /// An id on disk that stands for no one.
    static let unusedGID: UInt32 = 4_294_967_294

    /// The host id a file the container makes on the volume gets, as the kernel shows it through the mount
    /// (the container's user in its block), to check the mount after the runtime made the container.
    public var visibleOwner: UInt32? { mapping.hostID(of: user.uid) }
}
