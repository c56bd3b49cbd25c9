import Foundation
import HostSystem
import Runtime

/// One container as the commands see it: its record and what the host says right now.
public struct ContainerView: Sendable {
    /// The record (nil when it cannot be read: then `problem` says why).
    public var record: ContainerRecord?
    /// The id (the directory's name).
    public var id: String
    /// Its directory.
    public var directory: URL
    /// Whether its owner (securerun or its monitor) is alive: the lock is held.
    public var owned: Bool
    /// Why the record is unreadable.
    public var problem: String?

    /// `running`, `exited`, `created`, or `broken`.
    public var status: String {
        guard let record else { return "broken" }
        return record.status.rawValue
    }

    /// Whether it runs.
    public var isRunning: Bool { record?.status == .running }
}

/// Finding and listing the containers of a state root.
public struct Containers: Sendable {
    /// The state root.
    public let stateRoot: URL

    /// Containers under `stateRoot`.
    public init(stateRoot: URL) {
        self.stateRoot = stateRoot
    }

    var layout: StateLayout { StateLayout(root: stateRoot) }

    /// Every container (not claims in progress), newest first.
    public func list() -> [ContainerView] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.containers.path)) ?? []
        let views = names.filter { !$0.hasPrefix(".") }.map { view(id: $0) }
        return views.sorted { ($0.record?.created ?? "", $0.id) > ($1.record?.created ?? "", $1.id) }
    }

    /// The container `id`.
    func view(id: String) -> ContainerView {
        let directory = layout.directory(of: id)
        let owned = Self.isOwned(directory)
        do {
            var record = try RecordFile(directory: directory).read()
            if let found = record, found.status != .running, runsBehindItsRecord(found) {
                record?.status = .running
            }
            return ContainerView(record: record, id: id, directory: directory, owned: owned, problem: nil)
        } catch {
            return ContainerView(record: nil, id: id, directory: directory, owned: owned, problem: error.description)
        }
    }

    /// Whether the engine runs a container its record does not call running: the Docker Engine keeps a
    /// created or stopped container, and `docker start` (checked by the drop-in, or the real docker
    /// unchecked) starts it behind securerun's back. So for those the engine, not the record, says whether
    /// it runs, and `ps`, `audit`, `stop` and `exec` see it. runc's containers are not asked: nothing but
    /// their owner starts them, and a `runc state` for every ended container would cost a process each.
    func runsBehindItsRecord(_ record: ContainerRecord) -> Bool {
        guard let backend = Backends.named(record.runtime, stateRoot: stateRoot) as? any KeepsStoppedContainers else { return false }
        let state = try? backend.state(id: record.id)
        return state == .running || state == .paused
    }

    /// Whether someone holds the container's lock (its owner is alive).
    static func isOwned(_ directory: URL) -> Bool {
        switch Result(catching: { () throws(SystemError) -> FileLock? in
            try FileLock.tryAcquire(directory.appendingPathComponent(ContainerClaim.lockName).path, create: false)
        }) {
        case .success(let lock): return lock == nil
        case .failure: return false
        }
    }

    /// The container a user means by `reference`: a name, a full id, or an unambiguous id prefix.
    public func find(_ reference: String) throws(OrchestrationError) -> ContainerView {
        guard !reference.isEmpty, !reference.contains("/"), !reference.hasPrefix(".") else { throw .noSuchContainer(reference) }
        // An exact id wins over a name, so no --name can shadow another container's id.
        if FileManager.default.fileExists(atPath: layout.directory(of: reference).path) { return view(id: reference) }
        if let id = layout.id(named: reference), FileManager.default.fileExists(atPath: layout.directory(of: id).path) {
            return view(id: id)
        }
        let isHex = reference.allSatisfy { $0.isHexDigit && !$0.isUppercase }
        if isHex, reference.count >= 4 {
            let ids = ((try? FileManager.default.contentsOfDirectory(atPath: layout.containers.path)) ?? []).filter { $0.hasPrefix(reference) }
            if ids.count == 1, let id = ids.first { return view(id: id) }
            if ids.count > 1 { throw .ambiguous(reference, matches: ids.map { String($0.prefix(12)) }) }
        }
        throw .noSuchContainer(reference)
    }

    /// The backend a container runs on.
    func backend(_ record: ContainerRecord) throws(OrchestrationError) -> any ContainerBackend {
        guard let backend = Backends.named(record.runtime, stateRoot: stateRoot) else {
            throw .stateFailure(path: record.runtime, reason: "runtime \(record.runtime) is not available on this host")
        }
        return backend
    }
}
