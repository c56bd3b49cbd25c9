import Foundation
import Testing

/// libarchive is opened on first use, not at start: a start that needs no archive never loads it (and the
/// libraries it pulls in), and when it cannot be loaded the command that needs it says so in one line.
@Suite("libarchive loaded on first use")
struct LazyArchiveTests {
    @Test("with a libarchive.so.13 that cannot load: --version, image ls and verify work; image import refuses in one line, storing nothing")
    func brokenLibrary() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let fixture = try AdmissionFixture(image: "lazy/one:1")
        let broken = fixture.directory.url.appendingPathComponent("broken-lib")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("not a shared object\n".utf8).write(to: broken.appendingPathComponent("libarchive.so.13"))
        let environment = ["LD_LIBRARY_PATH": broken.path]

        // Loaded at start, the broken library would stop every command before main.
        #expect(try fixture.cli.run(["--version"], environment: environment).status == 0)
        let listed = try fixture.cli.run(["image", "ls"], environment: environment)
        #expect(listed.status == 0 && listed.stdout.contains("lazy/one"), "\(listed)")
        // Unattested, so refused (exit 1): a verdict, not a loader error.
        let verified = try fixture.cli.run(["image", "verify", "lazy/one:1"], environment: environment)
        #expect(verified.status == 1 && !verified.stderr.contains("libarchive"), "\(verified)")

        let rootfs = fixture.directory.url.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try "other".write(to: rootfs.appendingPathComponent("etc/id"), atomically: true, encoding: .utf8)
        let refused = try fixture.cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "lazy/two:1"], environment: environment)
        #expect(refused.status != 0, "\(refused)")
        #expect(refused.stderr.contains("cannot load libarchive") && refused.stderr.contains("install Debian's libarchive13"), "\(refused)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused)")
        #expect(!(try fixture.cli.run(["image", "ls"]).stdout.contains("lazy/two")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.cli.root.appendingPathComponent("tmp").path).isEmpty)

        // An archive import says the library is missing, not that the (valid) tar is no image.
        let tar = fixture.directory.url.appendingPathComponent("other.tar")
        #expect(try CLI.exec("/bin/tar", ["-cf", tar.path, "-C", rootfs.path, "."]).status == 0)
        let archive = try fixture.cli.run(["image", "import", tar.path, "--tag", "lazy/three:1"], environment: environment)
        #expect(archive.status != 0 && archive.stderr.contains("cannot load libarchive"), "\(archive)")

        // The same import with the real library works.
        #expect(try fixture.cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "lazy/two:1"]).status == 0)
    }
}
