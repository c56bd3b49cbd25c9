/// How the container is attached to a network.
public enum NetworkMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// A network namespace of its own with only loopback.
    case none
    /// A network namespace of its own joined to the host by a point-to-point veth pair, shaped both ways,
    /// with only the host end (and the profile's egress allow-list) reachable.
    case `private`
}

/// An IPv4 network in CIDR notation (`10.213.0.0/16`); a bare address is a /32.
public struct IPv4Network: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The network's first address.
    public let address: UInt32
    /// Its prefix length, 0…32.
    public let prefix: Int

    /// The network `address/prefix`; host bits of `address` are cleared.
    public init(address: UInt32, prefix: Int) {
        let clamped = min(max(prefix, 0), 32)
        self.address = address & Self.mask(clamped)
        self.prefix = clamped
    }

    /// Parses `a.b.c.d[/n]`. With `strict`, an address with host bits set (`10.0.0.1/8`) is refused, since
    /// it usually means the author meant another network.
    public init?(parsing text: String, strict: Bool = true) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = Self.parseAddress(String(parts[0])) else { return nil }
        var prefix = 32
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 2, parts[1].utf8.allSatisfy({ (48...57).contains($0) }), let value = Int(parts[1]),
                value <= 32
            else { return nil }
            prefix = value
        }
        if strict, address & ~Self.mask(prefix) != 0 { return nil }
        self.init(address: address, prefix: prefix)
    }

    /// The netmask of a prefix length.
    public static func mask(_ prefix: Int) -> UInt32 {
        prefix <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefix, 32))
    }

    /// Parses a dotted-quad IPv4 address in plain decimal (no octal, hex or shortened forms, which
    /// inet_aton would read differently from what a reader of the profile sees).
    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.utf8.allSatisfy({ (48...57).contains($0) }), let number = UInt32(octet), number <= 255,
                octet == "0" || !octet.hasPrefix("0")
            else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// `a.b.c.d`.
    public static func format(_ address: UInt32) -> String {
        "\(address >> 24 & 255).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
    }

    /// The number of addresses in it.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }
    /// The last address.
    public var last: UInt32 { address | ~Self.mask(prefix) }

    /// Whether `other` lies in this network.
    public func contains(_ other: UInt32) -> Bool { other & Self.mask(prefix) == address }

    /// Whether the two networks share any address.
    public func overlaps(_ other: IPv4Network) -> Bool {
        let shorter = min(prefix, other.prefix)
        return address & Self.mask(shorter) == other.address & Self.mask(shorter)
    }

    /// `a.b.c.d/n`.
    public var description: String { "\(Self.format(address))/\(prefix)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let network = IPv4Network(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 network: \(text)"))
        }
        self = network
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A bandwidth in bits per second, written as tc writes it (`10mbit`, `500kbit`, `1gbit`; `bps` forms are
/// bytes per second). Multiples are decimal, as in tc.
public struct BitRate: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// Bits per second.
    public let bitsPerSecond: UInt64

    /// A rate of `bitsPerSecond`.
    public init(bitsPerSecond: UInt64) { self.bitsPerSecond = bitsPerSecond }

    static let units: [(String, UInt64)] = [
        ("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1000), ("bit", 1),
        ("gbps", 8_000_000_000), ("mbps", 8_000_000), ("kbps", 8000), ("bps", 8),
    ]

    /// Parses `N<unit>` with a whole or decimal N (`1.5mbit`) and a unit from tc's list; a unit is required
    /// (a bare number would be bits to tc but is easily meant as bytes).
    public init?(parsing text: String) {
        let lower = text.lowercased()
        guard let (unit, multiplier) = Self.units.first(where: { lower.hasSuffix($0.0) }) else { return nil }
        let number = lower.dropLast(unit.count)
        guard !number.isEmpty, number.utf8.allSatisfy({ (48...57).contains($0) || $0 == 46 }), number.filter({ $0 == "." }).count <= 1,
            let value = Double(number), value.isFinite, value > 0
        else { return nil }
        let bits = (value * Double(multiplier)).rounded()
        guard bits >= 1, bits < 1e15 else { return nil }
        bitsPerSecond = UInt64(bits)
    }

    /// Bytes per second (rounded down).
    public var bytesPerSecond: UInt64 { bitsPerSecond / 8 }

    public static func < (lhs: BitRate, rhs: BitRate) -> Bool { lhs.bitsPerSecond < rhs.bitsPerSecond }

    /// The shortest exact form in bits (`10mbit`), as tc accepts it.
    public var description: String {
        for (suffix, unit) in [("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1000)] as [(String, UInt64)]
        where bitsPerSecond >= unit && bitsPerSecond % unit == 0 {
            return "\(bitsPerSecond / unit)\(suffix)"
        }
        return "\(bitsPerSecond)bit"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let rate = BitRate(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a rate: \(text)"))
        }
        self = rate
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A token-bucket limit: a rate and the burst (bytes) it may send at once.
public struct Shaping: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The sustained rate.
    public var rate: BitRate
    /// The bucket size in bytes.
    public var burst: ByteSize

    /// A limit.
    public init(rate: BitRate, burst: ByteSize) {
        self.rate = rate
        self.burst = burst
    }

    /// The burst securerun uses when a profile gives none: 20 ms at the rate, at least 32 KiB (TBF needs at
    /// least one packet, and a small bucket keeps short transfers close to the rate).
    public static func defaultBurst(for rate: BitRate) -> ByteSize {
        ByteSize(bytes: max(32 << 10, Int64(rate.bytesPerSecond / 50)))
    }

    /// `10mbit burst 32k`.
    public var description: String { "\(rate) burst \(burst)" }
}

/// TCP or UDP.
public enum TransportProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case tcp, udp
}

/// One entry of a profile's `network.egress.allow`: `CIDR[:PORT[/PROTO]]`. Without a port, every port
/// and protocol of the network; with a port but no protocol, that port over TCP and UDP.
public struct EgressRule: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Where the container may send.
    public var network: IPv4Network
    /// The destination port, or every port.
    public var port: UInt16?
    /// The protocol, or both (only with a port).
    public var transport: TransportProtocol?

    /// A rule.
    public init(network: IPv4Network, port: UInt16? = nil, transport: TransportProtocol? = nil) {
        self.network = network
        self.port = port
        self.transport = transport
    }

    /// Parses `CIDR[:PORT[/PROTO]]`, or returns why it cannot.
    public static func parse(_ text: String) -> Result<EgressRule, EgressRuleProblem> {
        if text.contains("[") || text.filter({ $0 == ":" }).count > 1 {
            return .failure(.ipv6)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let cidr = String(parts[0])
        guard let network = IPv4Network(parsing: cidr) else {
            if IPv4Network(parsing: cidr, strict: false) != nil { return .failure(.hostBits(cidr)) }
            return .failure(.notANetwork(cidr))
        }
        guard parts.count == 2 else { return .success(EgressRule(network: network)) }
        let portPart = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(portPart.count), let port = PublishedPort.parsePort(portPart[0]) else {
            return .failure(.badPort(String(parts[1])))
        }
        var transport: TransportProtocol?
        if portPart.count == 2 {
            guard let parsed = TransportProtocol(rawValue: portPart[1].lowercased()) else { return .failure(.badPort(String(parts[1]))) }
            transport = parsed
        }
        return .success(EgressRule(network: network, port: port, transport: transport))
    }

    /// The entry as a profile writes it.
    public var description: String {
        var text = network.prefix == 32 ? IPv4Network.format(network.address) : network.description
        if let port { text += ":\(port)" }
        if let transport { text += "/\(transport.rawValue)" }
        return text
    }
}

/// Why an egress entry cannot be used.
public enum EgressRuleProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case ipv6
    case hostBits(String)
    case notANetwork(String)
    case badPort(String)

    public var description: String {
        switch self {
        case .ipv6: return "IPv6 is not routed to private containers (their IPv6 traffic is dropped); list IPv4 networks"
        case .hostBits(let text): return "\(text) has host bits set; write the network address (such as 10.0.0.0/8)"
        case .notANetwork(let text): return "\"\(text)\" is not an IPv4 address or CIDR network such as 10.0.0.0/8"
        case .badPort(let text): return "\"\(text)\" is not PORT or PORT/tcp or PORT/udp with a port from 1 to 65535"
        }
    }
}

/// A published port: a proxy on the host address and port forwards to the container's port.
public struct PublishedPort: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The host address the proxy binds (one the profile lists).
    public var hostAddress: String
    /// The host port (1024 or above).
    public var hostPort: UInt16
    /// The port inside the container.
    public var containerPort: UInt16
    /// TCP or UDP.
    public var transport: TransportProtocol

    /// A mapping.
    public init(hostAddress: String, hostPort: UInt16, containerPort: UInt16, transport: TransportProtocol) {
        self.hostAddress = hostAddress
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.transport = transport
    }

    /// A port number 1…65535 in plain digits.
    static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ (48...57).contains($0) }), let value = UInt16(text), value > 0 else {
            return nil
        }
        return value
    }

    /// `127.0.0.1:8080->80/tcp`, as docker ps shows it.
    public var description: String { "\(hostAddress):\(hostPort)->\(containerPort)/\(transport.rawValue)" }
}

/// The network part of a profile.
public struct NetworkProfile: Sendable, Equatable {
    /// `none` or `private`.
    public var mode: NetworkMode
    /// The range securerun takes each private container's /30 from.
    public var addressRange: IPv4Network
    /// The cap on traffic leaving the container (set when private).
    public var egress: Shaping?
    /// The cap on traffic into the container (set when private).
    public var ingress: Shaping?
    /// Where the container may send beyond the host end.
    public var egressAllow: [EgressRule]
    /// Whether `-p` may publish ports, and on which host addresses.
    public var publish: PublishPolicy
    /// The securerun networks (`securerun network create`) a container may join with `--network NAME`;
    /// `*` is any of them. Empty: none.
    public var allowedNetworks: [String] = []

    /// Whether `--network name` may join the securerun network `name`.
    public func allows(network name: String) -> Bool {
        mode == .private && (allowedNetworks.contains("*") || allowedNetworks.contains(name))
    }

    /// securerun's default range: private, and unlikely to be a host's own.
    public static let defaultRange = IPv4Network(address: 0x0AD5_0000, prefix: 16)

    /// The `none` network.
    public static let none = NetworkProfile(
        mode: .none, addressRange: defaultRange, egress: nil, ingress: nil, egressAllow: [],
        publish: PublishPolicy(allowed: false, hostAddresses: ["127.0.0.1"]))
}

/// A profile's `network.publish`.
public struct PublishPolicy: Sendable, Equatable {
    /// Whether `-p` is accepted at all.
    public var allowed: Bool
    /// The host addresses a published port may bind (IPv4, such as 127.0.0.1).
    public var hostAddresses: [String]

    /// A policy.
    public init(allowed: Bool, hostAddresses: [String]) {
        self.allowed = allowed
        self.hostAddresses = hostAddresses
    }
}

/// The network a container gets, after its request tightened the profile's.
public struct NetworkSpec: Sendable, Equatable, Codable {
    /// `none` or `private`.
    public var mode: NetworkMode
    /// The profile's address range (private only).
    public var addressRange: IPv4Network
    /// The cap on traffic out of the container (private only).
    public var egress: Shaping?
    /// The cap on traffic into it (private only).
    public var ingress: Shaping?
    /// Allowed destinations beyond the host end.
    public var allow: [EgressRule]
    /// Published ports.
    public var ports: [PublishedPort]
    /// The securerun network the container joins (`--network NAME`): it then shares that network's bridge
    /// with the network's other containers instead of a point-to-point link of its own.
    public var attach: String?

    /// A network.
    public init(mode: NetworkMode, addressRange: IPv4Network, egress: Shaping?, ingress: Shaping?, allow: [EgressRule], ports: [PublishedPort]) {
        self.mode = mode
        self.addressRange = addressRange
        self.egress = egress
        self.ingress = ingress
        self.allow = allow
        self.ports = ports
    }

    /// The `none` network.
    public static let none = NetworkSpec(mode: .none, addressRange: NetworkProfile.defaultRange, egress: nil, ingress: nil, allow: [], ports: [])
}

/// The name of a securerun network (`securerun network create NAME`): docker's container-name grammar,
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 64 bytes, and none of the names `--network` already gives a
/// meaning (so `--network host` can never mean a network someone created).
public enum NetworkName {
    /// Names `--network` reads as something else.
    public static let reserved: Set<String> = ["none", "private", "host", "bridge", "default"]

    /// Why `name` cannot name a securerun network, or nil when it can.
    public static func problem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else { return "a network needs a name" }
        guard bytes.count <= 64 else { return "\"\(name)\" is longer than 64 characters" }
        guard isAlphanumeric(first), bytes.allSatisfy({ isAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F }) else {
            return "\"\(name)\" is not a network name: letters, digits, '_', '.' and '-', starting with a letter or digit"
        }
        guard !reserved.contains(name), !name.hasPrefix("container:") else {
            return "\"\(name)\" already means something to --network; choose another name"
        }
        return nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
