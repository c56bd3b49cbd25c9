import Foundation
import Testing

/// `securerun export kubernetes|policies|webhook-config` as a user types them: a stored image is pinned
/// by its manifest digest, the seccomp file lands beside the YAML, and bad input gets one line naming the
/// thing and what to do, exit 125.
@Suite("export kubernetes, policies, webhook-config")
struct ExportKubernetesCLITests {
    /// A private state root (root-only, as securerun requires) and a scratch directory.
    struct Scratch {
        let directory: URL
        let cli: CLI

        init() throws {
            directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("securerun-export-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            cli = CLI(root: directory.appendingPathComponent("root"))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func oneLine(_ result: CLIResult, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 125, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("securerun: ") && result.stderr.contains(text), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result)", sourceLocation: sourceLocation)
    }

    @Test("a stored image is pinned by its manifest digest and the seccomp file is written beside the YAML")
    func storedImageIsPinned() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let rootfs = scratch.directory.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try "nobody:x:65534:65534::/:/bin/false\n".write(to: rootfs.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        let imported = try scratch.cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "app:1.0"])
        #expect(imported.status == 0, "\(imported)")
        let inspected = try scratch.cli.run(["image", "inspect", "app:1.0"])
        let digest = try #require((try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any])?["manifestDigest"] as? String)

        let output = scratch.directory.appendingPathComponent("k8s")
        let exported = try scratch.cli.run(["export", "kubernetes", "--profile", "production", "--kind", "Deployment", "app:1.0", "-o", output.path])
        #expect(exported.status == 0, "\(exported)")
        let yaml = try String(contentsOf: output.appendingPathComponent("app.yaml"), encoding: .utf8)
        #expect(yaml.contains("image: \"docker.io/library/app@\(digest)\""), "\(yaml)")
        let seccomp = try #require(try FileManager.default.contentsOfDirectory(atPath: output.path).first { $0.hasSuffix(".json") })
        #expect(yaml.contains("localhostProfile: \"\(seccomp)\""))
        #expect(yaml.contains("/var/lib/kubelet/seccomp/\(seccomp)"))

        let printed = try scratch.cli.run(["export", "kubernetes", "--profile", "production", "--name", "web", "app:1.0"])
        #expect(printed.status == 0 && printed.stdout.contains("kind: Pod") && printed.stdout.contains("name: \"web\""), "\(printed)")
        #expect(printed.stderr.contains("written only with -o DIR"), "\(printed)")
    }

    @Test("a tag-only image, an unknown profile, a bad kind or name and an unwritable -o each get one line")
    func badInput() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let pinned = "busybox@sha256:" + String(repeating: "a", count: 64)
        Self.oneLine(
            try scratch.cli.run(["export", "kubernetes", "busybox:1.36"]), "image busybox:1.36 is a tag only and not in the store: give NAME@sha256:DIGEST")
        Self.oneLine(try scratch.cli.run(["export", "kubernetes", "--profile", "nope", pinned]), "profile \"nope\" not found")
        Self.oneLine(try scratch.cli.run(["export", "kubernetes", "--kind", "DaemonSet", pinned]), "--kind DaemonSet is not a workload kind")
        Self.oneLine(try scratch.cli.run(["export", "kubernetes", "--name", "Web_1", pinned]), "--name Web_1 is not a valid Kubernetes name")
        Self.oneLine(try scratch.cli.run(["export", "kubernetes"]), "export kubernetes needs an image")
        let file = scratch.directory.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        Self.oneLine(try scratch.cli.run(["export", "kubernetes", pinned, "-o", file.path]), "cannot write \(file.path): not a directory")
        Self.oneLine(try scratch.cli.run(["export", "webhook-config", "-o", "/proc/securerun-export"]), "cannot write /proc/securerun-export")
        Self.oneLine(try scratch.cli.run(["export", "webhook-config", "--ca-bundle", file.path]), "--ca-bundle \(file.path): not a PEM certificate file")
    }

    @Test("policies carry the trusted keys of the state root; a profile that trusts none is refused")
    func policiesNeedKeys() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let profile = scratch.directory.appendingPathComponent("nokeys.yaml")
        try "name: nokeys\nseccomp: default\nadmission: {trustedKeys: []}\n".write(to: profile, atomically: true, encoding: .utf8)
        Self.oneLine(try scratch.cli.run(["export", "policies", "--profile", profile.path]), "profile \"nokeys\" trusts no key")

        let key = scratch.directory.appendingPathComponent("ci")
        #expect(try scratch.cli.run(["key", "generate", "--out", key.path]).status == 0)
        #expect(try scratch.cli.run(["key", "trust", key.path + ".pub", "--name", "ci"]).status == 0)
        let exported = try scratch.cli.run(["export", "policies", "--profile", profile.path])
        #expect(exported.status == 0, "\(exported)")
        let pem = try String(contentsOf: URL(fileURLWithPath: key.path + ".pub"), encoding: .utf8)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for line in body { #expect(exported.stdout.contains(line), "the key is missing:\n\(exported.stdout)") }
        for kind in ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterPolicy", "ClusterImagePolicy"] {
            #expect(exported.stdout.contains("kind: \(kind)\n"), "\(kind)")
        }
    }
}
