import Foundation
import KubernetesAdmission
import Policy
import TestSupport
import Testing

/// `securerun-net admission serve` from this build on 127.0.0.1 over TLS (a self-signed certificate made
/// with openssl), over a state root holding three images: one with a fresh passing scan, one never
/// attested, one whose only scan is old. Made once for the suite; the server is stopped and the files
/// removed at exit, in reverse order of creation, also after a failed test.
final class WebhookFixture: @unchecked Sendable {
    static let shared: Result<WebhookFixture, TestFailure> = {
        do { return .success(try WebhookFixture()) } catch let failure as TestFailure { return .failure(failure) } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    /// The fixture, when openssl, curl and gcc are here (under CI a missing one fails the test).
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> WebhookFixture? {
        guard Requirements.met(tools: ["openssl", "curl", "gcc"], sourceLocation: sourceLocation) else { return nil }
        switch shared {
        case .success(let fixture): return fixture
        case .failure(let failure):
            Issue.record(Comment(rawValue: "webhook fixture: \(failure)"), sourceLocation: sourceLocation)
            return nil
        }
    }

    let directory = URL(fileURLWithPath: "/tmp/srwh-\(getpid())")
    let admission: AdmissionFixture
    var cli: CLI { admission.cli }
    /// `NAME@sha256:…` of the attested, the never-attested and the stale image.
    let attested: String
    let unattested: String
    let stale: String
    let profile: String
    let seccompFile: String
    var certificate: String { directory.appendingPathComponent("tls.crt").path }
    var key: String { directory.appendingPathComponent("tls.key").path }
    private(set) var port = 0
    private var server: Process?
    private let lock = NSLock()

    private init() throws {
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rootfs = directory.appendingPathComponent("rootfs")
        try TestImages.busyboxRootfs(at: rootfs)
        admission = try AdmissionFixture(image: "test/webhook:1", rootfs: rootfs)
        try expectSuccess(admission.attest("trivy-alpine-310.json"))
        attested = "test/webhook@\(admission.digest)"
        // Two more images of their own content: one never attested, one attested with the report's own (old) time.
        unattested = try Self.importImage("test/webhook-unattested:1", from: rootfs, cli: admission.cli, marker: "unattested")
        stale = try Self.importImage("test/webhook-stale:1", from: rootfs, cli: admission.cli, marker: "stale")
        let staleReport = try Self.report(admission, image: "test/webhook-stale:1")
        try expectSuccess(admission.cli.run(["image", "attest", "test/webhook-stale:1", "--report", staleReport, "--key", admission.keyPrefix + ".key"]))
        let text = """
            name: webhook-it
            seccomp: \(CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path)
            user: "1000:1000"
            resources: {memory: 512m, memorySwap: 512m, cpus: 1.0, pidsLimit: 256}
            tmpfs: [{path: /tmp, size: 64m}]
            extraTmpfs: {allow: true, maxSize: 64m, maxMounts: 8}
            admission:
              blockAt: HIGH

            """
        let file = directory.appendingPathComponent("webhook-it.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        profile = file.path
        seccompFile = try KubernetesSeccomp.fileName(for: try ProfileLoader.load(file: file))
        try makeCertificate()
        atexit { WebhookFixture.teardownShared() }
        try start()
    }

    /// Imports `rootfs` with one more file (so its digest is its own) as `tag`; returns `NAME@digest`.
    static func importImage(_ tag: String, from rootfs: URL, cli: CLI, marker: String) throws -> String {
        let copy = rootfs.deletingLastPathComponent().appendingPathComponent("rootfs-\(marker)")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: rootfs, to: copy)
        try marker.write(to: copy.appendingPathComponent("etc/marker"), atomically: true, encoding: .utf8)
        try expectSuccess(cli.run(["image", "import", "--rootfs", copy.path, "--tag", tag]))
        let name = String(tag.split(separator: ":")[0])
        return "\(name)@\(try AdmissionFixture.manifestDigest(of: tag, cli: cli))"
    }

    /// The Trivy fixture made a scan of `image`, keeping the fixture's own (old) finish time.
    static func report(_ admission: AdmissionFixture, image: String) throws -> String {
        var text = try admission.reportText("trivy-alpine-310.json")
        let config = try AdmissionFixture.inspect(image, cli: admission.cli, field: "configDigest")
        for (key, value) in [("ArtifactName", image), ("ImageID", config)] {
            guard let range = text.range(of: #""\#(key)": "[^"]*""#, options: .regularExpression) else { throw TestFailure("no \(key) in the report") }
            text.replaceSubrange(range, with: #""\#(key)": "\#(value)""#)
        }
        let file = admission.directory.url.appendingPathComponent("stale-report.json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func makeCertificate() throws { try Self.makeCertificate(certificate: certificate, key: key) }

    /// A self-signed P-256 certificate for 127.0.0.1.
    static func makeCertificate(certificate: String, key: String) throws {
        let made = try CLI.exec(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ])
        try expectSuccess(made)
    }

    // MARK: - The server

    static var netBinary: String { URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("securerun-net").path }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("webhook.log"), encoding: .utf8)) ?? "" }

    func start() throws {
        for _ in 0..<5 {
            let candidate = Int.random(in: 20000..<30000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.netBinary)
            process.arguments = [
                "admission", "serve", "--profile", profile, "--tls-cert", certificate, "--tls-key", key, "--listen", "127.0.0.1:\(candidate)",
                "--log-level", "debug",
            ]
            process.environment = ["SECURERUN_ROOT": cli.root.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            let logFile = directory.appendingPathComponent("webhook.log")
            if !FileManager.default.fileExists(atPath: logFile.path) { _ = FileManager.default.createFile(atPath: logFile.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: logFile)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            lock.withLock {
                server = process
                port = candidate
            }
            for _ in 0..<200 {
                if (try? get("/healthz"))?.status == 200 { return }
                guard process.isRunning else { break }
                usleep(50_000)
            }
            stop()
        }
        throw TestFailure("the webhook did not come up: \(log)")
    }

    func stop() {
        guard let process = lock.withLock({ server }) else { return }
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        lock.withLock { server = nil }
    }

    var isRunning: Bool { lock.withLock { server?.isRunning ?? false } }

    static func teardownShared() {
        guard case .success(let fixture) = shared else { return }
        fixture.stop()
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    // MARK: - Requests

    /// An HTTPS answer: status and body.
    struct Response {
        var status: Int
        var body: String
        /// The review's `response`, when the body is one.
        var review: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["response"] as? [String: Any]
        }
        var allowed: Bool? { review?["allowed"] as? Bool }
        var message: String { ((review?["status"] as? [String: Any])?["message"] as? String) ?? "" }
        var code: Int? { (review?["status"] as? [String: Any])?["code"] as? Int }
    }

    /// curl, trusting only the fixture's certificate.
    func curl(_ arguments: [String], trusting: String? = nil) throws -> Response {
        let marker = "\n--status:"
        let result = try CLI.exec(
            "curl", ["-sS", "--max-time", "20", "--cacert", trusting ?? certificate, "-w", "\(marker)%{http_code}"] + arguments, timeout: 30)
        guard result.status == 0, let range = result.stdout.range(of: marker, options: .backwards) else {
            throw TestFailure("curl failed: \(result)")
        }
        return Response(status: Int(result.stdout[range.upperBound...]) ?? 0, body: String(result.stdout[..<range.lowerBound]))
    }

    func get(_ path: String) throws -> Response { try curl(["https://127.0.0.1:\(port)\(path)"]) }

    /// POSTs `body` to /validate (with the query the API server adds).
    func post(_ body: Data) throws -> Response {
        let file = directory.appendingPathComponent("review-\(UUID().uuidString.prefix(8)).json")
        try body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try curl([
            "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@\(file.path)", "https://127.0.0.1:\(port)/validate?timeout=10s",
        ])
    }

    /// A review of `pod`.
    func review(
        _ pod: [String: Any], uid: String = UUID().uuidString, operation: String = "CREATE", subResource: String? = nil, dryRun: Bool = false,
        oldObject: [String: Any]? = nil
    ) throws -> Data {
        var request: [String: Any] = [
            "uid": uid, "kind": ["group": "", "version": "v1", "kind": "Pod"], "resource": ["group": "", "version": "v1", "resource": "pods"],
            "operation": operation, "object": pod, "dryRun": dryRun, "namespace": "apps", "userInfo": ["username": "alice", "groups": ["dev"]],
        ]
        if let subResource { request["subResource"] = subResource }
        if let oldObject { request["oldObject"] = oldObject }
        return try JSONSerialization.data(
            withJSONObject: ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request], options: [.sortedKeys])
    }

    // MARK: - Pods

    /// A pod that carries the fixture profile's floor, running `image`.
    func pod(image: String, name: String = "web") -> [String: Any] {
        PodDocuments.compliant(image: image, seccompFile: seccompFile, user: 1000, command: ["/bin/true"], name: name)
    }

    static func container(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] { PodDocuments.container(pod, change) }
    static func spec(_ pod: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] { PodDocuments.spec(pod, change) }
    static func set(_ object: inout [String: Any], _ keys: [String], _ value: Any?) { PodDocuments.set(&object, keys, value) }
}
