import CHostSystem
import Foundation
import HostSystem
import Runtime

/// The exclusive claim on a container: `<root>/containers/<id>/` with its `lock` file flock'ed for as long
/// as its owner (securerun in the foreground, or the container's monitor) lives. The kernel drops the lock
/// when the owner dies, however it dies, so a sweeper that can take the lock knows the owner is gone, and
/// one that cannot leaves the container alone.
///
/// The directory is made under a hidden name, locked and filled (owner, image, record), then renamed into
/// place without replacing anything: a sweeper never sees a container directory whose lock is not yet held.
/// A `--name` is reserved afterwards in `<root>/names/<name>` (holding the id) under `names/.lock`.
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

    /// Claims a fresh id, with `record(id)` written before the directory appears, then reserves `name`.
    static func claim(
        name: String?, stateRoot: URL, imageDigest: String, record: (String) -> ContainerRecord
    ) throws(OrchestrationError) -> ContainerClaim {
        let layout = StateLayout(root: stateRoot)
        try layout.makeDirectory(layout.containers)
        let id = ContainerPlace.randomToken()
        // The staging name says who makes it (pid and start time), so a sweeper can tell a claim whose maker
        // died before it even took the lock from one being filled right now, without waiting.
        let maker = "\(getpid())-\(ProcessStat.read(getpid())?.startTime ?? "0")"
        let staging = layout.containers.appendingPathComponent(claimPrefix + id + "-" + maker, isDirectory: true)
        guard mkdir(staging.path, 0o700) == 0 else {
            throw .stateFailure(path: staging.path, reason: String(cString: strerror(errno)))
        }
        let lock: FileLock
        do {
            lock = try FileLock.acquire(staging.appendingPathComponent(lockName).path)
            // The claim's rename makes these visible at once: no need to write each atomically or durably.
            try AtomicFile.write(
                Array("\(getpid()) \(ProcessStat.read(getpid())?.startTime ?? "0")\n".utf8), to: staging.appendingPathComponent("owner").path, durable: false)
            try AtomicFile.write(Array((imageDigest + "\n").utf8), to: staging.appendingPathComponent("image").path, durable: false)
            try RecordFile(directory: staging).write(record(id))
        } catch {
            _ = try? SafeRemoval.remove(staging.path)
            throw .stateFailure(path: staging.path, reason: "\(error)")
        }
        let directory = layout.containers.appendingPathComponent(id, isDirectory: true)
        if sr_rename_noreplace(AT_FDCWD, staging.path, AT_FDCWD, directory.path) != 0 {
            let reason = String(cString: strerror(errno))
            _ = try? SafeRemoval.remove(staging.path)
            throw .stateFailure(path: directory.path, reason: reason)
        }
        let claim = ContainerClaim(place: ContainerPlace(id: id, directory: directory, stateRoot: stateRoot), lock: lock)
        if let name {
            do {
                try layout.reserve(name: name, id: id)
            } catch {
                _ = try? SafeRemoval.remove(directory.path)
                throw error
            }
        }
        return claim
    }

    /// Takes over the claim of a container whose owner is gone; nil while its owner (or another sweeper) holds it.
    static func takeOver(_ directory: URL, stateRoot: URL) -> ContainerClaim? {
        guard let lock = try? FileLock.tryAcquire(directory.appendingPathComponent(lockName).path, create: false) else { return nil }
        return ContainerClaim(place: ContainerPlace(id: directory.lastPathComponent, directory: directory, stateRoot: stateRoot), lock: lock)
    }

    /// The lock's descriptor, for handing the claim to a monitor process.
    var lockDescriptor: Int32 { lock.fd }
}

/// Where things live under a state root.
struct StateLayout {
    let root: URL

    var containers: URL { StateRoot(root).containers }
    var names: URL { StateRoot(root).names }

    func directory(of id: String) -> URL { StateRoot(root).container(id) }

    func runtimeState(_ kind: OCIRuntime.Kind) -> URL { StateRoot(root).runtimeState(kind.rawValue) }

    func makeDirectory(_ url: URL) throws(OrchestrationError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .stateFailure(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The id `name` is reserved for, if any.
    func id(named name: String) -> String? {
        guard let text = try? FileContents.text(names.appendingPathComponent(name).path, limit: 4096) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Reserves `name` for `id`. A reservation whose container directory is gone is stale and taken over
    /// (a container's directory always exists before its name does, so that is never a claim in progress).
    func reserve(name: String, id: String) throws(OrchestrationError) {
        try makeDirectory(names)
        let lock: FileLock
        do {
            lock = try FileLock.acquire(names.appendingPathComponent(".lock").path)
        } catch {
            throw .stateFailure(path: names.path, reason: "\(error)")
        }
        try withExtendedLifetime(lock) { () throws(OrchestrationError) in
            let file = names.appendingPathComponent(name).path
            if let existing = self.id(named: name) {
                guard !FileManager.default.fileExists(atPath: directory(of: existing).path) else { throw .nameInUse(name) }
                unlink(file)
            }
            do {
                try AtomicFile.write(Array((id + "\n").utf8), to: file)
            } catch {
                throw .stateFailure(path: file, reason: "\(error)")
            }
        }
    }

    /// Releases `name` if it is still reserved for `id`.
    func release(name: String, id: String) {
        guard let lock = try? FileLock.acquire(names.appendingPathComponent(".lock").path) else { return }
        withExtendedLifetime(lock) {
            if self.id(named: name) == id { unlink(names.appendingPathComponent(name).path) }
        }
    }
}
