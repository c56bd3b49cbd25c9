import CSystem
import Foundation
import HostSystem

/// The exclusive claim on a container id: `<root>/containers/<id>/` with its `lock` file flock'ed for as
/// long as the claimer lives. The kernel drops the lock when the claimer dies, however it dies, so a
/// sweeper that can take the lock knows the container is abandoned, and one that cannot leaves it alone.
///
/// The directory is made under a hidden name, locked and filled, then renamed into place without
/// replacing anything: a sweeper never sees a container directory whose lock is not yet held, and two
/// runs with the same `--name` cannot both win.
final class ContainerClaim: @unchecked Sendable {
    /// Where the container lives.
    let place: ContainerPlace
    private let lock: FileLock

    /// The lock file inside a container's directory.
    static let lockName = "lock"
    /// Prefix of directories still being claimed.
    static let claimPrefix = ".claim-"

    private init(place: ContainerPlace, lock: FileLock) {
        self.place = place
        self.lock = lock
    }

    /// `<root>/containers`.
    static func containersDirectory(stateRoot: URL) -> URL {
        stateRoot.appendingPathComponent("containers", isDirectory: true)
    }

    /// Claims `id`, recording the owner (`PID STARTTIME`) and the image digest it runs (so the image store
    /// refuses to remove that image meanwhile).
    static func claim(id: String, stateRoot: URL, imageDigest: String) throws(RuntimeError) -> ContainerClaim {
        let containers = containersDirectory(stateRoot: stateRoot)
        do {
            try FileManager.default.createDirectory(at: containers, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFailure(path: containers.path, reason: error.localizedDescription)
        }
        let staging = containers.appendingPathComponent(claimPrefix + ContainerLauncher.newID(), isDirectory: true)
        guard mkdir(staging.path, 0o700) == 0 else {
            throw .stateFailure(path: staging.path, reason: String(cString: strerror(errno)))
        }
        let lock: FileLock
        do {
            lock = try FileLock.acquire(staging.appendingPathComponent(lockName).path)
            try write("\(getpid()) \(ProcessStat.read(getpid())?.startTime ?? "0")\n", to: staging.appendingPathComponent("owner"))
            try write(imageDigest + "\n", to: staging.appendingPathComponent("image"))
        } catch {
            _ = try? SafeRemoval.remove(staging.path)
            throw .stateFailure(path: staging.path, reason: "\(error)")
        }
        let directory = containers.appendingPathComponent(id, isDirectory: true)
        if sr_rename_noreplace(AT_FDCWD, staging.path, AT_FDCWD, directory.path) != 0 {
            let code = errno
            _ = try? SafeRemoval.remove(staging.path)
            if code == EEXIST || code == ENOTEMPTY { throw .nameInUse(id) }
            throw .stateFailure(path: directory.path, reason: String(cString: strerror(code)))
        }
        return ContainerClaim(place: ContainerPlace(id: id, directory: directory, stateRoot: stateRoot), lock: lock)
    }

    /// Takes over the claim of a container whose owner is gone; nil while its owner (or another sweeper) holds it.
    static func takeOver(_ directory: URL, stateRoot: URL) -> ContainerClaim? {
        guard let lock = try? FileLock.tryAcquire(directory.appendingPathComponent(lockName).path, create: false) else { return nil }
        return ContainerClaim(place: ContainerPlace(id: directory.lastPathComponent, directory: directory, stateRoot: stateRoot), lock: lock)
    }

    static func write(_ text: String, to url: URL) throws(SystemError) {
        let fd = try retryingOnInterrupt("open", path: url.path) { open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .last("write", path: url.path)
            }
            offset += written
        }
    }
}
