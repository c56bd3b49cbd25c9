import ContentDigest
import Foundation
import Images
import Testing

/// One state root per test process with the busybox+probe image imported, and profiles for tests.
/// Built once (gcc and an import take a moment) and shared by the run tests, which use unique names.
final class RunFixture: Sendable {
    /// The shared fixture, or nil with the reason recorded when requirements are missing.
    static let shared: Result<RunFixture, TestFailure> = {
        do { return .success(try RunFixture()) } catch let failure as TestFailure { return .failure(failure) } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    let directory: URL
    let cli: CLI
    /// The busybox+probe rootfs the image was imported from (other fixtures import it into their own roots).
    var rootfs: URL { directory.appendingPathComponent("rootfs") }
    let image = "test/busybox:latest"
    /// A profile like `default` but admitting unattested images, so run tests need no keys.
    let profile: String

    private init() throws {
        directory = URL(fileURLWithPath: "/tmp/securerun-it-\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        cli = CLI(root: directory.appendingPathComponent("state"))
        let rootfs = directory.appendingPathComponent("rootfs")
        try TestImages.busyboxRootfs(at: rootfs)
        let imported = try cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", image])
        guard imported.status == 0 else { throw TestFailure("image import failed: \(imported)") }
        profile = try Self.writeProfile(in: directory, name: "unattested", extra: "")
        atexit { try? FileManager.default.removeItem(atPath: "/tmp/securerun-it-\(getpid())") }
    }

    /// Writes a test profile (seccomp from the shipped profiles/, unattested images admitted) and returns its path.
    static func writeProfile(in directory: URL, name: String, extra: String, admission: String = "  allowUnattested: true") throws -> String {
        let seccomp = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json").path
        let text = "name: \(name)\nseccomp: \(seccomp)\n\(extra)\nadmission:\n\(admission)\n"
        let file = directory.appendingPathComponent("\(name).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// `securerun run --profile <test profile> [flags] IMAGE command…`.
    func run(_ flags: [String], _ command: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> CLIResult {
        try cli.run(["run", "--profile", profile] + flags + [image] + command, stdin: stdin, timeout: timeout)
    }

    /// What the containers of the state root `root` left behind (`Leftovers.of`): container and runtime
    /// state, mounts, cgroups, network namespaces and interfaces. Not for the shared fixture's root, where
    /// other tests run at the same time: a check of one test's runs needs a root of its own
    /// (`RunMountTests.Isolated`).
    static func leftovers(root: URL) -> [String] {
        Leftovers.of(root: root)
    }

    /// The tag securerun puts in the cgroup names of `root`'s containers.
    static func cgroupTag(root: URL) -> String {
        String(Digest.of(Data(root.resolvingSymlinksInPath().standardizedFileURL.path.utf8)).hex.prefix(12))
    }

    /// The fixture, if requirements are met (records a failure under CI, prints a skip elsewhere).
    static func available(sourceLocation: SourceLocation = #_sourceLocation) -> RunFixture? {
        guard Requirements.met(tools: ["runc", "gcc"], sourceLocation: sourceLocation) else { return nil }
        switch shared {
        case .success(let fixture): return fixture
        case .failure(let failure):
            Issue.record(Comment(rawValue: "fixture: \(failure)"), sourceLocation: sourceLocation)
            return nil
        }
    }
}
