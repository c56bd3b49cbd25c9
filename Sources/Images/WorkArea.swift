import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// An flock(2) on a lock file, released (and the file unlinked) when done or when the process dies.
///
/// The kernel drops an flock when its holder dies, SIGKILL included, so a lock that can be taken without
/// waiting proves that whoever held it is gone. A lock file is unlinked by whoever holds it last; a
/// process that locked a file just as it was unlinked notices (the path no longer names its inode) and
/// retries, so two processes never both believe they hold the same path.
final class LockFile {
    let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Locks `path`, creating it (0600) when `create`. Returns nil when `wait` is false and another
    /// process holds it, or when the file does not exist and `create` is false.
    static func acquire(_ path: String, exclusive: Bool = true, wait: Bool, create: Bool) throws(ImageError) -> LockFile? {
        while true {
            let flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
            let fd = open(path, flags, FS.fileMode)
            if fd < 0 {
                if errno == EINTR { continue }
                if errno == ENOENT && !create { return nil }
                throw .io(path: path, operation: "open lock", errno: errno)
            }
            let operation = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB)
            var locked = flock(fd, operation)
            while locked != 0 && errno == EINTR { locked = flock(fd, operation) }
            if locked != 0 {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK { return nil }
                throw .io(path: path, operation: "lock", errno: code)
            }
            // The holder before us may have unlinked the file after we opened it: then our lock is on an
            // inode nobody else will ever open, and the path (if any) is a new lock.
            var held = stat()
            var named = stat()
            if fstat(fd, &held) == 0 && lstat(path, &named) == 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino {
                return LockFile(path: path, fd: fd)
            }
            close(fd)
            if !create { return nil }
        }
    }

    /// Unlinks the lock file while still holding it (only if the path still names this lock's file: a
    /// process that locked our unlinked inode may already have made a new one there), then releases it.
    func releaseAndUnlink() {
        guard fd >= 0 else { return }
        var held = stat()
        var named = stat()
        if fstat(fd, &held) == 0 && lstat(path, &named) == 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino {
            unlink(path)
        }
        close(fd)
        fd = -1
    }

    /// Releases the lock and leaves the file.
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }
}

/// The private area of one import, pull or removal: `<root>/tmp/<id>/` and the lock `<root>/tmp/<id>.lock`,
/// held for the operation's whole life.
///
/// Everything the operation creates outside its directory while it runs (an unpacking rootfs, the
/// temporary file of an atomic write) is named `.tmp-<id>-…`, so `ImageStore.sweep()` can tell the
/// leftovers of a dead operation (its lock can be taken) from the work of a live one (it cannot).
/// The lock file is created and locked before the directory exists and unlinked after it is gone.
package final class WorkArea {
    /// `<kind>-<random>`, e.g. `import-k3j9x0a1b2c3`.
    package let id: String
    /// `<root>/tmp/<id>/`.
    package let directory: URL
    private let lock: LockFile
    private var outside: [URL] = []
    private var closed = false

    /// Creates and locks a new work area of `kind` (`import`, `pull`, `rm`, `check`, `sweep`) under `root/tmp`.
    package init(root: URL, kind: String) throws(ImageError) {
        let tmp = StateRoot(root).tmp
        try FS.makeDirectories(tmp)
        let id = "\(kind)-\(FS.randomSuffix())"
        guard let lock = try LockFile.acquire(tmp.appendingPathComponent(id + ".lock").path, wait: true, create: true) else {
            throw .io(path: tmp.appendingPathComponent(id + ".lock").path, operation: "lock", errno: EAGAIN)
        }
        self.id = id
        self.lock = lock
        directory = tmp.appendingPathComponent(id, isDirectory: true)
        try FS.check(mkdir(directory.path, FS.directoryMode), "create", directory.path)
    }

    deinit { close() }

    /// A name for a temporary entry outside the work directory (`.tmp-<id>-<label>`).
    package func temporaryName(_ label: String) -> String { ".tmp-\(id)-\(label)" }

    /// `directory/temporaryName(label)`, remembered so `close()` removes it if it is still there.
    package func temporary(in directory: URL, _ label: String) -> URL {
        let url = directory.appendingPathComponent(temporaryName(label))
        outside.append(url)
        return url
    }

    /// Removes the work directory and every remembered temporary entry, then unlinks and releases the lock.
    package func close() {
        guard !closed else { return }
        closed = true
        for url in outside.reversed() where FS.exists(url) { FS.removeTree(url) }
        FS.removeTree(directory)
        lock.releaseAndUnlink()
    }

    /// The owner id of a `.tmp-<kind>-<random>-…` name (or of a `tmp/` entry), nil when it has none.
    package static func owner(ofTemporary name: String) -> String? {
        guard name.hasPrefix(".tmp-") else { return nil }
        let parts = name.dropFirst(5).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return String(name.dropFirst(5)) }
        return "\(parts[0])-\(parts[1])"
    }
}
