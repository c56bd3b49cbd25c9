import Foundation
import Testing

/// A state root of its own with the busybox image and private-network profiles, and what the network
/// tests look at on the host (interfaces, namespaces, nftables tables, docker holders of this root).
struct NetworkFixture {
    let isolated: RunMountTests.Isolated
    var cli: CLI { isolated.cli }
    var image: String { isolated.image }
    var directory: URL { isolated.temp.url }
    var rootTag: String { RunFixture.cgroupTag(root: cli.root) }

    /// Network tests need the fixture, iproute2, tc, nft and python3 (and under CI every one of them).
    static func available(sourceLocation: SourceLocation = #_sourceLocation) throws -> NetworkFixture? {
        guard let fixture = RunFixture.available(sourceLocation: sourceLocation),
            Requirements.met(tools: ["ip", "tc", "nft", "python3", "sysctl"], sourceLocation: sourceLocation)
        else { return nil }
        return try NetworkFixture(isolated: RunMountTests.Isolated(fixture))
    }

    /// A private-network profile (unattested images admitted) with `network` lines added under `network:`.
    func profile(_ name: String, egress: String = "8mbit", ingress: String = "8mbit", extra: String = "") throws -> String {
        let network = """
            network:
              mode: private
              egressRate: \(egress)
              egressBurst: 16k
              ingressRate: \(ingress)
              ingressBurst: 16k
              publish:
                allowed: true
                hostAddresses: [127.0.0.1]
            \(extra)
            """
        return try RunFixture.writeProfile(in: directory, name: name, extra: network)
    }

    /// `run -d` with `flags`; returns the id.
    func detach(_ flags: [String], _ command: [String], profile: String) throws -> String {
        let result = try cli.run(["run", "-d", "--profile", profile] + flags + [image] + command)
        guard result.status == 0 else { throw TestFailure("run -d failed: \(result)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The host end's and the container's addresses of a running private container, from `inspect`.
    func addresses(_ reference: String) throws -> (host: String, container: String) {
        let result = try cli.run(["inspect", reference])
        let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        guard let network = array?.first?["network"] as? [String: Any], let subnet = network["subnet"] as? String else {
            throw TestFailure("inspect shows no network: \(result)")
        }
        let base = subnet.split(separator: "/")[0].split(separator: ".").compactMap { Int($0) }
        guard base.count == 4 else { throw TestFailure("bad subnet \(subnet)") }
        let prefix = base[0...2].map(String.init).joined(separator: ".")
        return ("\(prefix).\(base[3] + 1)", "\(prefix).\(base[3] + 2)")
    }

    /// The host-side interfaces of container `id` (its veth host end and IFB device), by their alias.
    func interfaces(of id: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []).filter { name in
            let alias = (try? String(contentsOfFile: "/sys/class/net/\(name)/ifalias", encoding: .utf8)) ?? ""
            return alias.trimmingCharacters(in: .whitespacesAndNewlines) == "securerun \(rootTag) \(id)"
        }.sorted()
    }

    /// Lets the host forward what container `id` sends beyond its host end (to a namespace the test made),
    /// by that interface's own forwarding switch: gone with the interface, and no other traffic is forwarded.
    func forward(_ id: String) throws {
        let names = interfaces(of: id)
        guard !names.isEmpty else { throw TestFailure("container \(id) has no host interface") }
        for name in names { try Self.forwardArriving(on: name) }
    }

    /// `net.ipv4.conf.NAME.forwarding=1`: IPv4 forwards a packet when the interface it arrived on allows it
    /// (the host-wide net.ipv4.ip_forward sets every interface's at once, which these tests never do).
    static func forwardArriving(on name: String) throws {
        try "1\n".write(toFile: "/proc/sys/net/ipv4/conf/\(name)/forwarding", atomically: false, encoding: .utf8)
    }

    /// `python3 Tests/tools/netmeasure.py MODE …`: the rates (bit/s) it printed.
    static func measure(_ mode: String, _ address: String, _ port: Int, bytes: Int, count: Int) throws -> [Double] {
        let tool = CLI.packageRoot.appendingPathComponent("Tests/tools/netmeasure.py").path
        let result = try CLI.exec("python3", [tool, mode, address, "\(port)", "\(bytes)", "\(count)"], timeout: 120)
        let rates = result.stdout.split(separator: "\n").compactMap { line -> Double? in
            line.hasPrefix("rate ") ? Double(line.dropFirst(5)) : nil
        }
        guard rates.count == count else { throw TestFailure("netmeasure \(mode) \(address):\(port): \(result)") }
        return rates
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// Everything of this state root's networks on the host: interfaces, named namespaces, nftables
    /// tables, qdiscs on its interfaces, docker holders, kept plans.
    func networkLeftovers() -> [String] {
        var found: [String] = []
        let prefix = "sr"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? [] where name.hasPrefix(prefix) {
            let alias = (try? String(contentsOfFile: "/sys/class/net/\(name)/ifalias", encoding: .utf8)) ?? ""
            if alias.contains("securerun \(rootTag) ") || alias.contains("securerun-network \(rootTag) ") {
                found.append("interface \(name) (\(alias.trimmingCharacters(in: .whitespacesAndNewlines)))")
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [] where name.hasPrefix("securerun-\(rootTag)-") {
            found.append("netns \(name)")
        }
        if let tables = try? CLI.exec("nft", ["list", "tables"]) {
            found += tables.stdout.split(separator: "\n").filter { $0.contains("securerun-\(rootTag)-") || $0.contains("srnet-\(rootTag)-") }.map {
                "nft \($0)"
            }
        }
        if let qdiscs = try? CLI.exec("tc", ["qdisc", "show"]) {
            let ours = Set(found.compactMap { $0.hasPrefix("interface ") ? $0.split(separator: " ")[1] : nil })
            found += qdiscs.stdout.split(separator: "\n").filter { line in ours.contains { line.contains(" dev \($0) ") } }.map { "qdisc \($0)" }
        }
        if Requirements.which("docker") != nil,
            let holders = try? CLI.exec("docker", ["ps", "-a", "--filter", "label=securerun.root=\(rootTag)", "--format", "{{.Names}}"], timeout: 20)
        {
            found += holders.stdout.split(separator: "\n").map { "docker \($0)" }
        }
        let plans = cli.root.appendingPathComponent("network").path
        found += ((try? FileManager.default.contentsOfDirectory(atPath: plans)) ?? []).map { "plan \($0)" }
        return found
    }
}
