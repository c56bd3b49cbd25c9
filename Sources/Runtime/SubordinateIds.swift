import Foundation
import HostSystem

/// securerun's own range of host ids: the `securerun:START:COUNT` line in /etc/subuid and /etc/subgid
/// (the same range in both). Containers' id blocks come from it, so no container id is an id a host
/// account, another subordinate-id owner (podman, the kubelet) or a system service uses.
public struct SubordinateRange: Sendable, Equatable {
    /// The first host id.
    public var start: UInt32
    /// How many ids (a multiple of ``IdBlocks/blockSize``).
    public var count: UInt32

    /// How many container blocks fit.
    public var blocks: Int { Int(count / IdBlocks.blockSize) }

    /// Whether host id `id` is in the range.
    public func contains(_ id: UInt32) -> Bool { id >= start && UInt64(id) < UInt64(start) + UInt64(count) }
}

/// Reads, checks and (once) writes securerun's lines in /etc/subuid and /etc/subgid.
public enum SubordinateIds {
    /// The owner name on securerun's lines (no account of that name is needed: securerun writes the
    /// maps itself, as root, and never runs newuidmap).
    public static let owner = "securerun"
    /// Room for 1024 containers at once.
    public static let defaultCount: UInt32 = IdBlocks.blockSize * 1024
    /// Below this, ids belong to accounts and to the usual `user:100000:65536` lines.
    static let lowestStart: UInt64 = 1 << 20
    /// Ids at the top of the space are special (`(uid_t)-1`, the overflow ids some systems use).
    static let highestEnd: UInt64 = (1 << 32) - UInt64(IdBlocks.blockSize)

    /// The host's files.
    public struct Files: Sendable {
        public var subuid = "/etc/subuid"
        public var subgid = "/etc/subgid"
        public var passwd = "/etc/passwd"
        public var group = "/etc/group"

        /// The host's own.
        public init() {}
    }

    /// One `name:start:count` line.
    struct Entry: Equatable {
        var name: String
        var start: UInt64
        var count: UInt64
        var end: UInt64 { start + count }
        func overlaps(_ start: UInt64, _ count: UInt64) -> Bool { self.start < start + count && start < end }
    }

    /// The lines of a subuid/subgid file (comments and malformed lines are not ranges).
    static func entries(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !line.hasPrefix("#"), let start = UInt64(fields[1]), let count = UInt64(fields[2]) else { return nil }
            return Entry(name: String(fields[0]), start: start, count: count)
        }
    }

    /// The numeric ids (third field) of a passwd or group file.
    static func accountIDs(_ text: String) -> [UInt64] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            return fields.count >= 3 ? UInt64(fields[2]) : nil
        }
    }

    /// The first block-aligned range of `count` ids at or above 2^20 that overlaps no entry and no account id.
    static func choose(count: UInt64, taken: [Entry], accounts: [UInt64]) -> SubordinateRange? {
        let block = UInt64(IdBlocks.blockSize)
        func alignUp(_ value: UInt64) -> UInt64 { (value + block - 1) / block * block }
        var start = lowestStart
        while start + count <= highestEnd {
            if let entry = taken.first(where: { $0.overlaps(start, count) }) {
                start = alignUp(entry.end)
            } else if let id = accounts.first(where: { $0 >= start && $0 < start + count }) {
                start = alignUp(id + 1)
            } else {
                return SubordinateRange(start: UInt32(start), count: UInt32(count))
            }
        }
        return nil
    }

    /// Why securerun's range as found cannot be used, or nil.
    static func problem(_ range: Entry, others: [Entry], accounts: [UInt64], file: String) -> String? {
        let block = UInt64(IdBlocks.blockSize)
        if range.start % block != 0 || range.count % block != 0 || range.count == 0 {
            return "\(file): the \(owner) range \(range.start):\(range.count) must start and end at multiples of \(block)"
        }
        if range.start < lowestStart || range.end > highestEnd {
            return "\(file): the \(owner) range \(range.start):\(range.count) must lie between \(lowestStart) and \(highestEnd)"
        }
        if let other = others.first(where: { $0.overlaps(range.start, range.count) }) {
            return "\(file): the \(owner) range \(range.start):\(range.count) overlaps \(other.name)'s \(other.start):\(other.count)"
        }
        if let id = accounts.first(where: { $0 >= range.start && $0 < range.end }) {
            return "\(file): the \(owner) range \(range.start):\(range.count) contains the account id \(id)"
        }
        return nil
    }

    /// securerun's range: read from both files, or (when neither has a line) chosen and appended to both.
    /// Call under ``IdBlocks``' lock, so two starts never both append.
    public static func ensure(_ files: Files = Files()) throws(RuntimeError) -> SubordinateRange {
        func read(_ path: String) -> String { (try? FileContents.text(path, limit: 16 << 20)) ?? "" }
        let uidText = read(files.subuid)
        let gidText = read(files.subgid)
        let uids = entries(uidText)
        let gids = entries(gidText)
        let accounts = accountIDs(read(files.passwd)) + accountIDs(read(files.group))
        let ownUid = uids.filter { $0.name == owner }
        let ownGid = gids.filter { $0.name == owner }
        let others = uids.filter { $0.name != owner } + gids.filter { $0.name != owner }
        switch (ownUid.count, ownGid.count) {
        case (0, 0):
            guard let range = choose(count: UInt64(defaultCount), taken: others, accounts: accounts) else {
                throw .userNamespaceFailed(
                    action: "choose securerun's id range",
                    reason: "no \(defaultCount) free ids are left above \(lowestStart) in \(files.subuid) and \(files.subgid)")
            }
            let line = "\(owner):\(range.start):\(range.count)\n"
            try append(line, to: files.subuid, existing: uidText)
            try append(line, to: files.subgid, existing: gidText)
            return range
        case (1, 1) where ownUid[0].start == ownGid[0].start && ownUid[0].count == ownGid[0].count:
            let range = ownUid[0]
            if let problem = problem(range, others: others, accounts: accounts, file: files.subuid) {
                throw .userNamespaceFailed(action: "use securerun's id range", reason: "\(problem); fix or remove the \(owner) lines")
            }
            return SubordinateRange(start: UInt32(range.start), count: UInt32(range.count))
        default:
            throw .userNamespaceFailed(
                action: "use securerun's id range",
                reason: "\(files.subuid) and \(files.subgid) must each have one identical \(owner):START:COUNT line; fix them or remove both")
        }
    }

    /// Rewrites `path` with `line` added (atomically, keeping the usual 0644).
    static func append(_ line: String, to path: String, existing: String) throws(RuntimeError) {
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += line
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw .userNamespaceFailed(action: "add securerun's id range to \(path)", reason: error.reason)
        }
        chmod(path, 0o644)
    }
}
