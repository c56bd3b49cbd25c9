import Foundation
import HostSystem
import StrictJSON

/// Each private container's network plan, kept at `<root>/network/<id>.json` from before anything of it
/// exists until all of it is removed: the sweep finds what a killed securerun left from these files,
/// even once the container's own directory is gone.
public struct NetworkRecords: Sendable {
    /// securerun's state root.
    public let stateRoot: URL

    /// The records under `stateRoot`.
    public init(stateRoot: URL) {
        self.stateRoot = stateRoot
    }

    /// `<root>/network`.
    public var directory: URL { StateRoot(stateRoot).network }

    func file(_ id: String) -> URL { directory.appendingPathComponent("\(id).json") }

    /// Writes the plan (atomically, 0600).
    func write(_ plan: NetworkPlan) throws(RuntimeError) {
        if mkdir(directory.path, 0o700) != 0 && errno != EEXIST {
            throw .stateFailure(path: directory.path, reason: String(cString: strerror(errno)))
        }
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(plan)
        } catch {
            throw .stateFailure(path: file(plan.names.id).path, reason: "cannot encode the network plan: \(error)")
        }
        do {
            try AtomicWrite.text(String(decoding: data, as: UTF8.self), to: file(plan.names.id))
        } catch {
            throw .stateFailure(path: file(plan.names.id).path, reason: "\(error)")
        }
    }

    /// The plan of container `id`, if one is kept and readable.
    public func read(_ id: String) -> NetworkPlan? {
        guard let bytes = try? FileContents.read(file(id).path, limit: 1 << 20) else { return nil }
        return try? StrictJSONDecoder().decode(NetworkPlan.self, from: bytes)
    }

    /// The ids with a kept plan.
    public func ids() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    func remove(_ id: String) { unlink(file(id).path) }
}
