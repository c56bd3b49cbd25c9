import Foundation
import Testing

/// The docker backend promises runc's floor, seccomp included: the engine must get securerun's filter, not
/// its own default. `Seccomp: 2` cannot tell the two apart (docker's default is a filter too), so the check
/// is a call the two filters answer differently: adjtimex, which docker's default allows and securerun's
/// profile denies. A plain `docker run` of the same image shows the engine's own answer.
@Suite("docker backend: securerun's seccomp filter, not the engine's default", .sharedHost)
struct DockerSeccompParityTests {
    @Test("adjtimex is EPERM on runc and on the docker backend alike, while plain docker run (docker's default filter) allows it")
    func sameFilterAsRunc() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let calls = ["sh", "-c", "/probe adjtimex; /probe syscalls"]
        let runc = try root.cli.run(["run", "--profile", root.profile, root.image] + calls)
        let docker = try root.cli.run(["run", "--runtime", "docker", "--profile", root.profile, root.image] + calls)
        #expect(runc.status == 0 && runc.stdout.hasPrefix("adjtimex: EPERM\n"), "\(runc)")
        #expect(docker.status == 0 && docker.stdout == runc.stdout, "the docker backend's filter differs from runc's:\n\(docker)\nrunc:\n\(runc)")

        // The control: the engine's own default filter lets the same binary's adjtimex through.
        let tag = "securerun-test/seccomp-parity:\(UUID().uuidString.prefix(8).lowercased())"
        let archive = root.isolated.temp.url.appendingPathComponent("rootfs.tar")
        let packed = try CLI.exec("tar", ["-C", fixture.rootfs.path, "-cf", archive.path, "."])
        try #require(packed.status == 0, "\(packed)")
        let imported = try CLI.exec("docker", ["import", archive.path, tag], timeout: 120)
        try #require(imported.status == 0, "\(imported)")
        defer { _ = try? CLI.exec("docker", ["rmi", "-f", tag], timeout: 60) }
        let plain = try CLI.exec("docker", ["run", "--rm", "--network", "none", "--user", "65534:65534", tag, "/probe", "adjtimex"], timeout: 120)
        #expect(plain.status == 0 && plain.stdout == "adjtimex: ok\n", "docker's default filter should allow adjtimex: \(plain)")
    }
}
