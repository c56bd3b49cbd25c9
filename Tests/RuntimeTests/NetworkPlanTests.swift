import Foundation
import Policy
import Testing

@testable import Runtime

/// Issue 11: names, addresses and rules of a private container's network, without touching the host.
@Suite("network plan: names, /30 choice, rules")
struct NetworkPlanTests {
    static func spec(allow: [String] = [], ports: [PublishedPort] = []) -> NetworkSpec {
        let shaping = Shaping(rate: BitRate(bitsPerSecond: 2_000_000), burst: ByteSize(bytes: 32 << 10))
        return NetworkSpec(
            mode: .private, addressRange: NetworkProfile.defaultRange, egress: shaping, ingress: shaping,
            allow: allow.compactMap { try? EgressRule.parse($0).get() }, ports: ports)
    }

    @Test("interface names fit IFNAMSIZ, carry the state root's prefix, and differ between roots and containers")
    func names() {
        let a = NetworkNames(rootTag: "0123456789ab", id: String(repeating: "f", count: 32))
        let b = NetworkNames(rootTag: "0123456789ab", id: "web")
        let c = NetworkNames(rootTag: "ba9876543210", id: "web")
        for names in [a, b, c] {
            #expect(names.hostInterface.utf8.count == 15 && names.ifbInterface.utf8.count == 15)
            #expect(names.hostInterface.hasPrefix(names.rootPrefix) && names.hostInterface.hasSuffix("h") && names.ifbInterface.hasSuffix("i"))
        }
        #expect(a.hostInterface != b.hostInterface && b.hostInterface != c.hostInterface && b.rootPrefix != c.rootPrefix)
        #expect(b.namespace == "securerun-0123456789ab-web" && b.alias == "securerun 0123456789ab web")
        #expect(NetworkNames.id(in: b.namespace, prefix: "securerun-", rootTag: "0123456789ab") == "web")
        #expect(NetworkNames.id(in: c.namespace, prefix: "securerun-", rootTag: "0123456789ab") == nil)
    }

    @Test("the first free /30 skips every routed one, and a host route over the range is a conflict; securerun's own are not")
    func addressChoice() throws {
        let range = try #require(IPv4Network(parsing: "10.213.0.0/29"))
        let ours = HostRoute(network: try #require(IPv4Network(parsing: "10.213.0.0/30")), device: "srabcdefghijklh", text: "")
        #expect(AddressPool.firstFree(range, routes: [ours])?.description == "10.213.0.4/30")
        let second = HostRoute(network: try #require(IPv4Network(parsing: "10.213.0.4/30")), device: "sraaaaaaaaaaaah", text: "")
        #expect(AddressPool.firstFree(range, routes: [ours, second]) == nil)
        #expect(AddressPool.conflict(range, routes: [ours, second]) == nil)
        let lan = HostRoute(network: try #require(IPv4Network(parsing: "10.0.0.0/8")), device: "eth0", text: "10.0.0.0/8 dev eth0")
        #expect(AddressPool.conflict(range, routes: [lan])?.text == "10.0.0.0/8 dev eth0")
        let defaultRoute = HostRoute(network: IPv4Network(address: 0, prefix: 0), device: "eth0", text: "")
        #expect(AddressPool.conflict(range, routes: [defaultRoute]) == nil)
    }

    @Test("egress rules: only the host end and the list, metadata dropped before the list, IPv6 dropped, input only from the host end")
    func rules() throws {
        let subnet = try #require(IPv4Network(parsing: "10.213.0.8/30"))
        let plan = NetworkPlan(
            names: NetworkNames(rootTag: "0123456789ab", id: "web"), subnet: subnet,
            spec: Self.spec(allow: ["0.0.0.0/0:443/tcp", "192.168.1.1:53"]), holder: nil)
        #expect(plan.hostAddress == "10.213.0.9" && plan.containerAddress == "10.213.0.10")
        let rules = plan.containerRuleset
        let lines = rules.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let metadata = try #require(lines.firstIndex(of: "ip daddr 169.254.169.254 drop"))
        let wide = try #require(lines.firstIndex(of: "ip daddr 0.0.0.0/0 tcp dport 443 accept"))
        #expect(metadata < wide, "a wide entry must not open the metadata address")
        #expect(lines.contains("ip daddr 192.168.1.1/32 meta l4proto { tcp, udp } th dport 53 accept"))
        #expect(lines.contains("ip6 daddr fd00:ec2::254 drop") && lines.contains("meta nfproto ipv6 drop"))
        #expect(lines.contains("ip daddr 10.213.0.9 accept") && lines.contains("ip saddr 10.213.0.9 accept"))
        #expect(lines.contains("type filter hook output priority filter; policy drop;"))
        #expect(plan.forwards && plan.hostRuleset.contains("ip saddr 10.213.0.10 oifname != \"\(plan.names.hostInterface)\" oifname != \"sr*\" masquerade"))
        let listed = NetworkPlan(names: plan.names, subnet: subnet, spec: Self.spec(allow: ["169.254.169.254:80/tcp"]), holder: nil)
        #expect(!listed.containerRuleset.contains("169.254.169.254 drop"))
        let none = NetworkPlan(names: plan.names, subnet: subnet, spec: Self.spec(), holder: nil)
        #expect(!none.forwards)
    }

    @Test("the set-up shapes both ways: TBF on the host end, ingress redirected to the IFB device with TBF on it")
    func commands() throws {
        let plan = NetworkPlan(
            names: NetworkNames(rootTag: "0123456789ab", id: "web"), subnet: try #require(IPv4Network(parsing: "10.213.0.0/30")), spec: Self.spec(),
            holder: nil)
        let texts = plan.commands(hostNamespace: "/proc/1/ns/net", rulesFile: "/r", hostRulesFile: "/h").map(\.text)
        let host = plan.names.hostInterface
        let ifb = plan.names.ifbInterface
        #expect(texts.contains("tc qdisc add dev \(host) root handle 1: tbf rate 2000000bit burst 32768 latency 50ms"))
        #expect(texts.contains("tc qdisc add dev \(ifb) root handle 1: tbf rate 2000000bit burst 32768 latency 50ms"))
        #expect(texts.contains { $0.hasPrefix("tc filter add dev \(host) parent ffff:") && $0.hasSuffix("mirred egress redirect dev \(ifb)") })
        // The alias is set while the interface is still inside the container's namespace.
        let alias = try #require(texts.firstIndex { $0.contains("link set \(host) alias") })
        let moved = try #require(texts.firstIndex { $0.contains("link set \(host) netns") })
        #expect(alias < moved)
        #expect(texts.last == "ip netns exec \(plan.names.namespace) nft -f /r")
    }

    @Test("on a securerun network: a port of its bridge, an address in its subnet, rules that accept the network both ways; internal: no route out")
    func attachedPlan() throws {
        let names = NetworkNames(rootTag: "0123456789ab", id: "web")
        let subnet = try #require(IPv4Network(parsing: "10.214.3.0/24"))
        let bridge = NetworkNames.bridge(rootTag: "0123456789ab", network: "appnet")
        #expect(bridge.utf8.count == 15 && bridge.hasSuffix("b") && bridge.hasPrefix(names.rootPrefix))
        var plan = NetworkPlan(names: names, subnet: subnet, spec: Self.spec(allow: ["10.9.0.0/16"]), holder: nil)
        plan.attachment = .init(network: "appnet", bridge: bridge, address: subnet.address + 7, internal: false)
        #expect(plan.containerAddress == "10.214.3.7" && plan.hostAddress == "10.214.3.1")
        let commands = plan.commands(hostNamespace: "/proc/1/ns/net", rulesFile: "r", hostRulesFile: "h").map(\.text)
        #expect(commands.contains("ip link set \(names.hostInterface) master \(bridge)"))
        #expect(commands.contains("ip -n \(names.namespace) addr add 10.214.3.7/24 dev eth0"))
        #expect(commands.contains { $0.contains("route add default via 10.214.3.1") })
        #expect(!commands.contains { $0.contains("addr add 10.214.3.1/30") }, "the host end has no address of its own: the bridge has")
        #expect(plan.containerRuleset.contains("ip daddr 10.214.3.0/24 accept") && plan.containerRuleset.contains("ip saddr 10.214.3.0/24 accept"))
        #expect(plan.containerRuleset.contains("ip daddr 10.9.0.0/16 accept") && plan.forwards)
        // Forwarded traffic into another securerun interface is never masqueraded (it would arrive from a host end).
        #expect(plan.hostRuleset.contains("oifname != \"\(bridge)\" oifname != \"sr*\" masquerade"))
        plan.attachment?.internal = true
        let inside = plan.commands(hostNamespace: "/proc/1/ns/net", rulesFile: "r", hostRulesFile: "h").map(\.text)
        #expect(!inside.contains { $0.contains("route add default") } && !plan.forwards)
        #expect(!plan.containerRuleset.contains("10.9.0.0/16"), "an internal network ignores the allow-list")
        #expect(plan.containerRuleset.contains("ip daddr 10.214.3.1 reject"), "nor does it reach the host")
    }

    @Test("a network takes the first /24 of the pool that nothing routes and no other network has")
    func networkSubnetChoice() throws {
        let pool = SharedNetworks.defaultPool
        let taken = [try #require(IPv4Network(parsing: "10.214.0.0/24")), try #require(IPv4Network(parsing: "10.214.1.128/25"))]
        #expect(SharedNetworks.firstFree(in: pool, prefix: 24, taken: taken)?.description == "10.214.2.0/24")
        #expect(SharedNetworks.firstFree(in: pool, prefix: 24, taken: [pool]) == nil)
    }
}
