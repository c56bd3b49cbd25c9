import Foundation
import Policy

/// Everything one private container's network is: its namespace, the veth pair and its addresses, the
/// routes, the qdiscs and filters that shape it both ways, the egress rules inside its namespace, and its
/// published ports. The network step builds it from this plan, `--dry-run` prints it, and it is kept in
/// the state root (`network/<id>.json`) before anything is made, so tear-down finds everything.
public struct NetworkPlan: Sendable, Equatable, Codable {
    /// The names, from the state root and the container id.
    public var names: NetworkNames
    /// The container's /30: the host end takes the first address, the container the second.
    public var subnet: IPv4Network
    /// The cap on traffic out of the container (IFB on the host end's ingress).
    public var egress: Shaping
    /// The cap on traffic into the container (root qdisc of the host end).
    public var ingress: Shaping
    /// Destinations allowed beyond the host end.
    public var allow: [EgressRule]
    /// Published ports (a proxy on the host forwards them).
    public var ports: [PublishedPort]
    /// The docker backend's holder container, when the namespace is its.
    public var holder: String?
    /// The securerun network the container joined (`--network NAME`): its host end is a port of that
    /// network's bridge, `subnet` is the network's, and the container has an address of its own in it.
    public var attachment: Attachment?
    /// The hosts file the container sees as /etc/hosts on a securerun network (its own, or the docker
    /// holder's), rewritten in place whenever a container joins or leaves the network.
    public var hostsFile: String?

    /// A container's place on a securerun network.
    public struct Attachment: Sendable, Equatable, Codable {
        /// The network's name.
        public var network: String
        /// Its bridge on the host.
        public var bridge: String
        /// The container's address in the network's subnet.
        public var address: UInt32
        /// Whether the network reaches nothing outside itself (`network create --internal`).
        public var `internal`: Bool

        /// An attachment.
        public init(network: String, bridge: String, address: UInt32, internal: Bool) {
            self.network = network
            self.bridge = bridge
            self.address = address
            self.internal = `internal`
        }
    }

    /// A plan.
    public init(names: NetworkNames, subnet: IPv4Network, spec: NetworkSpec, holder: String?) {
        self.names = names
        self.subnet = subnet
        let fallback = Shaping(rate: BitRate(bitsPerSecond: 1_000_000), burst: ByteSize(bytes: 32 << 10))
        egress = spec.egress ?? fallback
        ingress = spec.ingress ?? fallback
        allow = spec.allow
        ports = spec.ports
        self.holder = holder
    }

    private enum CodingKeys: String, CodingKey {
        case names, subnet, egress, ingress, allow, ports, holder, attachment, hostsFile
        // Written for readers (`securerun inspect`), never read back: both follow from the subnet.
        case hostAddress, containerAddress
    }

    /// A plan as kept in the state root (the written addresses are not read back).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        names = try container.decode(NetworkNames.self, forKey: .names)
        subnet = try container.decode(IPv4Network.self, forKey: .subnet)
        egress = try container.decode(Shaping.self, forKey: .egress)
        ingress = try container.decode(Shaping.self, forKey: .ingress)
        allow = try container.decode([EgressRule].self, forKey: .allow)
        ports = try container.decode([PublishedPort].self, forKey: .ports)
        holder = try container.decodeIfPresent(String.self, forKey: .holder)
        attachment = try container.decodeIfPresent(Attachment.self, forKey: .attachment)
        hostsFile = try container.decodeIfPresent(String.self, forKey: .hostsFile)
    }

    /// The plan with both addresses spelled out, as `securerun inspect` shows it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(names, forKey: .names)
        try container.encode(subnet, forKey: .subnet)
        try container.encode(egress, forKey: .egress)
        try container.encode(ingress, forKey: .ingress)
        try container.encode(allow, forKey: .allow)
        try container.encode(ports, forKey: .ports)
        try container.encodeIfPresent(holder, forKey: .holder)
        try container.encodeIfPresent(attachment, forKey: .attachment)
        try container.encodeIfPresent(hostsFile, forKey: .hostsFile)
        try container.encode(hostAddress, forKey: .hostAddress)
        try container.encode(containerAddress, forKey: .containerAddress)
    }

    /// The host end's address (on a securerun network, its bridge's: the network's gateway).
    public var hostAddress: String { IPv4Network.format(subnet.address + 1) }
    /// The container's address.
    public var containerAddress: String { IPv4Network.format(attachment?.address ?? subnet.address + 2) }
    /// The interface on the host that carries the container's traffic: its host end, or its network's bridge.
    public var hostSide: String { attachment?.bridge ?? names.hostInterface }
    /// Whether anything beyond the host end is allowed (then the host masquerades the container). Never on
    /// an internal network.
    public var forwards: Bool { !allow.isEmpty && attachment?.internal != true }
    /// The destinations beyond the host end the container's rules accept (none on an internal network).
    var reachable: [EgressRule] { attachment?.internal == true ? [] : allow }

    /// The cloud metadata addresses, never reachable unless the allow-list names them on purpose.
    public static let metadataV4 = IPv4Network(address: 0xA9FE_A9FE, prefix: 32)
    /// The IPv6 twin (AWS).
    public static let metadataV6 = "fd00:ec2::254"

    /// Whether an allow entry lists the IPv4 metadata address on purpose: an entry inside 169.254.0.0/16
    /// that contains it (a wide entry such as 0.0.0.0/0 does not count).
    public var metadataListed: Bool {
        allow.contains { $0.network.prefix >= 16 && $0.network.contains(Self.metadataV4.address) }
    }

    // MARK: - Commands

    /// One host command of the set-up.
    public struct Command: Sendable, Equatable {
        /// `ip`, `tc` or `nft`.
        public var tool: String
        /// Its arguments.
        public var arguments: [String]
        /// What it does, for errors.
        public var action: String

        /// The command as a shell would show it.
        public var text: String { ([tool] + arguments).joined(separator: " ") }
    }

    /// The commands that join the namespace to the host, once it exists, in order. `hostNamespace` is the
    /// host's network namespace file (the host end and the IFB device are made inside the container's
    /// namespace, given their alias there, then moved out: a securerun interface never exists on the host
    /// without the alias that names its owner).
    public func commands(hostNamespace: String, rulesFile: String, hostRulesFile: String) -> [Command] {
        let ns = names.namespace
        let host = names.hostInterface
        let ifb = names.ifbInterface
        let eth = names.containerInterface
        func ip(_ arguments: [String], _ action: String) -> Command { Command(tool: "ip", arguments: arguments, action: action) }
        func tc(_ arguments: [String], _ action: String) -> Command { Command(tool: "tc", arguments: arguments, action: action) }
        var list: [Command] = [
            ip(["-n", ns, "link", "set", "lo", "up"], "bring up the container's loopback"),
            // Per-namespace settings: ports below 1024 are no one else's inside its own namespace (docker
            // does the same), so a non-root server can listen on 80; IPv6 is off (nothing routes it).
            ip(
                [
                    "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_unprivileged_port_start=0", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1",
                ],
                "set the namespace's sysctls"),
            ip(["-n", ns, "link", "add", host, "type", "veth", "peer", "name", eth], "make the container's veth pair"),
            ip(["-n", ns, "link", "set", host, "alias", names.alias], "name the veth pair's owner"),
            ip(["-n", ns, "link", "set", host, "netns", hostNamespace], "move the veth's host end to the host"),
            ip(["-n", ns, "link", "add", ifb, "type", "ifb"], "make the IFB device that shapes the container's egress"),
            ip(["-n", ns, "link", "set", ifb, "alias", names.alias], "name the IFB device's owner"),
            ip(["-n", ns, "link", "set", ifb, "netns", hostNamespace], "move the IFB device to the host"),
        ]
        if let attachment {
            list.append(ip(["link", "set", host, "master", attachment.bridge], "put the veth's host end on network \(attachment.network)'s bridge"))
        } else {
            list.append(ip(["addr", "add", "\(hostAddress)/30", "dev", host], "address the veth's host end"))
        }
        list += [
            ip(["link", "set", host, "up"], "bring up the veth's host end"),
            ip(["link", "set", ifb, "up"], "bring up the IFB device"),
            ip(["-n", ns, "addr", "add", "\(containerAddress)/\(subnet.prefix)", "dev", eth], "address the container's end"),
            ip(["-n", ns, "link", "set", eth, "up"], "bring up the container's end"),
        ]
        // An internal network has no way out: only its own subnet is routed.
        if attachment?.internal != true {
            list.append(ip(["-n", ns, "route", "add", "default", "via", hostAddress, "dev", eth], "route the container through the host end"))
        }
        list += [
            tc(["qdisc", "add", "dev", host] + Self.tbf(ingress), "shape traffic into the container"),
            tc(["qdisc", "add", "dev", host, "handle", "ffff:", "ingress"], "catch traffic out of the container"),
            tc(
                [
                    "filter", "add", "dev", host, "parent", "ffff:", "protocol", "all", "prio", "1", "u32", "match", "u32", "0", "0", "action", "mirred",
                    "egress", "redirect", "dev", ifb,
                ],
                "redirect traffic out of the container to its IFB device"),
            tc(["qdisc", "add", "dev", ifb] + Self.tbf(egress), "shape traffic out of the container"),
            ip(["netns", "exec", ns, "nft", "-f", rulesFile], "apply the egress rules in the container's namespace"),
        ]
        if forwards {
            list.append(Command(tool: "nft", arguments: ["-f", hostRulesFile], action: "masquerade the container's allowed traffic on the host"))
        }
        return list
    }

    /// `root handle 1: tbf rate R burst B latency 50ms`: a token bucket as the CNI bandwidth plugin sets
    /// it (its queue holds 50 ms at the rate, so TCP keeps the link busy without a long standing queue).
    static func tbf(_ shaping: Shaping) -> [String] {
        ["root", "handle", "1:", "tbf", "rate", "\(shaping.rate.bitsPerSecond)bit", "burst", "\(shaping.burst.bytes)", "latency", "50ms"]
    }

    // MARK: - Rulesets

    /// The nftables ruleset inside the container's namespace. securerun applies it before the process
    /// starts; the container has no CAP_NET_ADMIN in that namespace's user namespace, so it cannot change it.
    /// Out: loopback, replies, the host end, and the allow-list; metadata addresses are dropped first;
    /// IPv6 is dropped; the rest is rejected (a quick "administratively prohibited" instead of a hang).
    /// In: loopback, replies, and the host end only (so other containers, even where the host forwards,
    /// never reach this one).
    public var containerRuleset: String {
        var output = [
            "oifname \"lo\" accept",
            "ip6 daddr \(Self.metadataV6) drop",
            "meta nfproto ipv6 drop",
            "ct state established,related accept",
        ]
        if !metadataListed { output.append("ip daddr \(IPv4Network.format(Self.metadataV4.address)) drop") }
        var input = [
            "iifname \"lo\" accept",
            "meta nfproto ipv6 drop",
            "ct state established,related accept",
            "ip saddr \(hostAddress) accept",
        ]
        if let attachment {
            // The network's other containers, both ways; on an internal one the host end only answers.
            if attachment.internal { output.append("ip daddr \(hostAddress) reject with icmpx type admin-prohibited") }
            output.append("ip daddr \(subnet) accept")
            input.append("ip saddr \(subnet) accept")
        } else {
            output.append("ip daddr \(hostAddress) accept")
        }
        for rule in reachable { output.append(Self.nftables(rule)) }
        output.append("reject with icmpx type admin-prohibited")
        return """
            table inet securerun {
              chain output {
                type filter hook output priority filter; policy drop;
            \(output.map { "    " + $0 }.joined(separator: "\n"))
              }
              chain input {
                type filter hook input priority filter; policy drop;
            \(input.map { "    " + $0 }.joined(separator: "\n"))
              }
            }

            """
    }

    /// The host table: masquerade for the container's traffic to allowed destinations beyond the host end.
    public var hostRuleset: String {
        """
        table ip \(names.hostTable) {
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr \(containerAddress) oifname != "\(hostSide)" oifname != "\(NetworkNames.interfacePrefix)*" masquerade
          }
        }

        """
    }

    /// One allow entry as an nftables rule.
    static func nftables(_ rule: EgressRule) -> String {
        var text = "ip daddr \(rule.network)"
        if let port = rule.port {
            switch rule.transport {
            case .some(let transport): text += " \(transport.rawValue) dport \(port)"
            case .none: text += " meta l4proto { tcp, udp } th dport \(port)"
            }
        }
        return text + " accept"
    }

    // MARK: - Description

    /// The plan as `--dry-run` prints it.
    public func describe(hostNamespace: String = "/proc/<securerun>/ns/net", chosenNow: Bool = false) -> String {
        var lines = [
            "network: private",
            "  namespace: \(names.namespacePath)\(holder.map { " (attached to the net namespace of docker container \($0))" } ?? "")",
            "  veth: \(names.hostInterface) (host end) <-> \(names.containerInterface) (in the container), alias \"\(names.alias)\"",
            attachment.map {
                "  network: \($0.network)\($0.internal ? " (internal: nothing outside it)" : ""), bridge \($0.bridge), gateway \(hostAddress), subnet \(subnet); container \(containerAddress)/\(subnet.prefix)\(chosenNow ? " (the first free now; chosen at start)" : "")"
            }
                ?? "  addresses: host end \(hostAddress)/30, container \(containerAddress)/30 (\(subnet)\(chosenNow ? ", the first free now; chosen at start" : ""))",
            attachment?.internal == true
                ? "  routes: in the container, \(subnet) dev \(names.containerInterface) only"
                : "  routes: in the container, default via \(hostAddress) dev \(names.containerInterface); on the host, \(subnet) dev \(hostSide)",
            "  qdiscs: \(names.hostInterface) root tbf \(ingress) (into the container); \(names.ifbInterface) root tbf \(egress) (out of the container)",
            "  filters: \(names.hostInterface) ingress u32 match all -> mirred egress redirect dev \(names.ifbInterface)",
            "  egress rules (nftables in the container's namespace, table inet securerun):",
        ]
        lines += containerRuleset.split(separator: "\n").map { "    " + $0 }
        if forwards {
            lines.append("  host rules (masquerade; forwarding needs net.ipv4.ip_forward=1):")
            lines += hostRuleset.split(separator: "\n").map { "    " + $0 }
        }
        lines.append("  ports: " + (ports.isEmpty ? "none" : ports.map { "\($0) (proxy to \(containerAddress):\($0.containerPort))" }.joined(separator: ", ")))
        lines.append("  commands:")
        let setUp = holder == nil ? ["ip netns add \(names.namespace)"] : ["ip netns attach \(names.namespace) <pid of \(holder ?? "")>"]
        lines += (setUp + commands(hostNamespace: hostNamespace, rulesFile: "<rules>", hostRulesFile: "<host rules>").map(\.text)).map { "    " + $0 }
        return lines.joined(separator: "\n")
    }
}
