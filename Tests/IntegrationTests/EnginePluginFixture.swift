import Foundation
import HostSystem
import Testing

/// A second dockerd whose authorization plugin is securerun-net from this build, on a socket, data and
/// exec roots of its own (no bridge, no iptables), with an attested image loaded from securerun's store.
/// Made once for the suite; torn down at exit in reverse order of creation (containers, dockerd, its
/// mounts and directories, the plugin and its socket), also after a failed test.
final class EnginePluginFixture: @unchecked Sendable {
    static let shared: Result<EnginePluginFixture, TestFailure> = {
        do { return .success(try EnginePluginFixture()) } catch let failure as TestFailure { return .failure(failure) } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    /// The fixture, when dockerd, docker and gcc are here (under CI a missing one fails the test).
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> EnginePluginFixture? {
        guard Requirements.met(tools: ["dockerd", "docker", "gcc"], sourceLocation: sourceLocation) else { return nil }
        switch shared {
        case .success(let fixture): return fixture
        case .failure(let failure):
            Issue.record(Comment(rawValue: "engine plugin fixture: \(failure)"), sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Short: the exec root holds unix sockets, whose paths are limited to 107 bytes.
    let directory = URL(fileURLWithPath: "/tmp/srep-\(getpid())")
    let admission: AdmissionFixture
    var cli: CLI { admission.cli }
    var image: String { admission.image }
    let profile: String
    let pluginName = "securerun-it-\(getpid())"
    var pluginSocket: String { "/run/docker/plugins/\(pluginName).sock" }
    var engineSocket: String { directory.appendingPathComponent("docker.sock").path }
    var seccompFile: String { CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path }
    private(set) var plugin: Process?
    private var dockerd: Process?
    private let lock = NSLock()

    /// `docker run` flags that carry the floor of the fixture's profile.
    var floor: [String] {
        [
            "--user", "1000:1000", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--security-opt",
            "seccomp=\(seccompFile)", "-m", "256m", "--memory-swap", "256m", "--cpus", "0.5", "--pids-limit", "64", "--network", "none",
            "--tmpfs", "/tmp:size=16m",
        ]
    }

    private init() throws {
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rootfs = directory.appendingPathComponent("rootfs")
        try TestImages.busyboxRootfs(at: rootfs)
        // A second name for uid 0, as an attacker's image would carry.
        let passwd = rootfs.appendingPathComponent("etc/passwd")
        try (try String(contentsOf: passwd, encoding: .utf8) + "toor:x:0:0:toor:/:/bin/sh\n").write(to: passwd, atomically: true, encoding: .utf8)
        admission = try AdmissionFixture(image: "test/plugin:1", rootfs: rootfs)
        try expectSuccess(admission.attest("trivy-alpine-310.json"))
        let text = """
            name: plugin-it
            seccomp: \(CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path)
            resources: {memory: 512m, memorySwap: 512m, cpus: 1.0, pidsLimit: 256}
            tmpfs: [{path: /tmp, size: 64m}]
            extraTmpfs: {allow: true, maxSize: 64m, maxMounts: 8}
            # A create still carries network none (the engine has no shaped network of its own); securerun's
            # own docker backend joins containers to a shaped holder, which this allows.
            network: {mode: private, egressRate: 8mbit, ingressRate: 8mbit}
            admission:
              blockAt: HIGH

            """
        let file = directory.appendingPathComponent("plugin-it.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        profile = file.path
        atexit { EnginePluginFixture.teardownShared() }
        try startPlugin()
        try startEngine()
        try load(image)
    }

    // MARK: - Processes

    /// securerun-net beside the securerun under test.
    static var netBinary: String { URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("securerun-net").path }

    func startPlugin() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.netBinary)
        process.arguments = ["engine-plugin", "serve", "--profile", profile, "--socket", pluginSocket, "--engine", engineSocket, "--log-level", "debug"]
        process.environment = ["SECURERUN_ROOT": cli.root.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"]
        let log = directory.appendingPathComponent("plugin.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { plugin = process }
        for _ in 0..<200 {
            if try health().status == 0 { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        throw TestFailure("the plugin did not come up: \(pluginLog)")
    }

    /// Stops the plugin with SIGTERM; returns whether that stopped it (it exits within its 5 s grace
    /// whatever is in flight). A test ends either way: SIGKILL after 10 s.
    @discardableResult
    func stopPlugin() -> Bool {
        guard let process = lock.withLock({ plugin }) else { return true }
        var stoppedByTerm = true
        if process.isRunning {
            process.terminate()
            for _ in 0..<200 where process.isRunning { usleep(50_000) }
            if process.isRunning {
                stoppedByTerm = false
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
        }
        lock.withLock { plugin = nil }
        return stoppedByTerm
    }

    func health() throws -> CLIResult {
        try CLI.exec(Self.netBinary, ["engine-plugin", "health", "--socket", pluginSocket], timeout: 10)
    }

    var pluginLog: String { (try? String(contentsOf: directory.appendingPathComponent("plugin.log"), encoding: .utf8)) ?? "" }

    func startEngine() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Requirements.which("dockerd") ?? "/usr/sbin/dockerd")
        let root = directory.path
        process.arguments = [
            "--authorization-plugin=\(pluginName)", "--data-root", "\(root)/d", "--exec-root", "\(root)/x", "-H", "unix://\(engineSocket)",
            "--pidfile", "\(root)/docker.pid", "--bridge=none", "--iptables=false",
            // Containers get a cgroup namespace of their own without naming it (on cgroup v1 the engine's default
            // is the host's, which the plugin refuses unless a create asks for private).
            "--default-cgroupns-mode", "private",
        ]
        let log = directory.appendingPathComponent("dockerd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { dockerd = process }
        for _ in 0..<600 {
            if FileManager.default.fileExists(atPath: engineSocket), try docker(["version", "--format", "{{.Server.Version}}"], timeout: 10).status == 0 {
                return
            }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        throw TestFailure("the second dockerd did not come up: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// `docker -H unix://ENGINE ARGS`.
    func docker(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> CLIResult {
        try CLI.exec("docker", ["-H", "unix://\(engineSocket)"] + arguments, stdin: stdin, timeout: timeout)
    }

    /// Puts the stored image into the engine, as the docker backend does (saved by securerun, loaded by id).
    func load(_ image: String) throws {
        let archive = directory.appendingPathComponent("\(UUID().uuidString.prefix(8)).tar")
        try expectSuccess(cli.run(["image", "save", image, "--format", "docker-archive", "-o", archive.path]))
        try expectSuccess(docker(["load", "-i", archive.path], timeout: 120))
        try? FileManager.default.removeItem(at: archive)
    }

    // MARK: - Raw requests

    /// Sends `bytes` to the engine's socket and returns the response's head and body as text.
    func raw(_ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(engineSocket.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect \(engineSocket): \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            // The engine may answer and close before reading all of an oversized body.
            guard count > 0 else { break }
            offset += count
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            response += chunk[0..<count]
            let text = String(decoding: response, as: UTF8.self)
            if let split = text.range(of: "\r\n\r\n"), let length = text.range(of: "Content-Length: ") {
                let digits = text[length.upperBound...].prefix { $0.isNumber }
                if let expected = Int(digits), text[split.upperBound...].utf8.count >= expected { break }
            }
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// A create request as a client would send it, with `headers` and `body`.
    static func createRequest(_ body: [UInt8], headers: [String]) -> [UInt8] {
        Array(("POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8) + body
    }

    /// The compliant create body `docker run` sends with the floor's flags, as a JSON object.
    func compliantBody(command: [String] = ["true"]) throws -> [String: Any] {
        let seccomp = try String(contentsOfFile: seccompFile, encoding: .utf8)
        return [
            "User": "1000:1000", "Image": image, "Cmd": command,
            "HostConfig": [
                "ReadonlyRootfs": true, "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges", "seccomp=" + seccomp], "Memory": 268_435_456,
                "MemorySwap": 268_435_456, "NanoCpus": 500_000_000, "PidsLimit": 64, "NetworkMode": "none", "Tmpfs": ["/tmp": "size=16m"],
            ] as [String: Any],
        ]
    }

    // MARK: - Teardown

    static func teardownShared() {
        if case .success(let fixture) = shared { fixture.teardown() }
    }

    /// Containers, dockerd, its mounts and directories, the plugin and its socket: in reverse order of creation.
    func teardown() {
        if let process = lock.withLock({ dockerd }), process.isRunning {
            if let ids = try? docker(["ps", "-aq"], timeout: 30).stdout.split(separator: "\n").map(String.init), !ids.isEmpty {
                _ = try? docker(["rm", "-f"] + ids, timeout: 60)
            }
            process.terminate()
            process.waitUntilExit()
        }
        // What dockerd and its containerd left mounted under the fixture's directory, deepest first.
        let prefix = directory.path + "/"
        if let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) {
            let points = mountinfo.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                return fields.count > 4 && fields[4].hasPrefix(prefix) ? String(fields[4]) : nil
            }
            for point in points.sorted(by: { $0.count > $1.count }) { umount2(point, Int32(MNT_DETACH)) }
        }
        stopPlugin()
        unlink(pluginSocket)
        try? FileManager.default.removeItem(at: directory)
        try? FileManager.default.removeItem(at: admission.directory.url)
    }
}
