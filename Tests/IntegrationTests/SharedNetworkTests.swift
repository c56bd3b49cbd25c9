import Foundation
import Testing

/// Issue 22: securerun networks between containers, seen from inside real runc containers. Only the
/// networks' own bridges, the containers' namespaces and a namespace the test makes are touched.
@Suite("network create/rm and run --network NAME: containers that reach each other, and nothing else", .serialized, .sharedHost)
struct SharedNetworkTests {
    /// A profile whose containers may join any securerun network.
    static func profile(_ network: NetworkFixture, _ name: String, extra: String = "") throws -> String {
        try network.profile(name, extra: "  allowedNetworks: [\"*\"]\n" + extra)
    }

    /// The address `inspect` shows for container `reference`.
    static func address(_ network: NetworkFixture, _ reference: String) throws -> String {
        let result = try network.cli.run(["inspect", reference])
        let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        guard let plan = array?.first?["network"] as? [String: Any], let address = plan["containerAddress"] as? String else {
            throw TestFailure("inspect shows no network address: \(result)")
        }
        return address
    }

    static let server = "busybox mkdir -p /tmp/www && echo answer-from-db > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www"

    @Test("a web container reaches the database container by name on their network; one on another network, or with network none, cannot reach it")
    func reachByNameOnlyOnTheSameNetwork() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try Self.profile(network, "shared-web")
        defer { _ = try? network.cli.run(["network", "rm", "appnet", "othernet"]) }
        for name in ["appnet", "othernet"] {
            let created = try network.cli.run(["network", "create", name])
            #expect(created.status == 0 && created.stdout == "\(name)\n", "\(created)")
        }
        let db = try network.detach(["--name", "db", "--network", "appnet"], ["sh", "-c", Self.server], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", db]) }
        let dbAddress = try Self.address(network, "db")
        let fetch = "i=0; while [ $i -lt 50 ]; do busybox timeout 3 busybox wget -q -O - http://db:8080/ && exit 0; i=$((i+1)); sleep 0.2; done; exit 1"
        let web = try network.cli.run(
            ["run", "--rm", "--profile", profile, "--network", "appnet", "--name", "web", network.image, "sh", "-c", fetch], timeout: 60)
        #expect(web.status == 0 && web.stdout == "answer-from-db\n", "\(web)")
        let hosts = try network.cli.run(["run", "--rm", "--profile", profile, "--network", "appnet", network.image, "cat", "/etc/hosts"])
        #expect(hosts.stdout.contains("\(dbAddress)\tdb\t"), "the network's hosts file names db: \(hosts)")
        // Neither by name (nothing names db there) nor by address (no route, and db accepts only its network).
        let probe =
            "busybox timeout 3 busybox wget -q -O - http://db:8080/; echo name $?; busybox timeout 3 busybox wget -q -O - http://\(dbAddress):8080/; echo address $?"
        for flags in [["--network", "othernet"], ["--network", "none"]] {
            let other = try network.cli.run(["run", "--rm", "--profile", profile] + flags + [network.image, "sh", "-c", probe], timeout: 60)
            #expect(other.status == 0, "\(flags): \(other)")
            #expect(other.stdout.contains("name 1") && other.stdout.contains("address 1") && !other.stdout.contains("answer-from-db"), "\(flags): \(other)")
        }
        let listed = try network.cli.run(["network", "inspect", "appnet"])
        #expect(listed.stdout.contains("\"address\" : \"\(dbAddress)\""), "\(listed)")
        let busy = try network.cli.run(["network", "rm", "appnet"])
        #expect(busy.status != 0 && busy.stderr.contains("containers are on it (\(db))"), "a network in use stays: \(busy)")
        _ = try network.cli.run(["rm", "-f", db])
        let removed = try network.cli.run(["network", "rm", "appnet", "othernet"])
        #expect(removed.status == 0, "\(removed)")
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    @Test("the docker backend joins the same network through its holder: a container on the engine reaches a runc container by name, shaped alike")
    func dockerBackendJoins() throws {
        guard let network = try NetworkFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let profile = try Self.profile(network, "shared-docker")
        defer { _ = try? network.cli.run(["network", "rm", "mixed"]) }
        #expect(try network.cli.run(["network", "create", "mixed"]).status == 0)
        let db = try network.detach(["--name", "db", "--network", "mixed"], ["sh", "-c", Self.server], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", db]) }
        let fetch = "i=0; while [ $i -lt 50 ]; do busybox timeout 3 busybox wget -q -O - http://db:8080/ && exit 0; i=$((i+1)); sleep 0.2; done; exit 1"
        let web = try network.cli.run(
            ["run", "--rm", "--runtime", "docker", "--profile", profile, "--network", "mixed", network.image, "sh", "-c", fetch + "; cat /etc/hosts"],
            timeout: 120)
        #expect(web.status == 0 && web.stdout.hasPrefix("answer-from-db\n"), "\(web)")
        let row = try #require(Self.row(network, "mixed"))
        #expect((row["containers"] as? [[String: Any]])?.count == 1, "the engine's container left the network when it ended: \(row)")
        _ = try network.cli.run(["rm", "-f", db])
        #expect(try network.cli.run(["network", "rm", "mixed"]).status == 0)
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    @Test("an --internal network reaches nothing outside it (not an address its profile lists, not the host), while its containers reach each other")
    func internalReachesNothingOutside() throws {
        guard let network = try NetworkFixture.available() else { return }
        let peer = try TestNamespace(name: "srtest-\(UUID().uuidString.prefix(6).lowercased())", log: network.directory.appendingPathComponent("peer.out"))
        defer { peer.remove() }
        let profile = try Self.profile(network, "shared-internal", extra: "  egress:\n    allow: [\(peer.listed):8080/tcp]\n")
        defer { _ = try? network.cli.run(["network", "rm", "inside", "outside"]) }
        #expect(try network.cli.run(["network", "create", "--internal", "inside"]).status == 0)
        #expect(try network.cli.run(["network", "create", "outside"]).status == 0)
        for name in ["inside", "outside"] {
            let bridge = try #require(Self.bridge(network, name))
            try NetworkFixture.forwardArriving(on: bridge)
        }
        let db = try network.detach(["--name", "db", "--network", "inside"], ["sh", "-c", Self.server], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", db]) }
        // A server on the host at each network's gateway: the host end a container that is not internal reaches.
        let gateways = try ["inside", "outside"].map { try #require(Self.gateway(network, $0)) }
        let port = try BlockedPort.free()
        let servers = try gateways.map { gateway in
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            server.arguments = ["-m", "http.server", "\(port)", "--bind", gateway, "--directory", network.directory.path]
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            return server
        }
        defer { for server in servers { server.terminate() } }
        try "host-answer\n".write(to: network.directory.appendingPathComponent("host.txt"), atomically: true, encoding: .utf8)
        let script = """
            member=1; i=0; while [ $i -lt 50 ]; do if busybox timeout 3 busybox wget -q -O - http://db:8080/; then member=0; break; fi; i=$((i+1)); sleep 0.2; done; echo member $member
            busybox nc -w 3 \(peer.listed) 8080 </dev/null; echo listed $?
            busybox timeout 3 busybox wget -q -O - http://\(gateways[0]):\(port)/host.txt; echo host $?
            busybox ip route
            """
        let inside = try network.cli.run(["run", "--rm", "--profile", profile, "--network", "inside", network.image, "sh", "-c", script], timeout: 90)
        #expect(inside.stdout.contains("answer-from-db\nmember 0") && inside.stdout.contains("listed 1") && inside.stdout.contains("host 1"), "\(inside)")
        #expect(!inside.stdout.contains("default") && !inside.stdout.contains("hello from"), "no route out of an internal network: \(inside)")
        // The same profile on a network that is not internal reaches the listed address: the refusal above is the network's.
        let reach = """
            i=0; while [ $i -lt 50 ]; do busybox nc -w 3 \(peer.listed) 8080 </dev/null && break; i=$((i+1)); sleep 0.2; done
            i=0; while [ $i -lt 50 ]; do busybox timeout 3 busybox wget -q -O - http://\(gateways[1]):\(port)/host.txt && exit 0; i=$((i+1)); sleep 0.2; done; exit 1
            """
        let outside = try network.cli.run(["run", "--rm", "--profile", profile, "--network", "outside", network.image, "sh", "-c", reach], timeout: 90)
        #expect(outside.status == 0 && outside.stdout.contains("hello from \(peer.listed)") && outside.stdout.contains("host-answer"), "\(outside)")
        _ = try network.cli.run(["rm", "-f", db])
        #expect(try network.cli.run(["network", "rm", "inside", "outside"]).status == 0)
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    @Test("--network NAME is refused with its rule id where the profile lists no networks, and a network that does not exist refuses the start")
    func refusedWhereTheProfileForbids() throws {
        guard let network = try NetworkFixture.available() else { return }
        let closed = try network.profile("shared-closed")
        let open = try Self.profile(network, "shared-open")
        defer { _ = try? network.cli.run(["network", "rm", "appnet"]) }
        #expect(try network.cli.run(["network", "create", "appnet"]).status == 0)
        let refused = try network.cli.run(["run", "--rm", "--profile", closed, "--network", "appnet", network.image, "true"])
        #expect(
            refused.status == 125 && refused.stderr.contains("[SR012 network-mode]") && refused.stderr.contains("network.allowedNetworks: none"), "\(refused)")
        let missing = try network.cli.run(["run", "--rm", "--profile", open, "--network", "nosuchnet", network.image, "true"])
        #expect(missing.status != 0 && missing.stderr.contains("network nosuchnet: no such network"), "\(missing)")
        for bad in ["host", "../x", "-x"] {
            let created = try network.cli.run(["network", "create", "--", bad])
            #expect(created.status != 0 && created.stderr.contains("network \(bad)"), "\(bad): \(created)")
        }
        let ps = try network.cli.run(["ps", "-a", "-q"])
        #expect(ps.stdout.isEmpty, "no half-started container: \(ps)")
        #expect(try network.cli.run(["network", "rm", "appnet"]).status == 0)
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    @Test("gc removes the bridge of a network whose record a killed securerun lost, and only that one")
    func gcRemovesOrphanBridges() throws {
        guard let network = try NetworkFixture.available() else { return }
        defer { _ = try? network.cli.run(["network", "rm", "kept", "lost"]) }
        #expect(try network.cli.run(["network", "create", "kept"]).status == 0)
        #expect(try network.cli.run(["network", "create", "lost"]).status == 0)
        let lost = try #require(Self.bridge(network, "lost"))
        try FileManager.default.removeItem(at: network.cli.root.appendingPathComponent("networks/lost.json"))
        let gc = try network.cli.run(["gc"])
        #expect(gc.stdout.contains("removed bridge \(lost) of network lost"), "\(gc)")
        #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/\(lost)"))
        #expect(Self.bridge(network, "kept") != nil, "a network still recorded keeps its bridge")
        #expect(try network.cli.run(["network", "rm", "kept"]).status == 0)
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    static func row(_ network: NetworkFixture, _ name: String) -> [String: Any]? {
        guard let result = try? network.cli.run(["network", "inspect", name]), result.status == 0,
            let rows = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        else { return nil }
        return rows.first
    }

    /// The network's bridge, when it exists on the host.
    static func bridge(_ network: NetworkFixture, _ name: String) -> String? {
        guard let bridge = row(network, name)?["bridge"] as? String, FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)") else { return nil }
        return bridge
    }

    static func gateway(_ network: NetworkFixture, _ name: String) -> String? { row(network, name)?["gateway"] as? String }
}
