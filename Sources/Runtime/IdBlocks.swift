import Foundation
import HostSystem

/// Hands each container a block of 65536 host ids from securerun's range (as the kubelet does: aligned,
/// one block per pod), host-wide: containers of every state root share the one range, so the lease
/// table lives in /run/securerun with the network lock, and it is gone at reboot like the containers.
///
/// A lease is two files: `/run/securerun/idblocks/<index>` naming the container's directory, and
/// `<container directory>/idmap` naming the index. A lease counts only while both agree, so what a killed
/// securerun left is free again as soon as the sweep removes the container's directory (or its `idmap`).
public enum IdBlocks {
    /// Ids per container: uids and gids 0…65535 inside.
    public static let blockSize: UInt32 = 65536
    /// The file in a container's directory naming its block.
    public static let leaseName = "idmap"

    /// Where the host-wide leases live.
    public struct Place: Sendable {
        /// The directory of the lock and the leases.
        public var directory = "/run/securerun"
        /// The host's subuid, subgid, passwd and group files.
        public var files = SubordinateIds.Files()

        var lock: String { directory + "/idblocks.lock" }
        var leases: String { directory + "/idblocks" }

        /// The host's own.
        public init() {}
    }

    /// One container's block.
    public struct Lease: Sendable, Equatable {
        /// The block's index in securerun's range.
        public var index: Int
        /// The mapping: container ids 0…65535 onto the block.
        public var mapping: IdMapping
    }

    /// Takes the lock (waits for another start or tear-down to finish with the table).
    static func lock(_ place: Place) throws(RuntimeError) -> FileLock {
        for directory in [place.directory, place.leases] where mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .userNamespaceFailed(action: "lock the id blocks", reason: "cannot make \(directory): \(String(cString: strerror(errno)))")
        }
        do {
            return try FileLock.acquire(place.lock)
        } catch {
            throw .userNamespaceFailed(action: "lock the id blocks", reason: "\(error)")
        }
    }

    /// The lease recorded in a container's directory, if any.
    public static func lease(of container: URL) -> Lease? {
        guard let text = try? FileContents.text(container.appendingPathComponent(leaseName).path, limit: 256) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let index = Int(fields[0]), let host = UInt32(fields[1]), let size = UInt32(fields[2]), size == blockSize else {
            return nil
        }
        return Lease(index: index, mapping: IdMapping(containerID: 0, hostID: host, size: size))
    }

    /// Whether lease `index` is held: its file names a container directory whose own lease names it back.
    static func held(_ index: Int, _ place: Place) -> Bool {
        guard let owner = try? FileContents.text("\(place.leases)/\(index)", limit: 4096) else { return false }
        let directory = URL(fileURLWithPath: owner.trimmingCharacters(in: .newlines), isDirectory: true)
        return lease(of: directory)?.index == index
    }

    /// Leases the lowest free block of securerun's range (set up in /etc/subuid and /etc/subgid on first
    /// use) to the container in `container`, and records it there.
    public static func allocate(for container: URL, _ place: Place = Place()) throws(RuntimeError) -> Lease {
        let lock = try lock(place)
        return try withExtendedLifetime(lock) { () throws(RuntimeError) -> Lease in
            let range = try SubordinateIds.ensure(place.files)
            guard let index = (0..<range.blocks).first(where: { !held($0, place) }) else {
                throw .userNamespaceFailed(
                    action: "allocate an id block", reason: "all \(range.blocks) blocks of securerun's range are in use; stop a container or widen the range")
            }
            let lease = Lease(index: index, mapping: IdMapping(containerID: 0, hostID: range.start + UInt32(index) * blockSize, size: blockSize))
            // The table's entry first: a start killed between the two writes leaves an entry nothing names back.
            do {
                try AtomicFile.write(Array((container.path + "\n").utf8), to: "\(place.leases)/\(index)", durable: false)
                try AtomicFile.write(
                    Array("\(index) \(lease.mapping.hostID) \(blockSize)\n".utf8), to: container.appendingPathComponent(leaseName).path, durable: false)
            } catch {
                throw .userNamespaceFailed(action: "record id block \(index)", reason: "\(error)")
            }
            return lease
        }
    }

    /// Releases the block leased to the container in `container` (quiet when there is none).
    public static func release(_ container: URL, _ place: Place = Place()) -> [String] {
        guard let lease = lease(of: container) else {
            unlink(container.appendingPathComponent(leaseName).path)
            return []
        }
        do {
            let lock = try lock(place)
            try withExtendedLifetime(lock) { () throws(RuntimeError) in
                let entry = "\(place.leases)/\(lease.index)"
                let owner = try? FileContents.text(entry, limit: 4096)
                if owner?.trimmingCharacters(in: .newlines) == container.path { unlink(entry) }
                unlink(container.appendingPathComponent(leaseName).path)
            }
        } catch {
            return [error.description]
        }
        return []
    }

    /// The blocks held now (for tests and `gc`): index and owning directory.
    public static func held(_ place: Place = Place()) -> [(index: Int, owner: String)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: place.leases) else { return [] }
        return names.compactMap { Int($0) }.sorted().filter { held($0, place) }.compactMap { index in
            (try? FileContents.text("\(place.leases)/\(index)", limit: 4096)).map { (index, $0.trimmingCharacters(in: .newlines)) }
        }
    }
}
