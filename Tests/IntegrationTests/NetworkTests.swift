import Foundation
import HostSystem
import TestSupport
import Testing

/// Issue 11: private networking seen from inside real containers, and what it leaves on the host. Only
/// loopback, the containers' own namespaces and their host ends, and a namespace the test makes are used.
@Suite("network: isolation, egress allow-list, published ports, clean-up", .serialized, .sharedHost)
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
        let port = try BlockedPort.free()
        let result = try network.cli.run(["run", "--dry-run", "--profile", profile, "-p", "127.0.0.1:\(port):80", "--name", "planned", network.image, "true"])
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        let namespaces = ((json["linux"] as? [String: Any])?["namespaces"] as? [[String: Any]]) ?? []
        #expect(namespaces.contains { $0["type"] as? String == "network" && $0["path"] as? String == "/run/netns/securerun-\(network.rootTag)-planned" })
        for expected in [
            "namespace: /run/netns/securerun-\(network.rootTag)-planned", "addresses: host end", "routes: in the container, default via",
            "root tbf 8mbit burst 16k (into the container)", "mirred egress redirect dev", "ip daddr 169.254.169.254 drop",
            "policy drop", "ports: 127.0.0.1:\(port)->80/tcp",
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
        let peer = try TestNamespace(name: "srtest-\(UUID().uuidString.prefix(6).lowercased())", log: network.directory.appendingPathComponent("peer.out"))
        defer { peer.remove() }
        let profile = try network.profile("private-egress", extra: "  egress:\n    allow: [\(peer.listed):8080/tcp]\n")
        // Both servers answer the host, so a silent one in the container is the rule's doing.
        #expect(try peer.fetch(peer.listed) == "hello from \(peer.listed)")
        #expect(try peer.fetch(peer.unlisted) == "hello from \(peer.unlisted)")
        let other = try network.detach(["--name", "neighbour"], ["busybox", "nc", "-ll", "-p", "7000", "-e", "echo", "neighbour"], profile: profile)
        defer { _ = try? network.cli.run(["rm", "-f", other]) }
        try network.forward(other)
        let neighbour = try network.addresses(other).container
        // The listed address answers once the host forwards for this container (set just after it starts,
        // so it retries that one, bounded); every other check then runs with forwarding on.
        let script = """
            listed=1; i=0
            while [ $i -lt 300 ]; do if busybox nc -w 3 \(peer.listed) 8080 </dev/null; then listed=0; break; fi; i=$((i+1)); sleep 0.2; done
            echo listed $listed
            busybox nc -w 3 \(peer.unlisted) 8080 </dev/null; echo unlisted $?
            busybox nc -w 3 \(peer.listed) 8081 </dev/null; echo other-port $?
            busybox nc -w 3 169.254.169.254 80 </dev/null; echo metadata $?
            busybox nc -w 3 \(neighbour) 7000 </dev/null; echo neighbour $?
            """
        let checker = try network.detach(["--name", "checker"], ["sh", "-c", script], profile: profile)
        try network.forward(checker)
        let waited = try network.cli.run(["wait", checker], timeout: 180)
        #expect(waited.stdout == "0\n", "\(waited)")
        let result = try network.cli.run(["logs", checker])
        #expect(result.stdout.contains("hello from \(peer.listed)\nlisted 0"), "\(result)")
        for line in ["unlisted 1", "other-port 1", "metadata 1", "neighbour 1"] {
            #expect(result.stdout.contains(line), "\(line) missing: \(result)")
        }
        #expect(!result.stdout.contains("hello from \(peer.unlisted)") && !result.stdout.contains("neighbour\n"), "\(result)")
        _ = try network.cli.run(["rm", "-f", other, checker])
        _ = try network.cli.run(["gc"])
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
    }

    static func fetch(_ port: Int) throws -> String {
        let script =
            "import socket,sys\ns=socket.create_connection(('127.0.0.1',\(port)),timeout=5)\ns.sendall(b'GET /index.html HTTP/1.0\\r\\n\\r\\n')\nb=b''\nwhile True:\n  c=s.recv(4096)\n  if not c: break\n  b+=c\nsys.stdout.write(b.decode(errors='replace'))\n"
        return try CLI.exec("python3", ["-c", script], timeout: 20).stdout
    }

    static func publishedPort(runtime: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let network = try NetworkFixture.available(sourceLocation: sourceLocation) else { return }
        if runtime == "docker" { guard DockerBackendTests.engineAvailable(sourceLocation: sourceLocation) else { return } }
        let profile = try network.profile("private-publish")
        let script = "busybox mkdir -p /tmp/www && echo published-\(runtime) > /tmp/www/index.html && exec busybox httpd -f -p 80 -h /tmp/www"
        // A port free a moment ago; should something take it first, the start says so and another is tried.
        var started: (id: String, port: Int)?
        for _ in 0..<5 where started == nil {
            let port = try BlockedPort.free()
            let result = try network.cli.run(
                ["run", "-d", "--profile", profile, "--runtime", runtime, "-p", "127.0.0.1:\(port):80", network.image, "sh", "-c", script])
            if result.status == 0 {
                started = (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), port)
            } else if !result.stderr.contains("cannot publish") {
                throw TestFailure("run -d failed: \(result)")
            }
        }
        let (id, port) = try #require(started, "no free loopback port in 5 tries", sourceLocation: sourceLocation)
        var answer = ""
        Wait.until(interval: 0.1) {
            answer = (try? fetch(port)) ?? ""
            return answer.contains("published-\(runtime)")
        }
        #expect(answer.contains("200 OK") && answer.contains("published-\(runtime)"), "\(runtime): \(answer)", sourceLocation: sourceLocation)
        #expect(try network.cli.run(["stop", "-t", "1", id]).status == 0, sourceLocation: sourceLocation)
        #expect(try network.cli.run(["wait", id]).status == 0, sourceLocation: sourceLocation)
        #expect(((try? fetch(port)) ?? "").isEmpty, "the port is closed once the container stops", sourceLocation: sourceLocation)
        _ = try network.cli.run(["rm", id])
        #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())", sourceLocation: sourceLocation)
    }

    @Test("-p 127.0.0.1:PORT:80 reaches a server in a detached runc container, and closes when it stops")
    func publishedPortRunc() throws { try Self.publishedPort(runtime: "runc") }

    @Test("-p 127.0.0.1:PORT:80 reaches a server in a detached container on the docker backend")
    func publishedPortDocker() throws { try Self.publishedPort(runtime: "docker") }

    @Test("a refused publish names the profile rule, under a private profile and under one that publishes nothing")
    func publishRefused() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("private-refuse")
        let port = try BlockedPort.free()
        for (flag, expected) in [
            ("127.0.0.1:80:80", "host ports below 1024"), ("0.0.0.0:\(port):80", "only on 127.0.0.1"),
        ] {
            let result = try network.cli.run(["run", "--profile", profile, "-p", flag, network.image, "true"])
            #expect(result.status == 125 && result.stderr.contains("-p \(flag) refused by profile") && result.stderr.contains(expected), "\(result)")
            #expect(result.stderr.contains("[SR026 published-ports]"), "\(result)")
        }
        let unpublished = try network.cli.run(["run", "--profile", network.isolated.fixture.profile, "-p", "127.0.0.1:\(port):80", network.image, "true"])
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
        let taken = try BlockedPort()
        for _ in 0..<3 {
            let result = try network.cli.run(["run", "--profile", profile, "-p", "127.0.0.1:\(taken.port):80", network.image, "true"])
            #expect(result.status == 125 && result.stderr.contains("cannot publish -p 127.0.0.1:\(taken.port):80/tcp"), "\(result)")
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

/// A loopback port held by the test (bound and listening), so a publish of it fails after securerun made
/// the container's network. Port 0 lets the kernel choose a free one: no fixed port another test may hold.
final class BlockedPort {
    let fd: Int32
    let port: UInt16

    init(port requested: UInt16 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = requested.bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw TestFailure("cannot hold port \(requested): \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestFailure("getsockname: \(String(cString: strerror(errno)))") }
        port = UInt16(bigEndian: address.sin_port)
    }

    /// A loopback port free at this moment (held, then released): for a publish the test makes at once,
    /// retried on "cannot publish" should something else take it first.
    static func free() throws -> Int {
        let held = try BlockedPort()
        held.close()
        return Int(held.port)
    }

    func close() { Glibc.close(fd) }
}

/// A network namespace the test makes: a veth to the host with a /29 no host route covers (chosen under
/// securerun's own host-wide network lock, so no start takes it meanwhile), and two addresses inside, each
/// with a tiny server on port 8080 answering "hello from ADDRESS". The host forwards only what arrives on
/// this veth's host end and on the containers' (`net.ipv4.conf.IF.forwarding`, gone with each interface);
/// the host-wide net.ipv4.ip_forward is never touched.
final class TestNamespace {
    let name: String
    let hostEnd: String
    let gateway: String
    let listed: String
    let unlisted: String
    private var server: Process?

    init(name: String, log: URL) throws {
        self.name = name
        hostEnd = "tns" + name.suffix(6)
        // Chosen and configured under the lock: the route the address makes is what marks the /29 taken.
        let lock = try Self.networkLock()
        let base = try Self.freeSubnet()
        gateway = IPv4.format(base + 1)
        listed = IPv4.format(base + 2)
        unlisted = IPv4.format(base + 3)
        do {
            for command in [
                ["netns", "add", name], ["-n", name, "link", "set", "lo", "up"],
                ["link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", name],
                ["addr", "add", "\(gateway)/29", "dev", hostEnd], ["link", "set", hostEnd, "up"], ["-n", name, "addr", "add", "\(listed)/29", "dev", "eth0"],
                ["-n", name, "addr", "add", "\(unlisted)/29", "dev", "eth0"], ["-n", name, "link", "set", "eth0", "up"],
                ["-n", name, "route", "add", "default", "via", gateway],
            ] {
                let result = try CLI.exec("ip", command)
                guard result.status == 0 else { throw TestFailure("ip \(command.joined(separator: " ")): \(result)") }
            }
            withExtendedLifetime(lock) {}
            try NetworkFixture.forwardArriving(on: hostEnd)
            try startServers(log: log)
        } catch {
            remove()
            throw error
        }
    }

    /// One python3 process in the namespace serving both addresses; returns once it says it is serving.
    private func startServers(log: URL) throws {
        let script = """
            import socket, threading, time
            def serve(address):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((address, 8080)); s.listen(8); s.settimeout(1)
                end = time.time() + 900
                while time.time() < end:
                    try:
                        c, _ = s.accept()
                    except socket.timeout:
                        continue
                    c.sendall(("hello from " + address + "\\n").encode()); c.close()
            threads = [threading.Thread(target=serve, args=(a,), daemon=True) for a in ["\(listed)", "\(unlisted)"]]
            for t in threads: t.start()
            print("serving", flush=True); time.sleep(900)
            """
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["ip", "netns", "exec", name, "python3", "-c", script]
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: log)
        try server.run()
        self.server = server
        guard Wait.until({ ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("serving") }) else {
            throw TestFailure("the test namespace's servers did not start")
        }
    }

    /// securerun's host-wide network lock (the one its starts take while they choose addresses).
    static func networkLock() throws -> FileLock {
        mkdir("/run/securerun", 0o700)
        return try FileLock.acquire("/run/securerun/network.lock")
    }

    /// A /29 in 10.219.0.0/16 (beside securerun's default 10.213.0.0/16) that no host route overlaps.
    static func freeSubnet() throws -> UInt32 {
        let routes = try CLI.exec("ip", ["-4", "route", "show", "table", "all"])
        guard routes.status == 0 else { throw TestFailure("ip route: \(routes)") }
        let taken = routes.stdout.split(separator: "\n").compactMap { line -> (UInt32, UInt32)? in
            let words = line.split(separator: " ")
            let destination = words.first.map(String.init) == "local" || words.first.map(String.init) == "broadcast" ? words.dropFirst().first : words.first
            guard let destination, destination != "default" else { return nil }
            return IPv4.range(String(destination))
        }
        for _ in 0..<100 {
            let base = UInt32(10 << 24 | 219 << 16) + UInt32.random(in: 0..<8192) * 8
            if !taken.contains(where: { $0.0 <= base + 7 && base <= $0.1 }) { return base }
        }
        throw TestFailure("no free /29 in 10.219.0.0/16")
    }

    /// What the server at `address` answers the host.
    func fetch(_ address: String) throws -> String {
        let script =
            "import socket,time\nend=time.time()+60\nwhile time.time()<end:\n  try:\n    s=socket.create_connection(('\(address)',8080),timeout=2); print(s.recv(100).decode().strip()); break\n  except OSError:\n    time.sleep(0.1)\n"
        return try CLI.exec("python3", ["-c", script], timeout: 90).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func remove() {
        if let server {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            server.waitUntilExit()
        }
        _ = try? CLI.exec("ip", ["link", "del", hostEnd])
        _ = try? CLI.exec("ip", ["netns", "del", name])
    }
}

/// Dotted IPv4 text as numbers.
enum IPv4 {
    static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }

    static func format(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String(address >> UInt32($0) & 255) }.joined(separator: ".")
    }

    /// First and last address of `a.b.c.d[/n]`.
    static func range(_ text: String) -> (UInt32, UInt32)? {
        let parts = text.split(separator: "/")
        guard let address = parse(String(parts[0])) else { return nil }
        let prefix = parts.count > 1 ? UInt32(parts[1]) ?? 32 : 32
        let size: UInt64 = 1 << (32 - UInt64(min(prefix, 32)))
        let first = UInt32(UInt64(address) & ~(size - 1) & 0xFFFF_FFFF)
        return (first, UInt32(UInt64(first) + size - 1))
    }
}
