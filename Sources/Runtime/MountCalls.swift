import CHostSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The mount(2) and umount2(2) calls securerun makes on the host, each throwing the failing call and
/// errno. Every mount is made private at once, so nothing mounted or unmounted beneath it later
/// propagates to or from the host's mounts (mount_namespaces(7), "shared subtrees").
enum MountCalls {
    /// Binds what the descriptor `fd` names (and the mounts beneath it) onto `target`. The descriptor
    /// comes from an O_PATH open, so the kernel mounts that inode, never a path looked up again.
    static func bind(fd: Int32, onto target: String) throws(RuntimeError) {
        try call("mount --rbind", target) { mount("/proc/self/fd/\(fd)", target, nil, UInt(MS_BIND | MS_REC), nil) }
        try makePrivate(target)
    }

    /// Makes the mount at `target` and every mount beneath it nosuid and nodev, and read-only when
    /// `readOnly` (mount_setattr with AT_RECURSIVE). Done on a volume's staging mount, so every backend's
    /// bind of it inherits the flags, nested mounts included, whether or not the backend can ask for them.
    static func harden(_ target: String, readOnly: Bool) throws(RuntimeError) {
        try call("mount_setattr", target) { sr_harden_mount_tree(target, readOnly ? 1 : 0) }
    }

    /// Mounts an overlay at `target` with the given `lowerdir=…,upperdir=…,workdir=…` options.
    static func overlay(_ options: String, onto target: String) throws(RuntimeError) {
        try call("mount -t overlay", target) { mount("overlay", target, "overlay", 0, options) }
        try makePrivate(target)
    }

    /// Mounts a small tmpfs (nosuid, nodev, noexec, mode 0700) at `target`.
    static func tmpfs(onto target: String, size: String) throws(RuntimeError) {
        try call("mount -t tmpfs", target) {
            mount("tmpfs", target, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "size=\(size),mode=700")
        }
        try makePrivate(target)
    }

    /// Makes the mount at `target`, and every mount beneath it, private.
    static func makePrivate(_ target: String) throws(RuntimeError) {
        try call("mount --make-rprivate", target) { mount(nil, target, nil, UInt(MS_PRIVATE | MS_REC), nil) }
    }

    /// Detaches the mount at `target` (lazily, so a busy mount still leaves the namespace at once).
    /// Returns errno on failure (EINVAL when `target` is not a mount point).
    @discardableResult
    static func detach(_ target: String) -> Int32 {
        umount2(target, Int32(MNT_DETACH)) == 0 ? 0 : errno
    }

    static func call(_ what: String, _ target: String, _ body: () -> Int32) throws(RuntimeError) {
        guard body() == 0 else {
            throw .mountFailed(path: target, reason: "\(what): \(String(cString: strerror(errno)))")
        }
    }
}
