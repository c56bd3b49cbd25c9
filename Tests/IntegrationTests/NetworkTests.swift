import Foundation
import Testing

/// Issue 11: private networking seen from inside real containers, and what it leaves on the host. Only
/// loopback, the containers' own namespaces and their host ends, and a namespace the test makes are used.
@Suite("network: isolation, egress allow-list, published ports, clean-up", .serialized)
struct NetworkTests {
    @Test("--network none and the default profile give a container only lo (nothing to reach, nothing to attack)")
    func noneSeesOnlyLoopback() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-none")
        for (flags, profileName) in [(["--network", "none"], profile), ([], network.isolated.fixture.profile)] {
            let result = try network.cli.run(["run", "--profile", profileName] + flags + [network.image, "ls", "/sys/class/net"])
            #expect(result.status == 0 && result.stdout == "lo\n", "\(flags): \(result)")
        }
        #expect(network.networkLeftovers().isEmpty)
    }

    @Test("a private container reaches its host end only: it cannot change its routes or rules (no CAP_NET_ADMIN), and IPv6 is off")
    func hostEndOnly() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-host-end")
        let script = """
            busybox ip route add 10.0.0.0/8 dev eth0 2>&1; echo route $?
            busybox ip link set eth0 down 2>&1; echo link $?
            cat /proc/sys/net/ipv6/conf/all/disable_ipv6
            ls /sys/class/net
            """
        let result = try network.cli.run(["run", "--profile", profile, network.image, "sh", "-c", script])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("route 2") && result.stdout.contains("link 2") && result.stdout.contains("Operation not permitted"), "\(result)")
        #expect(result.stdout.contains("1\neth0\nlo\n"), "\(result)")
        #expect(network.networkLeftovers().isEmpty)
    }

    @Test("--dry-run prints the network plan beside the config: namespace, addresses, routes, qdiscs, filters, egress rules, ports")
    func dryRunPlan() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-plan")
        let result = try network.cli.run(["run", "--dry-run", "--profile", profile, "-p", "127.0.0.1:18080:80", "--name", "planned", network.image, "true"])
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        let namespaces = ((json["linux"] as? [String: Any])?["namespaces"] as? [[String: Any]]) ?? []
        #expect(namespaces.contains { $0["type"] as? String == "network" && $0["path"] as? String == "/run/netns/securerun-\(network.rootTag)-planned" })
        for expected in [
            "namespace: /run/netns/securerun-\(network.rootTag)-planned", "addresses: host end", "routes: in the container, default via",
            "root tbf 8mbit burst 16k (into the container)", "mirred egress redirect dev", "ip daddr 169.254.169.254 drop",
            "policy drop", "ports: 127.0.0.1:18080->80/tcp",
        ] {
            #expect(result.stderr.contains(expected), "\(expected) missing from \(result.stderr)")
        }
        #expect(network.networkLeftovers().isEmpty, "a dry run makes nothing")
    }

    @Test(
        "the egress allow-list: a listed address:port answers, an unlisted address does not, 169.254.169.254 is unreachable, and containers never reach one another"
    )
    func egressAllowList() throws {
        guard let network = try NetworkFixture.available() else { return }
        let peer = try TestNamespace(name: "srtest-\(UUID().uuidString.prefix(6).lowercased())")
        defer { peer.remove() }
        let profile = try network.profile("private-egress", extra: "  egress:\n    allow: [\(TestNamespace.listed):8080/tcp]\n")
        // Both servers answer the host, so a silent one in the container is the rule's doing.
        #expect(try peer.fetch(TestNamespace.listed) == "hello from \(TestNamespace.listed)")
        #expect(try peer.fetch(TestNamespace.unlisted) == "hello from \(TestNamespace.unlisted)")
        let other = try network.detach(["--name", "neighbour"], ["busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "neighbour"], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", other]) }
        let neighbour = try network.addresses(other).container
        let script = """
            busybox nc -w 3 \(TestNamespace.listed) 8080 </dev/null; echo listed $?
            busybox nc -w 3 \(TestNamespace.unlisted) 8080 </dev/null; echo unlisted $?
            busybox nc -w 3 \(TestNamespace.listed) 8081 </dev/null; echo other-port $?
            busybox nc -w 3 169.254.169.254 80 </dev/null; echo metadata $?
            busybox nc -w 3 \(neighbour) 7000 </dev/null; echo neighbour $?
            """
        let result = try network.cli.run(["run", "--profile", profile, network.image, "sh", "-c", script], timeout: 60)
        #expect(result.stdout.contains("hello from \(TestNamespace.listed)\nlisted 0"), "\(result)")
        for line in ["unlisted 1", "other-port 1", "metadata 1", "neighbour 1"] {
            #expect(result.stdout.contains(line), "\(line) missing: \(result)")
        }
        #expect(!result.stdout.contains("hello from \(TestNamespace.unlisted)") && !result.stdout.contains("neighbour\n"), "\(result)")
        _ = try network.cli.run(["rm", "-f", other])
        _ = try network.cli.run(["gc"])
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    static func fetch(_ port: Int) throws -> String {
        let script =
            "import socket,sys\ns=socket.create_connection(('127.0.0.1',\(port)),timeout=5)\ns.sendall(b'GET /index.html HTTP/1.0\\r\\n\\r\\n')\nb=b''\nwhile True:\n  c=s.recv(4096)\n  if not c: break\n  b+=c\nsys.stdout.write(b.decode(errors='replace'))\n"
        return try CLI.exec("python3", ["-c", script], timeout: 20).stdout
    }

    static func publishedPort(runtime: String, port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let network = try NetworkFixture.available(sourceLocation: sourceLocation) else { return }
        if runtime == "docker" { guard DockerBackendTests.engineAvailable(sourceLocation: sourceLocation) else { return } }
        let profile = try network.profile("private-publish")
        let script = "busybox mkdir -p /tmp/www && echo published-\(runtime) > /tmp/www/index.html && exec busybox httpd -f -p 80 -h /tmp/www"
        let id = try network.detach(["--runtime", runtime, "-p", "127.0.0.1:\(port):80"], ["sh", "-c", script], profile: profile)
        var answer = ""
        for _ in 0..<50 {
            answer = (try? fetch(port)) ?? ""
            if answer.contains("published-\(runtime)") { break }
            usleep(100_000)
        }
        #expect(answer.contains("200 OK") && answer.contains("published-\(runtime)"), "\(runtime): \(answer)", sourceLocation: sourceLocation)
        #expect(try network.cli.run(["stop", "-t", "1", id]).status == 0, sourceLocation: sourceLocation)
        #expect(try network.cli.run(["wait", id]).status == 0, sourceLocation: sourceLocation)
        #expect(((try? fetch(port)) ?? "").isEmpty, "the port is closed once the container stops", sourceLocation: sourceLocation)
        _ = try network.cli.run(["rm", id])
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())", sourceLocation: sourceLocation)
    }

    @Test("-p 127.0.0.1:PORT:80 reaches a server in a detached runc container, and closes when it stops")
    func publishedPortRunc() throws { try Self.publishedPort(runtime: "runc", port: 18431) }

    @Test("-p 127.0.0.1:PORT:80 reaches a server in a detached container on the docker backend")
    func publishedPortDocker() throws { try Self.publishedPort(runtime: "docker", port: 18432) }

    @Test("a refused publish names the profile rule, under a private profile and under one that publishes nothing")
    func publishRefused() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-refuse")
        for (flag, expected) in [
            ("127.0.0.1:80:80", "host ports below 1024"), ("0.0.0.0:18433:80", "only on 127.0.0.1"),
        ] {
            let result = try network.cli.run(["run", "--profile", profile, "-p", flag, network.image, "true"])
            #expect(result.status == 125 && result.stderr.contains("-p \(flag) refused by profile") && result.stderr.contains(expected), "\(result)")
            #expect(result.stderr.contains("[SR026 published-ports]"), "\(result)")
        }
        let unpublished = try network.cli.run(["run", "--profile", network.isolated.fixture.profile, "-p", "127.0.0.1:18433:80", network.image, "true"])
        #expect(unpublished.status == 125 && unpublished.stderr.contains("[SR026 published-ports]"), "\(unpublished)")
        #expect(network.networkLeftovers().isEmpty)
    }

    @Test("when the limits or rules cannot be applied the container does not start (fail closed), on runc and docker, and the error says why")
    func failsClosed() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-closed")
        // An nft that refuses every ruleset, first on PATH: the egress rules cannot be applied.
        let bin = network.directory.appendingPathComponent("broken-bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let nft = bin.appendingPathComponent("nft")
        try "#!/bin/sh\necho 'Error: simulated failure' >&2\nexit 1\n".write(to: nft, atomically: true, encoding: .utf8)
        chmod(nft.path, 0o755)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin")
        var runtimes = ["runc"]
        if DockerBackendTests.engineAvailable() { runtimes.append("docker") }
        for runtime in runtimes {
            let result = try network.cli.run(
                ["run", "--runtime", runtime, "--profile", profile, network.image, "echo", "started"], environment: ["PATH": path])
            #expect(result.status == 125 && !result.stdout.contains("started"), "\(runtime): \(result)")
            #expect(
                result.stderr.contains("cannot apply the egress rules in the container's namespace, so the container does not start")
                    && result.stderr.contains("simulated failure"), "\(runtime): \(result)")
            #expect(network.networkLeftovers().isEmpty, "\(runtime): \(network.networkLeftovers())")
        }
    }

    @Test("after 20 runs, SIGKILLed ones and failed starts among them, no veth, netns, qdisc, IFB device or rule of this state root is left")
    func nothingLeftBehind() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-churn")
        var runs = 0
        // Plain runs that end on their own.
        for _ in 0..<6 {
            let result = try network.cli.run(["run", "--profile", profile, network.image, "true"])
            #expect(result.status == 0, "\(result)")
            runs += 1
        }
        // Failed starts: the port is taken after the network is made (the proxy cannot bind), and a command
        // that fails inside.
        let taken = try BlockedPort(port: 18435)
        for _ in 0..<3 {
            let result = try network.cli.run(["run", "--profile", profile, "-p", "127.0.0.1:18435:80", network.image, "true"])
            #expect(result.status == 125 && result.stderr.contains("cannot publish 127.0.0.1:18435/tcp"), "\(result)")
            runs += 1
        }
        taken.close()
        for _ in 0..<2 {
            #expect(try network.cli.run(["run", "--profile", profile, network.image, "sh", "-c", "exit 3"]).status == 3)
            runs += 1
        }
        // securerun SIGKILLed while its container runs (the container dies with it; the next command sweeps).
        for index in 0..<4 {
            let run = try BackgroundRun(
                ["run", "--profile", profile, network.image, "sh", "-c", "echo ready; sleep 30"], root: network.cli.root, logDirectory: network.directory,
                name: "killed-\(index)")
            #expect(run.waitFor("ready"), "\(run.output)")
            run.killHard()
            runs += 1
        }
        // Detached ones killed with SIGKILL through securerun, and one whose monitor is SIGKILLed.
        for _ in 0..<3 {
            let id = try network.detach([], ["sleep", "30"], profile: profile)
            #expect(try network.cli.run(["kill", "-s", "KILL", id]).status == 0)
            _ = try network.cli.run(["wait", id])
            _ = try network.cli.run(["rm", "-f", id])
            runs += 1
        }
        let orphan = try network.detach([], ["sleep", "30"], profile: profile)
        let inspected = try JSONSerialization.jsonObject(with: Data(try network.cli.run(["inspect", orphan]).stdout.utf8)) as? [[String: Any]]
        let monitor = try #require((inspected?.first?["record"] as? [String: Any])?["ownerPID"] as? Int)
        kill(pid_t(monitor), SIGKILL)
        _ = try network.cli.run(["rm", "-f", orphan])
        runs += 1
        // One on the docker backend, its securerun SIGKILLed.
        if DockerBackendTests.engineAvailable() {
            let run = try BackgroundRun(
                ["run", "--runtime", "docker", "--profile", profile, network.image, "sh", "-c", "echo ready; sleep 30"], root: network.cli.root,
                logDirectory: network.directory, name: "killed-docker")
            #expect(run.waitFor("ready"), "\(run.output)")
            run.killHard()
            runs += 1
        }
        #expect(runs >= 20)
        let gc = try network.cli.run(["gc"])
        #expect(gc.status == 0, "\(gc)")
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
        #expect(RunFixture.leftovers(root: network.cli.root).isEmpty, "\(RunFixture.leftovers(root: network.cli.root))")
    }
}

/// A port held by the test, so a publish of it fails after securerun made the container's network.
final class BlockedPort {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw TestFailure("cannot hold port \(port): \(String(cString: strerror(errno)))") }
    }

    func close() { Glibc.close(fd) }
}

/// A network namespace the test makes: a veth to the host (10.219.0.1/29 on the host end) with two
/// addresses inside, each with a tiny server on port 8080 answering "hello from ADDRESS". The host forwards
/// between it and the containers (net.ipv4.ip_forward is set for the test and restored).
struct TestNamespace {
    static let listed = "10.219.0.2"
    static let unlisted = "10.219.0.3"
    let name: String
    let hostEnd: String
    let server: Process
    let forwarding: String

    init(name: String) throws {
        self.name = name
        hostEnd = "srt" + name.suffix(6)
        forwarding = ((try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_forward", encoding: .utf8)) ?? "0").trimmingCharacters(in: .whitespacesAndNewlines)
        for command in [
            ["netns", "add", name], ["-n", name, "link", "set", "lo", "up"], ["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", name],
            ["addr", "add", "10.219.0.1/29", "dev", hostEnd], ["link", "set", hostEnd, "up"], ["-n", name, "addr", "add", "\(Self.listed)/29", "dev", "eth0"],
            ["-n", name, "addr", "add", "\(Self.unlisted)/29", "dev", "eth0"], ["-n", name, "link", "set", "eth0", "up"],
            ["-n", name, "route", "add", "default", "via", "10.219.0.1"],
        ] {
            let result = try CLI.exec("ip", command)
            guard result.status == 0 else { throw TestFailure("ip \(command.joined(separator: " ")): \(result)") }
        }
        try "1\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
        let script = """
            import socket, threading, time
            def serve(address):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((address, 8080)); s.listen(8); s.settimeout(1)
                end = time.time() + 120
                while time.time() < end:
                    try:
                        c, _ = s.accept()
                    except socket.timeout:
                        continue
                    c.sendall(("hello from " + address + "\\n").encode()); c.close()
            for a in ["\(Self.listed)", "\(Self.unlisted)"]:
                threading.Thread(target=serve, args=(a,), daemon=True).start()
            print("serving", flush=True); time.sleep(120)
            """
        server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["ip", "netns", "exec", name, "python3", "-c", script]
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        usleep(500_000)
    }

    /// What the server at `address` answers the host.
    func fetch(_ address: String) throws -> String {
        let script =
            "import socket\nfor i in range(50):\n  try:\n    s=socket.create_connection(('\(address)',8080),timeout=2); print(s.recv(100).decode().strip()); break\n  except OSError:\n    import time; time.sleep(0.1)\n"
        return try CLI.exec("python3", ["-c", script], timeout: 20).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func remove() {
        if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        server.waitUntilExit()
        _ = try? CLI.exec("ip", ["link", "del", hostEnd])
        _ = try? CLI.exec("ip", ["netns", "del", name])
        try? "\(forwarding)\n".write(toFile: "/proc/sys/net/ipv4/ip_forward", atomically: false, encoding: .utf8)
    }
}
