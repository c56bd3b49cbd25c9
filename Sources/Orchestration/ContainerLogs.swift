import Foundation
import HostSystem
import Runtime

/// `logs [-f] [--tail N] [--timestamps] [--since T] [--until T]`: a container's log, as it wrote it, each
/// stream to its own.
public struct ContainerLogs: Sendable {
    public let stateRoot: URL
    public let reference: String

    public init(stateRoot: URL, reference: String) {
        self.stateRoot = stateRoot
        self.reference = reference
    }

    /// Writes the log through `emit(bytes, stream)`; with `follow`, goes on until the container has ended
    /// and everything it wrote is out.
    public func print(tail: Int?, timestamps: Bool, follow: Bool, window: LogWindow = LogWindow(), emit: ([UInt8], String) -> Void) throws {
        let containers = Containers(stateRoot: stateRoot)
        let view = try containers.find(reference)
        // The engine keeps its containers' output itself (also across `docker start`): read it there.
        if let runtime = view.record?.runtime, let kept = Backends.named(runtime, stateRoot: stateRoot) as? any KeepsStoppedContainers,
            try kept.printLog(id: view.id, tail: tail, timestamps: timestamps, follow: follow, window: window, emit: emit)
        {
            return
        }
        let reader = LogReader(directory: view.directory)
        var (lines, offset, inode) = reader.lines()
        // The window first, then the tail of what is in it (as docker does).
        if !window.isEverything { lines = lines.filter { window.contains(timestamp: $0.timestamp) } }
        if let tail { lines = Array(lines.suffix(tail)) }
        for line in lines { emit(format(line, timestamps: timestamps), line.stream) }
        guard follow else { return }
        // Follow by descriptor: when the log rotates, what the old file still holds is read to its end before
        // the new file is opened, so no line is lost across a rotation.
        let log = view.directory.appendingPathComponent("log").path
        var fd = open(log, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = lseek(fd, off_t(offset), SEEK_SET) }
        defer { if fd >= 0 { close(fd) } }
        var pending: [UInt8] = []
        func drain() {
            guard fd >= 0, let chunk = try? FileContents.read(fd: fd, path: log, limit: 64 << 20), !chunk.isEmpty else { return }
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                if let line = LogLine(pending[..<newline]), window.contains(timestamp: line.timestamp) {
                    emit(format(line, timestamps: timestamps), line.stream)
                }
                pending.removeSubrange(...newline)
            }
        }
        while true {
            let ended = Self.hasEnded(view.directory)
            drain()
            var now = stat()
            if stat(log, &now) == 0, UInt64(now.st_ino) != inode || fd < 0 {
                drain()
                if fd >= 0 { close(fd) }
                fd = open(log, O_RDONLY | O_CLOEXEC)
                inode = UInt64(now.st_ino)
                pending.removeAll()
                continue
            }
            if ended {
                drain()
                return
            }
            usleep(100_000)
        }
    }

    func format(_ line: LogLine, timestamps: Bool) -> [UInt8] {
        timestamps ? Array("\(line.timestamp) ".utf8) + line.bytes : line.bytes
    }

    /// Its record says it ended, or it is gone.
    static func hasEnded(_ directory: URL) -> Bool {
        guard FileManager.default.fileExists(atPath: directory.path) else { return true }
        guard let record = try? RecordFile(directory: directory).read() else { return true }
        return record.status == .exited || !Containers.isOwned(directory)
    }

}

/// `inspect`: the record with the runtime config the container runs with.
public enum ContainerInspection {
    /// One JSON object: `record`, `spec` (its config.json, as the runtime got it; absent once ended) and,
    /// for private networking, `network` (its plan: namespace, interfaces, addresses, rates, rules, ports),
    /// and with a user namespace `userNamespace` (its uid and gid maps, as the runtime spec writes them).
    public static func json(stateRoot: URL, reference: String) throws -> String {
        let view = try Containers(stateRoot: stateRoot).find(reference)
        guard view.record != nil else { throw OrchestrationError.corruptRecord(path: view.directory.path, reason: view.problem ?? "") }
        let record = String(decoding: (try? FileContents.read(view.directory.appendingPathComponent("record.json").path)) ?? [], as: UTF8.self)
        var text = "{\n\"record\": " + record.trimmingCharacters(in: .whitespacesAndNewlines)
        if let spec = try? FileContents.read(view.directory.appendingPathComponent("spec.json").path) {
            text += ",\n\"spec\": " + String(decoding: spec, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let network = NetworkRecords(stateRoot: stateRoot)
        if network.read(view.id) != nil, let plan = try? FileContents.read(network.directory.appendingPathComponent("\(view.id).json").path) {
            text += ",\n\"network\": " + String(decoding: plan, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The id block it runs in (while it runs): container ids 0…65535 are these host ids.
        if let lease = IdBlocks.lease(of: view.directory) {
            let map = "{\"containerID\": \(lease.mapping.containerID), \"hostID\": \(lease.mapping.hostID), \"size\": \(lease.mapping.size)}"
            text += ",\n\"userNamespace\": {\"uidMappings\": [\(map)], \"gidMappings\": [\(map)]}"
        }
        return text + "\n}"
    }
}
