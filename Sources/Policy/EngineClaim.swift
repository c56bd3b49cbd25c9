import Foundation
import HostSystem
import StrictJSON

/// What securerun's own docker backend is about to ask the engine to create, written before the create in
/// the container's root-only state directory. The engine plugin judges every create the same way; with a
/// claim it can read securerun's own create as what it is: its `securerun.*` labels are securerun's, a
/// bind of a staging path is the host path staged there (judged by the volume rules as that path), and
/// `NetworkMode: container:<holder>` is the namespace of the holder securerun made for it (created with
/// network none, judged when it was created, then shaped by securerun). Only root can write a claim, so a
/// client of the engine cannot make its own create look like securerun's.
public struct EngineClaim: Codable, Sendable, Equatable {
    /// A volume as securerun staged it: the staging path the engine binds, and the host path behind it.
    public struct StagedBind: Codable, Sendable, Equatable {
        public var staged: String
        public var source: String

        public init(staged: String, source: String) {
            self.staged = staged
            self.source = source
        }
    }

    /// The engine's name for the container (the create's `?name=`).
    public var name: String
    /// securerun's own labels on it, the one-time ``token`` among them (`securerun.claim`): a client that
    /// guessed the name and the id still cannot borrow a claim it never saw.
    public var labels: [String: String]
    /// Its volumes' staging paths.
    public var staged: [StagedBind]
    /// The network holder whose namespace it joins, if any.
    public var holder: String?
    /// Files of securerun's own in the container's state directory that it binds read-only (the holder's
    /// pause binary): no host path, so no volume rule applies to them.
    public var ownFiles: [String]

    /// The label that carries the claim's one-time token.
    public static let tokenLabel = "securerun.claim"

    /// The claim's one-time token: 32 random hex digits, in the claim and in the create it covers only.
    public var token: String? { labels[Self.tokenLabel] }

    /// A claim for `name`; `labels` gains a fresh one-time token (see ``token``).
    public init(name: String, labels: [String: String], staged: [StagedBind] = [], holder: String? = nil, ownFiles: [String] = []) {
        self.name = name
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        self.labels = labels.merging([Self.tokenLabel: HexText.encode(bytes)]) { $1 }
        self.staged = staged
        self.holder = holder
        self.ownFiles = ownFiles
    }

    /// Claims are small; anything larger was not written by securerun.
    static let limit = 1 << 20

    /// Where the claim for engine name `name` of container `id` lives: `<root>/containers/<id>/engine-claim-<name>.json`,
    /// or nil when `id` or `name` could name another place (an id is 32 hex digits; an engine name is
    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as the engine requires).
    public static func path(stateRoot: URL, id: String, name: String) -> String? {
        guard id.utf8.count == 32, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        guard let first = name.utf8.first, isNameByte(first), first != 0x2E, first != 0x2D, first != 0x5F, name.utf8.allSatisfy(isNameByte) else {
            return nil
        }
        return StateRoot(stateRoot).container(id).appendingPathComponent("engine-claim-\(name).json").path
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2E || byte == 0x2D || byte == 0x5F
    }

    /// Writes the claim for container `id` (atomically: the plugin never reads half of one).
    public func write(stateRoot: URL, id: String) throws(SystemError) {
        guard let path = Self.path(stateRoot: stateRoot, id: id, name: name) else {
            throw SystemError("claim", path: name, errno: EINVAL)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let bytes = try? encoder.encode(self) else { throw SystemError("encode claim", path: path, errno: EINVAL) }
        try AtomicFile.write(Array(bytes), to: path, durable: false)
    }

    static func directory(of path: String) -> String { URL(fileURLWithPath: path).deletingLastPathComponent().path }

    /// Removes the claim for `name` of container `id` (its create has been answered).
    public static func remove(stateRoot: URL, id: String, name: String) {
        if let path = path(stateRoot: stateRoot, id: id, name: name) { unlink(path) }
    }

    /// The claim for `name` of container `id`, or nil when there is none securerun wrote: none at all,
    /// one that is not a regular file (a symlink is not followed), one that does not read strictly, or
    /// one whose own files lie outside the container's directory.
    public static func read(stateRoot: URL, id: String, name: String) -> EngineClaim? {
        guard let path = path(stateRoot: stateRoot, id: id, name: name),
            let bytes = try? FileContents.readRegular(path, limit: limit),
            let claim = try? StrictJSONDecoder(limits: JSONLimits(maxBytes: limit, maxDepth: 8)).decode(EngineClaim.self, from: bytes),
            claim.name == name, claim.token?.utf8.count == 32,
            claim.ownFiles.allSatisfy({ URL(fileURLWithPath: $0).deletingLastPathComponent().path == directory(of: path) })
        else { return nil }
        return claim
    }
}
