import ContentDigest
import Foundation
import Images

/// The names of everything a private container's network is made of, derived from its place alone
/// (the state root's tag and the container id), so tear-down and the sweep find them without any record.
///
/// Interface names are limited to 15 bytes (IFNAMSIZ): `sr` + 5 characters of the state root's tag + 7
/// of the container's + `h` (the host end of the veth pair) or `i` (the IFB device shaping what the
/// container sends). Each interface also carries the alias `securerun <root tag> <id>`: the sweep removes
/// only interfaces whose alias names its own state root, never another's whose short tag happens to match.
public struct NetworkNames: Sendable, Equatable, Codable {
    /// The state root's tag (12 hex digits, as in cgroup names).
    public var rootTag: String
    /// The container id.
    public var id: String

    /// The names for `place`.
    public init(_ place: ContainerPlace) {
        self.init(rootTag: SpecBuilder.rootTag(place.stateRoot), id: place.id)
    }

    /// The names for a container `id` of the state root tagged `rootTag`.
    public init(rootTag: String, id: String) {
        self.rootTag = rootTag
        self.id = id
    }

    /// Every securerun interface starts with this.
    public static let interfacePrefix = "sr"

    /// `sr` + the state root's 5-character short tag: the prefix of every interface of this state root.
    public var rootPrefix: String { Self.interfacePrefix + Self.base32(of: rootTag, count: 5) }

    /// The host end of the veth pair.
    public var hostInterface: String { rootPrefix + Self.base32(of: "\(rootTag)/\(id)", count: 7) + "h" }
    /// The IFB device that shapes what the container sends.
    public var ifbInterface: String { rootPrefix + Self.base32(of: "\(rootTag)/\(id)", count: 7) + "i" }
    /// The container's end, inside its namespace.
    public var containerInterface: String { "eth0" }
    /// The interfaces' alias, naming state root and container in full.
    public var alias: String { "securerun \(rootTag) \(id)" }
    /// The named network namespace (`/run/netns/<name>`).
    public var namespace: String { "securerun-\(rootTag)-\(id)" }
    /// Its path, which the runtime joins.
    public var namespacePath: String { NetworkNames.namespaceDirectory + "/" + namespace }
    /// The host nftables table (masquerade for allowed destinations beyond the host end).
    public var hostTable: String { "securerun-\(rootTag)-\(id)" }
    /// The docker backend's holder container (it owns the namespace the workload joins).
    public var holder: String { "securerun-net-\(rootTag)-\(id)" }

    /// The bridge of securerun network `network` in the state root tagged `rootTag`: the root's prefix, 7
    /// characters of the network's name, `b`.
    public static func bridge(rootTag: String, network: String) -> String {
        NetworkNames(rootTag: rootTag, id: "").rootPrefix + base32(of: "\(rootTag)/network/\(network)", count: 7) + "b"
    }

    /// A bridge's alias: `securerun-network <root tag> <name>` (not `securerun …`, which names a container's
    /// interfaces: the sweep removes those when their container is gone, and a network outlives its containers).
    public static func bridgeAlias(rootTag: String, network: String) -> String { "securerun-network \(rootTag) \(network)" }

    /// The host nftables table of network `network` (`srnet-…`, never `securerun-<tag>-…`, which the sweep
    /// reads as a container's).
    public static func networkTable(rootTag: String, network: String) -> String { "srnet-\(rootTag)-\(network)" }

    /// Where `ip netns` keeps named namespaces.
    public static let namespaceDirectory = "/run/netns"

    /// The id in a securerun namespace, table or holder name of the state root tagged `rootTag`, or nil
    /// when the name is not one of its.
    public static func id(in name: String, prefix: String, rootTag: String) -> String? {
        let head = "\(prefix)\(rootTag)-"
        guard name.hasPrefix(head), name.count > head.count else { return nil }
        return String(name.dropFirst(head.count))
    }

    /// What follows `head` in an interface alias, or nil when the alias does not start with it.
    static func rest(of alias: String, after head: String) -> String? {
        guard alias.hasPrefix(head), alias.count > head.count else { return nil }
        return String(alias.dropFirst(head.count))
    }

    /// `count` characters of RFC 4648 base32 (lower case) of the SHA-256 of `text`: 5 bits a character,
    /// all valid in interface names.
    static func base32(of text: String, count: Int) -> String {
        let hex = Digest.of(Data(text.utf8)).hex
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var bits: UInt64 = 0
        // 13 hex digits are 52 bits: enough for 10 characters.
        for character in hex.prefix(13) { bits = bits << 4 | UInt64(character.hexDigitValue ?? 0) }
        var result = ""
        for index in 0..<count {
            let shift = UInt64(52 - 5 * (index + 1))
            result.append(alphabet[Int((bits >> shift) & 31)])
        }
        return result
    }
}
