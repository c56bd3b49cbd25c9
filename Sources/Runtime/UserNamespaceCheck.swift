import Foundation
import HostSystem

/// The fail-closed check between the runtime's `create` and `start`: the container's init really is in
/// a user namespace with the allocated map, and its root really is idmapped. runc 1.1 ignores what it
/// does not understand (it drops `idmap` mount options silently), so securerun checks what the kernel
/// says rather than what the runtime was told.
public enum UserNamespaceCheck {
    /// Throws when process `pid` (the created, not yet started init) is not mapped by `mapping` alone,
    /// or when the image's top-level entries in its root (`skipping` the container's mount points) do
    /// not show the image's owners shifted into `mapping`.
    public static func verify(pid: Int32, mapping: IdMapping, sharedRootfs: URL, skipping mountPoints: Set<String>) throws(RuntimeError) {
        for file in ["uid_map", "gid_map"] {
            let path = "/proc/\(pid)/\(file)"
            guard let text = try? FileContents.text(path, limit: 64 << 10), let maps = IdMapping.parseMap(text) else {
                throw .userNamespaceFailed(action: "check the container's user namespace", reason: "cannot read \(path)")
            }
            guard maps == [mapping] else {
                let found = maps.map(\.description).joined(separator: ",")
                throw .userNamespaceFailed(
                    action: "check the container's user namespace", reason: "\(path) is \(found.isEmpty ? "empty" : found), not the allocated \(mapping)")
            }
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: sharedRootfs.path)) ?? []).filter { !mountPoints.contains($0) }.sorted()
        var checked = 0
        for name in names.prefix(16) {
            var image = stat()
            var seen = stat()
            guard lstat(sharedRootfs.appendingPathComponent(name).path, &image) == 0, image.st_uid < mapping.size,
                lstat("/proc/\(pid)/root/\(name)", &seen) == 0
            else { continue }
            guard seen.st_uid == mapping.hostID(of: image.st_uid), seen.st_gid == mapping.hostID(of: image.st_gid) ?? seen.st_gid else {
                throw .userNamespaceFailed(
                    action: "check the container's root",
                    reason: "/\(name) is owned by host uid \(seen.st_uid), not \(mapping.hostID(of: image.st_uid) ?? 0): the root is not idmapped")
            }
            checked += 1
        }
        guard checked > 0 || names.isEmpty else {
            throw .userNamespaceFailed(action: "check the container's root", reason: "none of the image's top-level entries could be compared")
        }
    }

    /// Throws when a volume idmapped for its owner does not show that owner as `idmapped[destination]`
    /// (the container's user, on the host) at its place in the created container.
    public static func verifyVolumes(pid: Int32, idmapped: [String: UInt32]) throws(RuntimeError) {
        for (destination, owner) in idmapped.sorted(by: { $0.key < $1.key }) {
            var seen = stat()
            guard stat("/proc/\(pid)/root\(destination)", &seen) == 0 else {
                throw .userNamespaceFailed(action: "check volume \(destination)", reason: String(cString: strerror(errno)))
            }
            guard seen.st_uid == owner else {
                throw .userNamespaceFailed(
                    action: "check volume \(destination)", reason: "it shows host uid \(seen.st_uid), not \(owner): the volume is not idmapped for its owner")
            }
        }
    }
}
