import Foundation
import Testing

@testable import Policy

/// Issue 11: the profile's `network:` section and the tighten-only network flags.
@Suite("network: profile section, --network, rates and -p")
struct NetworkPolicyTests {
    static let privateText = """
        name: unit
        network:
          mode: private
          addressRange: 10.214.0.0/24
          egressRate: 8mbit
          ingressRate: 4mbit
          ingressBurst: 16k
          egress:
            allow: [10.1.2.3:443/tcp, 192.168.0.0/16:53, 172.16.0.0/12]
          publish:
            allowed: true
            hostAddresses: [127.0.0.1, 127.0.0.2]
        """

    let profile: Profile
    let image = ImageDefaults(cmd: ["/bin/sh"])

    init() throws {
        profile = try ProfileFixtures.parse(Self.privateText)
    }

    func enforce(_ flags: [String], profile: Profile? = nil) throws -> NetworkSpec {
        try Policy.enforce(try Requests.parse(flags), profile: profile ?? self.profile, image: image).network
    }

    func refusal(_ flags: [String], profile: Profile? = nil) -> PolicyError? {
        do {
            _ = try enforce(flags, profile: profile)
            return nil
        } catch let error as PolicyError {
            return error
        } catch {
            Issue.record("\(flags) did not parse: \(error)")
            return nil
        }
    }

    func fieldError(_ text: String) -> String? {
        do {
            _ = try ProfileFixtures.parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: - Profiles

    @Test("network: none stays the shorthand, and no network: section means none")
    func shorthand() throws {
        #expect(try ProfileFixtures.parse("name: unit\nnetwork: none\n").network == .none)
        #expect(try ProfileFixtures.parse("name: unit\n").network.mode == .none)
        #expect(try ProfileFixtures.parse("name: unit\nnetwork:\n  mode: none\n").network.mode == .none)
        #expect(fieldError("name: unit\nnetwork: host\n")?.contains("field network: \"host\" is not a network mode") == true)
    }

    @Test("a private profile reads its range, both rates with bursts, the allow-list and the publish policy")
    func privateProfile() throws {
        let network = profile.network
        #expect(network.mode == .private)
        #expect(network.addressRange.description == "10.214.0.0/24")
        #expect(network.egress == Shaping(rate: BitRate(bitsPerSecond: 8_000_000), burst: ByteSize(bytes: 32 << 10)))
        #expect(network.ingress == Shaping(rate: BitRate(bitsPerSecond: 4_000_000), burst: ByteSize(bytes: 16 << 10)))
        #expect(network.egressAllow.map(\.description) == ["10.1.2.3:443/tcp", "192.168.0.0/16:53", "172.16.0.0/12"])
        #expect(network.publish == PublishPolicy(allowed: true, hostAddresses: ["127.0.0.1", "127.0.0.2"]))
    }

    @Test("the shipped service profile is private with both rates, publishing on 127.0.0.1 and no egress beyond the host end")
    func serviceProfile() throws {
        let network = try ProfileFixtures.shipped("service").network
        #expect(network.mode == .private && network.egress != nil && network.ingress != nil)
        #expect(network.egressAllow.isEmpty)
        #expect(network.publish == PublishPolicy(allowed: true, hostAddresses: ["127.0.0.1"]))
        #expect(try ProfileFixtures.shipped("default").network.mode == .none)
    }

    static let badProfiles: [(String, String, String)] = [
        (
            "private without egressRate stops one container taking the host's bandwidth", "network:\n  mode: private\n  ingressRate: 1mbit\n",
            "field network.egressRate: is required with mode private"
        ),
        ("private without ingressRate", "network:\n  mode: private\n  egressRate: 1mbit\n", "field network.ingressRate: is required"),
        ("a rate without a unit", "network:\n  mode: private\n  egressRate: 1000\n  ingressRate: 1mbit\n", "field network.egressRate: \"1000\" is not a rate"),
        ("a tiny rate", "network:\n  mode: private\n  egressRate: 1kbit\n  ingressRate: 1mbit\n", "below the 8kbit minimum"),
        ("a bad burst", "network:\n  mode: private\n  egressRate: 1mbit\n  egressBurst: 1\n  ingressRate: 1mbit\n", "field network.egressBurst"),
        ("a range over loopback", "network:\n  addressRange: 127.0.0.0/8\n", "overlaps 127.0.0.0/8, which is loopback"),
        ("a range over cloud metadata", "network:\n  addressRange: 169.254.0.0/16\n", "link-local"),
        ("a range with host bits", "network:\n  addressRange: 10.213.0.1/16\n", "has host bits set"),
        ("a range too small for a /30", "network:\n  addressRange: 10.213.0.0/31\n", "must be a /8 to /30"),
        ("a range in octal", "network:\n  addressRange: 010.213.0.0/16\n", "is not an IPv4 CIDR range"),
        ("an IPv6 egress entry", "network:\n  egress:\n    allow: [\"[fd00:ec2::254]:80\"]\n", "IPv6 is not routed"),
        ("an egress entry reaching other containers", "network:\n  egress:\n    allow: [10.213.5.0/24]\n", "where other containers live"),
        ("an egress entry with a bad port", "network:\n  egress:\n    allow: [10.0.0.0/8:99999]\n", "field network.egress.allow[0]"),
        ("a publish address that is not one", "network:\n  publish:\n    hostAddresses: [localhost]\n", "field network.publish.hostAddresses[0]"),
        ("publishing with mode none", "network:\n  publish:\n    allowed: true\n", "ports can only be published with mode private"),
        ("a misspelt key", "network:\n  mode: private\n  egresRate: 1mbit\n", "unknown field network.egresRate"),
        ("a misspelt nested key", "network:\n  publish:\n    allow: true\n", "unknown field network.publish.allow"),
    ]

    @Test("a profile with a bad network section names the field and why", arguments: badProfiles)
    func badProfile(_ name: String, _ text: String, _ expected: String) {
        let message = fieldError("name: unit\n" + text)
        #expect(message?.contains(expected) == true, "\(name): \(message ?? "loaded")")
    }

    // MARK: - Requests

    @Test("a plain request gets the profile's network: rates, allow-list, no ports")
    func plain() throws {
        let network = try enforce([])
        #expect(network.mode == .private && network.egress == profile.network.egress && network.ingress == profile.network.ingress)
        #expect(network.allow == profile.network.egressAllow && network.ports.isEmpty)
    }

    @Test("--network none tightens private to none; --network private keeps it")
    func tightenToNone() throws {
        #expect(try enforce(["--network", "none"]) == .none)
        #expect(try enforce(["--net=private"]).mode == .private)
    }

    @Test("--network private on a none profile, or host, bridge, container: are refused: a request never widens the network [SR012]")
    func widening() throws {
        let none = try ProfileFixtures.parse("name: unit\n")
        for (mode, profile) in [("private", none), ("host", profile), ("bridge", profile), ("container:abc", profile), ("host", none)] {
            guard case .violation(let violation) = refusal(["--network", mode], profile: profile) else {
                Issue.record("--network \(mode) was not refused")
                continue
            }
            #expect(violation.rule == .network && violation.flag == "--network \(mode)", "\(violation)")
        }
    }

    @Test("rates may only go down: a higher --egress-rate or --ingress-rate is refused [SR025]")
    func rates() throws {
        let lowered = try enforce(["--egress-rate", "2mbit", "--ingress-rate=500kbit"])
        #expect(lowered.egress?.rate.bitsPerSecond == 2_000_000 && lowered.ingress?.rate.bitsPerSecond == 500_000)
        #expect(lowered.egress?.burst == profile.network.egress?.burst)
        for flags in [["--egress-rate", "9mbit"], ["--ingress-rate", "1gbit"]] {
            guard case .violation(let violation) = refusal(flags) else {
                Issue.record("\(flags) was not refused")
                continue
            }
            #expect(violation.rule == .bandwidth && violation.flag == flags.joined(separator: " "), "\(violation)")
            #expect(violation.description.contains("[SR025 bandwidth-ceiling]"), "\(violation)")
        }
        #expect(throws: (any Error).self) { try Requests.parse(["--egress-rate", "fast"]) }
        #expect(refusal(["--network", "none", "--egress-rate", "1mbit"])?.description.contains("there is no traffic to shape") == true)
    }

    @Test("-p binds the profile's first host address by default, keeps udp, and refuses duplicates")
    func publish() throws {
        let ports = try enforce(["-p", "8080:80", "-p", "127.0.0.2:8081:81/udp", "--publish=127.0.0.1:9000:9000/TCP"]).ports
        #expect(ports.map(\.description) == ["127.0.0.1:8080->80/tcp", "127.0.0.2:8081->81/udp", "127.0.0.1:9000->9000/tcp"])
        #expect(refusal(["-p", "8080:80", "-p", "127.0.0.1:8080:81"])?.description.contains("published twice") == true)
        for bad in ["80", "8080-8090:80-90", "8080:80/sctp", ":80"] {
            guard case .invalidRequest = refusal(["-p", bad]) else {
                Issue.record("-p \(bad) was not refused as malformed")
                continue
            }
        }
    }

    static let refusedPublish: [(String, String, String)] = [
        ("a privileged host port (the host's own services live below 1024)", "127.0.0.1:80:80", "host ports below 1024"),
        ("a host address outside the profile's list (all interfaces)", "0.0.0.0:8080:80", "only on 127.0.0.1, 127.0.0.2"),
        ("a host address outside the profile's list (the LAN)", "192.0.2.2:8080:80", "network.publish.hostAddresses"),
        ("an IPv6 host address", "[::1]:8080:80", "network.publish.hostAddresses"),
    ]

    @Test("-p is refused, naming the rule, for ports and addresses the profile does not allow [SR026]", arguments: refusedPublish)
    func publishRefused(_ name: String, _ text: String, _ expected: String) {
        guard case .violation(let violation) = refusal(["-p", text]) else {
            Issue.record("\(name): -p \(text) was not refused")
            return
        }
        #expect(violation.rule == .publish && violation.flag == "-p \(text)", "\(name)")
        #expect(violation.description.contains(expected) && violation.description.contains("[SR026 published-ports]"), "\(violation)")
    }

    @Test("-p is refused where the profile publishes nothing, and with --network none [SR026]")
    func publishWithoutPermission() throws {
        let closed = try ProfileFixtures.parse(Self.privateText.replacingOccurrences(of: "allowed: true", with: "allowed: false"))
        for (flags, profile) in [
            (["-p", "127.0.0.1:8080:80"], closed), (["--network", "none", "-p", "8080:80"], self.profile),
            (["-p", "8080:80"], try ProfileFixtures.shipped("default")),
        ] {
            guard case .violation(let violation) = refusal(flags, profile: profile) else {
                Issue.record("\(flags) was not refused")
                continue
            }
            #expect(violation.rule == .publish, "\(violation)")
        }
    }

    @Test("docker's other network flags are refused under private networking too, each with why")
    func otherNetworkFlags() throws {
        for flags in [["-P"], ["--dns", "1.1.1.1"], ["--add-host", "db:10.0.0.5"], ["--ip", "10.213.0.9"], ["--network-alias", "web"]] {
            guard case .violation(let violation) = refusal(flags) else {
                Issue.record("\(flags) was not refused")
                continue
            }
            #expect(violation.rule == .network, "\(violation)")
        }
        let all = Policy.requestViolations(try Requests.parse(["--network", "host", "-p", "80:80", "--egress-rate", "1gbit"]), profile: profile)
        #expect(Set(all.map(\.rule)) == [.network, .publish, .bandwidth], "lint sees every network refusal: \(all)")
    }

    // MARK: - Values

    @Test("rates parse as tc writes them, decimal multiples, bytes for bps")
    func bitRates() {
        #expect(BitRate(parsing: "10mbit")?.bitsPerSecond == 10_000_000)
        #expect(BitRate(parsing: "1.5Mbit")?.bitsPerSecond == 1_500_000)
        #expect(BitRate(parsing: "500kbit")?.description == "500kbit")
        #expect(BitRate(parsing: "1gbit")?.description == "1gbit")
        #expect(BitRate(parsing: "1mbps")?.bitsPerSecond == 8_000_000)
        for bad in ["", "mbit", "10", "-1mbit", "1e3kbit", "1..5mbit", "10 mbit", "nanmbit"] {
            #expect(BitRate(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("IPv4 networks are plain dotted quads; overlap and containment")
    func networks() throws {
        let range = try #require(IPv4Network(parsing: "10.213.0.0/16"))
        #expect(range.contains(try #require(IPv4Network.parseAddress("10.213.255.254"))))
        #expect(range.overlaps(try #require(IPv4Network(parsing: "10.0.0.0/8"))))
        #expect(!range.overlaps(try #require(IPv4Network(parsing: "10.214.0.0/16"))))
        for bad in ["10.213.0", "10.213.0.0.0", "0x0a.0.0.0", "010.0.0.0", "10.213.0.0/33", "10.213.0.0/", "256.0.0.0"] {
            #expect(IPv4Network(parsing: bad) == nil, "\(bad)")
        }
    }

    // MARK: - Networks between containers (issue 22)

    @Test("--network NAME joins a securerun network only where network.allowedNetworks lists it (or *); elsewhere SR012 names the list")
    func allowedNetworks() throws {
        let listed = try ProfileFixtures.parse(Self.privateText.replacingOccurrences(of: "  publish:", with: "  allowedNetworks: [appnet]\n  publish:"))
        #expect(try enforce(["--network", "appnet"], profile: listed).attach == "appnet")
        #expect(try enforce([], profile: listed).attach == nil, "no --network: a link of its own, as before")
        let other = refusal(["--network", "othernet"], profile: listed)
        #expect(other?.rule == .network && other?.description.contains("network.allowedNetworks: appnet") == true, "\(String(describing: other))")
        let none = refusal(["--network", "appnet"])
        #expect(none?.rule == .network && none?.description.contains("network.allowedNetworks: none") == true, "\(String(describing: none))")
        let any = try ProfileFixtures.parse(Self.privateText.replacingOccurrences(of: "  publish:", with: "  allowedNetworks: [\"*\"]\n  publish:"))
        #expect(try enforce(["--network", "whatever"], profile: any).attach == "whatever")
        // Names --network already gives a meaning never become a network, even under *.
        #expect(try enforce(["--network", "none"], profile: any).mode == .none)
        #expect(refusal(["--network", "host"], profile: any)?.rule == .network)
        #expect(refusal(["--network", "bridge"], profile: any) != nil)
        #expect(refusal(["--network", "../etc"], profile: any) != nil, "a name that could be a path is refused")
    }

    @Test("attack: a container that may send raw frames (NET_RAW, NET_ADMIN) cannot join a shared network, where it could pose as another")
    func rawFramesStayOffSharedNetworks() throws {
        let text = Self.privateText.replacingOccurrences(of: "  publish:", with: "  allowedNetworks: [appnet]\n  publish:") + "\ncapabilities: [NET_RAW]\n"
        let profile = try ProfileFixtures.parse(text)
        #expect(try enforce(["--cap-add", "NET_RAW"], profile: profile).attach == nil, "a link of its own may keep it")
        let refused = refusal(["--cap-add", "NET_RAW", "--network", "appnet"], profile: profile)
        #expect(refused?.rule == .network && refused?.description.contains("CAP_NET_RAW could forge") == true, "\(String(describing: refused))")
        #expect(try enforce(["--cap-drop", "NET_RAW", "--network", "appnet"], profile: profile).attach == "appnet", "without it, it joins")
    }

    @Test("network.allowedNetworks: only with mode private, and only network names or *")
    func allowedNetworksValidation() {
        let underNone = "name: unit\nnetwork:\n  mode: none\n  allowedNetworks: [appnet]\n"
        #expect(fieldError(underNone)?.contains("network.allowedNetworks") == true && fieldError(underNone)?.contains("mode private") == true)
        let bad = Self.privateText.replacingOccurrences(of: "  publish:", with: "  allowedNetworks: [\"a/b\"]\n  publish:")
        #expect(fieldError(bad)?.contains("network.allowedNetworks[0]") == true, "\(String(describing: fieldError(bad)))")
        let reserved = Self.privateText.replacingOccurrences(of: "  publish:", with: "  allowedNetworks: [host]\n  publish:")
        #expect(fieldError(reserved)?.contains("already means something to --network") == true)
    }
}
