import Foundation
import Testing

/// Issue 17, finding 2: `docker update f2 --pids-limit 100000 --memory 4g --restart always` raised every
/// limit of a securerun container: docker's `update` takes flags after the container too (pflag
/// interspersed arguments) and securerun read flags only before it. The drop-in now reads each command it
/// guards with docker's own rules, and refuses what it cannot read.
@Suite("drop-in update: flags after the container are read as docker reads them", .sharedHost)
struct DropInUpdateAttackTests {
    @Test("update with the flags after the container, or spelt any way docker reads, cannot raise a limit")
    func flagsAfterTheContainer() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try DropInTests.Setup(fixture)
        let name = "update-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try setup.docker(["run", "-d", "--name", name, setup.root.image, "sleep", "120"]).status == 0)
        defer { _ = try? CLI.exec("docker", ["rm", "-f", name]) }
        func limits() throws -> String {
            try CLI.exec("docker", ["inspect", "--format", "{{.HostConfig.PidsLimit}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}", name]).stdout
        }
        let before = try limits()
        for arguments in [
            ["update", name, "--pids-limit", "100000", "--memory", "4g", "--restart", "always"],
            ["update", "--cpu-shares", "512", name, "--pids-limit=100000"], ["container", "update", name, "-m4g"], ["update", name, "-c", "2", "-m=4g"],
            ["update", name, "--restart=always"], ["update", name, "--memory-swap", "-1"], ["update", name, "--kernel-memory", "1g"],
            ["update", name, "--device-read-bps", "/dev/null:1mb"], ["update", name, "--pids-limit"],
        ] {
            let result = try setup.docker(arguments)
            // Each names its rule: SR006 memory, SR008 pids, SR024 what update may not change, SR028 what cannot be read.
            #expect(
                result.status == 125 && result.stderr.contains("refused") && result.stderr.contains(/\[SR0(06|08|24|28) [a-z-]+\]/),
                "\(arguments): \(result)")
        }
        #expect(try limits() == before, "a refused update changed the container")
        let lowered = try setup.docker(["update", name, "--pids-limit", "100", "--memory", "100m"])
        #expect(lowered.status == 0, "\(lowered)")
        let after = try limits()
        #expect(after.hasPrefix("100 \(100 << 20) "), "\(after)")
        // exec stops reading flags at the container (docker sets SetInterspersed(false)): these are the command's.
        let command = try setup.docker(["exec", name, "echo", "-u", "0", "--privileged"])
        #expect(command.status == 0 && command.stdout == "-u 0 --privileged\n", "\(command)")
    }
}
