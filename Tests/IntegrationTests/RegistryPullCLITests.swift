import Foundation
import Testing

/// `securerun image pull` from a real docker-registry, as a user runs it: memory stays flat for a large
/// layer, credentials come from docker's config.json, a plain-HTTP registry gives one line, and byte
/// progress shows on a terminal only.
@Suite("image pull through the binary: memory, credentials, errors, progress", .serialized)
struct RegistryPullCLITests {
    /// A state root with `rootfs` imported as `image`, pushed to `registry` as `repository:1`.
    static func publish(_ rootfs: URL, image: String, to registry: LocalRegistry, repository: String, in directory: URL) throws -> (CLI, String) {
        let publisher = CLI(root: directory.appendingPathComponent("publisher-\(UUID().uuidString.prefix(6))"))
        let imported = try publisher.run(["image", "import", "--rootfs", rootfs.path, "--tag", image], timeout: 600)
        guard imported.status == 0 else { throw TestFailure("import failed: \(imported)") }
        let digest = try AdmissionFixture.manifestDigest(of: image, cli: publisher)
        let layout = directory.appendingPathComponent("layout-\(UUID().uuidString.prefix(6))")
        try OCILayout.export(manifestDigest: digest, from: publisher.root, to: layout)
        try registry.push("oci:\(layout.path)", to: "\(repository):1")
        try? FileManager.default.removeItem(at: layout)
        return (publisher, digest)
    }

    static func smallRootfs(in directory: URL) throws -> URL {
        let rootfs = directory.appendingPathComponent("small-rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try UUID().uuidString.write(to: rootfs.appendingPathComponent("etc/id"), atomically: true, encoding: .utf8)
        return rootfs
    }

    /// Item 7: a 301 MB layer took 632 MB of memory to pull (whole blobs were buffered). Blobs stream to
    /// disk while hashed now: pulling a 300 MB layer of random data stays under 64 MB peak RSS, measured
    /// by GNU time around the securerun process.
    @Test func pullOfALargeLayerStaysUnder64MBPeakRSS() throws {
        guard Requirements.met(tools: ["docker-registry", "skopeo", "dd", "time"]) else { return }
        let directory = try TemporaryDirectory("securerun-big-pull")
        let rootfs = directory.url.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        let size = 300 << 20
        let written = try CLI.exec("dd", ["if=/dev/urandom", "of=\(rootfs.path)/random.bin", "bs=1M", "count=300", "status=none"], timeout: 300)
        #expect(written.status == 0, "\(written)")
        let registry = try LocalRegistry(in: directory.url)
        let (_, digest) = try Self.publish(rootfs, image: "big/random:1", to: registry, repository: "big/random", in: directory.url)
        try? FileManager.default.removeItem(at: rootfs)

        let consumer = CLI(root: directory.url.appendingPathComponent("consumer"))
        let measured = try CLI.exec(
            "time", ["-f", "peak-rss-kb %M", CLI.binary, "image", "pull", "--insecure", "\(registry.host)/big/random:1"],
            environment: ["SECURERUN_ROOT": consumer.root.path], timeout: 600)
        #expect(measured.status == 0, "\(measured)")
        #expect(measured.stdout.contains(digest), "\(measured)")
        let line = try #require(measured.stderr.split(separator: "\n").last { $0.hasPrefix("peak-rss-kb ") }, "\(measured)")
        let kilobytes = try #require(Int(line.dropFirst("peak-rss-kb ".count)))
        print("peak RSS pulling a \(size >> 20) MiB layer: \(kilobytes / 1024) MiB")
        #expect(kilobytes < 64 * 1024, "peak RSS \(kilobytes) KiB")
        let attributes = try FileManager.default.attributesOfItem(
            atPath: consumer.root.appendingPathComponent("rootfs/\(digest.dropFirst("sha256:".count))/random.bin").path)
        #expect((attributes[.size] as? NSNumber)?.intValue == size)
    }

    /// Item 7: a plain-HTTP registry reached without --insecure: one line that suggests --insecure, exit
    /// 125, no TLS library text.
    @Test func plainHTTPRegistryWithoutInsecureGivesOneLine() throws {
        guard Requirements.met(tools: ["docker-registry", "skopeo"]) else { return }
        let directory = try TemporaryDirectory("securerun-pull-tls")
        let registry = try LocalRegistry(in: directory.url)
        _ = try Self.publish(try Self.smallRootfs(in: directory.url), image: "tls/app:1", to: registry, repository: "tls/app", in: directory.url)
        let result = try CLI(root: directory.url.appendingPathComponent("consumer")).run(["image", "pull", "\(registry.host)/tls/app:1"])
        #expect(result.status == 125)
        #expect(
            result.stderr
                == "securerun: registry \(registry.host): \(registry.host) answered in plain http, not https; for a registry on this machine use --insecure\n",
            "\(result)")
    }

    /// Item 7: with no credential flags, `docker login`'s config.json is used (and a wrong entry is refused).
    @Test func credentialsComeFromDockersConfigByDefault() throws {
        guard Requirements.met(tools: ["docker-registry", "skopeo", "htpasswd"]) else { return }
        let directory = try TemporaryDirectory("securerun-pull-auth")
        let registry = try LocalRegistry(in: directory.url, user: "ci", password: "s3cret")
        let (_, digest) = try Self.publish(
            try Self.smallRootfs(in: directory.url), image: "auth/app:1", to: registry, repository: "auth/app", in: directory.url)
        let consumer = CLI(root: directory.url.appendingPathComponent("consumer"))
        let home = directory.url.appendingPathComponent("home")
        let environment = ["HOME": home.path, "XDG_RUNTIME_DIR": directory.url.appendingPathComponent("no-runtime").path]

        let anonymous = try consumer.run(["image", "pull", "--insecure", "\(registry.host)/auth/app:1"], environment: environment)
        #expect(anonymous.status == 125)
        #expect(anonymous.stderr.contains("asks for a user name and password"), "\(anonymous)")

        try FileManager.default.createDirectory(at: home.appendingPathComponent(".docker"), withIntermediateDirectories: true)
        let config = home.appendingPathComponent(".docker/config.json")
        try #"{"auths":{"\#(registry.host)":{"auth":"\#(Data("ci:wrong".utf8).base64EncodedString())"}}}"#.write(to: config, atomically: true, encoding: .utf8)
        let refused = try consumer.run(["image", "pull", "--insecure", "\(registry.host)/auth/app:1"], environment: environment)
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("the credentials were refused"), "\(refused)")

        try #"{"auths":{"\#(registry.host)":{"auth":"\#(Data("ci:s3cret".utf8).base64EncodedString())"}}}"#.write(to: config, atomically: true, encoding: .utf8)
        let pulled = try consumer.run(["image", "pull", "--insecure", "\(registry.host)/auth/app:1"], environment: environment)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains(digest), "\(pulled)")
    }

    /// Item 7: byte progress (done, total, rate) on a terminal; nothing of it in a pipe or a log.
    @Test func byteProgressShowsOnATerminalOnly() throws {
        guard Requirements.met(tools: ["docker-registry", "skopeo", "script"]) else { return }
        let directory = try TemporaryDirectory("securerun-pull-progress")
        let registry = try LocalRegistry(in: directory.url)
        _ = try Self.publish(try Self.smallRootfs(in: directory.url), image: "progress/app:1", to: registry, repository: "progress/app", in: directory.url)
        let piped = try CLI(root: directory.url.appendingPathComponent("piped")).run(["image", "pull", "--insecure", "\(registry.host)/progress/app:1"])
        #expect(piped.status == 0, "\(piped)")
        #expect(!piped.stderr.contains("fetching"), "\(piped)")
        #expect(!piped.stdout.contains("fetching"), "\(piped)")

        let command = "\(CLI.binary) image pull --insecure \(registry.host)/progress/app:1"
        let terminal = try CLI.exec(
            "script", ["-qec", command, "/dev/null"], environment: ["SECURERUN_ROOT": directory.url.appendingPathComponent("terminal").path])
        #expect(terminal.status == 0, "\(terminal)")
        let progress = terminal.stdout.split(separator: "\r").filter { $0.contains("fetching ") }
        #expect(!progress.isEmpty, "\(terminal)")
        #expect(progress.allSatisfy { $0.contains(" / ") && $0.contains("/s") }, "\(terminal)")
    }
}
