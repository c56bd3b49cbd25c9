import Foundation
import Testing

/// Issue 17, finding 1: `docker exec -u NAME` through the drop-in ran as root or with group 0. securerun
/// read NAME with its own reading of the image's /etc/passwd and handed docker the name, which dockerd
/// read again its own way (lines trimmed, so ` evil:x:0:0` came first) and gave every /etc/group line
/// listing the user as a supplementary group (`root:x:0:app`). And because the runtime looks every
/// supplementary gid up again *by name* in the container's /etc/group, a group named `1500` with gid 0,
/// or a volume over /etc/group, turned an ordinary gid into group 0 on both backends.
@Suite("drop-in exec -u and supplementary groups: never root, never group 0, the same groups on both backends", .sharedHost)
struct DropInExecUserAttackTests {
    /// An image whose /etc/passwd and /etc/group are written to mislead: a root `evil` that only a trimming
    /// reader sees, `toor` with uid 0, `wheel` with gid 0, `app` listed in root's group, and a group named
    /// after a number.
    struct Setup {
        let temp: TemporaryDirectory
        let cli: CLI
        let fixture: RunFixture
        let image = "users:1"
        /// A directory whose file only group 0 may read, for the container to try.
        let secrets: URL

        init(_ fixture: RunFixture) throws {
            self.fixture = fixture
            temp = try TemporaryDirectory("securerun-users")
            cli = CLI(root: temp.url.appendingPathComponent("state"))
            let rootfs = temp.url.appendingPathComponent("rootfs")
            #expect(try CLI.exec("cp", ["-a", fixture.rootfs.path, rootfs.path]).status == 0)
            try """
            root:x:0:0:root:/root:/bin/sh
             evil:x:0:0:evil:/root:/bin/sh
            evil:x:1000:1000:evil:/tmp:/bin/sh
            toor:x:0:0:toor:/root:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false
            app:x:1001:1001:app:/tmp:/bin/sh

            """.write(to: rootfs.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
            try """
            root:x:0:app,evil
            nogroup:x:65534:
            evil:x:1000:
            app:x:1001:
            wheel:x:0:
            staff:x:50:app,evil,nobody
            1500:x:0:

            """.write(to: rootfs.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
            let imported = try cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", image])
            guard imported.status == 0 else { throw TestFailure("image import failed: \(imported)") }
            secrets = temp.url.appendingPathComponent("secrets")
            try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
            let secret = secrets.appendingPathComponent("secret")
            try "root group only\n".write(to: secret, atomically: true, encoding: .utf8)
            guard chown(secret.path, 0, 0) == 0, chmod(secret.path, 0o040) == 0 else { throw TestFailure("cannot make \(secret.path) group-0-only") }
        }

        func docker(_ arguments: [String]) throws -> CLIResult {
            try cli.run(["docker"] + arguments, environment: ["SECURERUN_PROFILE": fixture.profile])
        }

        func securerun(_ arguments: [String]) throws -> CLIResult { try cli.run(arguments) }

        /// Waits (up to 20 s) until this state root lists no container.
        func waitUntilNoContainers() {
            for _ in 0..<400 where (try? cli.run(["ps", "-aq"]))?.stdout.isEmpty == false { usleep(50_000) }
        }
    }

    /// The numbers on the Groups line of /proc/self/status in `output`.
    static func groups(_ output: String) -> [String]? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Groups:") }) else { return nil }
        return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    static let probe = "id -u; grep Groups /proc/self/status; cat /data/secret 2>/dev/null && echo READ-THE-SECRET; true"

    @Test("docker exec -u NAME runs as the numeric user securerun checked, with exactly the groups runc gives, and never reads a group-0 file")
    func execUserIsNumericAndGroupsMatchRunc() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        // Last: both containers' tear-down (their volume mounts) has finished before the directory goes.
        defer { setup.waitUntilNoContainers() }
        let name = "execuser-\(UUID().uuidString.prefix(6).lowercased())"
        let volume = "\(setup.secrets.path):/data:ro"
        let started = try setup.docker(["run", "-d", "--name", name, "-v", volume, setup.image, "sleep", "120"])
        #expect(started.status == 0, "\(started)")
        defer { _ = try? CLI.exec("docker", ["rm", "-f", name]) }
        let onRunc = "runc-\(name)"
        let runcStarted = try setup.securerun(["run", "-d", "--profile", fixture.profile, "--name", onRunc, "-v", volume, setup.image, "sleep", "120"])
        #expect(runcStarted.status == 0, "\(runcStarted)")
        defer { _ = try? setup.securerun(["rm", "-f", onRunc]) }

        // dockerd alone gives `app` group 0 (root:x:0:app) and the secret; through securerun it may not.
        for spelling in [["-u", "app"], ["--user=app"], ["-u", "app:app"], ["-u", "1001"]] {
            let docker = try setup.docker(["exec"] + spelling + [name, "sh", "-c", Self.probe])
            let runc = try setup.securerun(["exec"] + spelling + [onRunc, "sh", "-c", Self.probe])
            #expect(docker.status == 0 && runc.status == 0, "\(spelling): \(docker) \(runc)")
            #expect(docker.stdout.hasPrefix("1001\n") && !docker.stdout.contains("READ-THE-SECRET"), "\(spelling): \(docker)")
            #expect(Self.groups(docker.stdout) == ["1001"], "\(spelling): \(docker)")
            #expect(Self.groups(docker.stdout) == Self.groups(runc.stdout), "\(spelling): docker \(docker) runc \(runc)")
        }
        // Without -u: the container's own user, and the same groups as on runc.
        let own = try setup.docker(["exec", name, "sh", "-c", Self.probe])
        let ownRunc = try setup.securerun(["exec", onRunc, "sh", "-c", Self.probe])
        #expect(own.stdout.hasPrefix("65534\n") && Self.groups(own.stdout) == Self.groups(ownRunc.stdout), "\(own) \(ownRunc)")

        // Root however it is spelt: ` evil` (root to a trimming reader), toor (uid 0), wheel (gid 0), group
        // 1500 (named so, gid 0): refused before docker sees anything, on both doors.
        for spelling in [["-u", "evil"], ["-itu", "toor"], ["-u", "1001:wheel"], ["--user", "1001:1500"], ["-u", "0"], ["-u", "root"]] {
            let docker = try setup.docker(["exec"] + spelling + [name, "id"])
            #expect(docker.status == 125 && docker.stderr.contains("refused") && docker.stderr.contains("[SR001 non-root-user]"), "\(spelling): \(docker)")
            let runc = try setup.securerun(["exec"] + spelling + [onRunc, "id"])
            #expect(runc.status == 125, "\(spelling): \(runc)")
        }
    }

    @Test("a container on the docker backend gets the groups runc gives, --group-add included; a name that is root or group 0 is refused at run")
    func containerGroupsMatchRunc() throws {
        guard let fixture = RunFixture.available(), DockerBackendTests.engineAvailable() else { return }
        let setup = try Setup(fixture)
        for flags in [[String](), ["--group-add", "1600"], ["-u", "app"], ["-u", "app:staff", "--group-add", "nogroup"]] {
            let script = ["sh", "-c", "grep Groups /proc/self/status"]
            let runc = try setup.securerun(["run", "--profile", fixture.profile] + flags + [setup.image] + script)
            let docker = try setup.securerun(["run", "--runtime", "docker", "--profile", fixture.profile] + flags + [setup.image] + script)
            let dropIn = try setup.docker(["run", "--rm"] + flags + [setup.image] + script)
            #expect(runc.status == 0 && docker.status == 0 && dropIn.status == 0, "\(flags): \(runc) \(docker) \(dropIn)")
            #expect(Self.groups(runc.stdout) != nil && Self.groups(runc.stdout)?.contains("0") == false, "\(flags): \(runc)")
            #expect(Self.groups(docker.stdout) == Self.groups(runc.stdout), "\(flags): docker \(docker) runc \(runc)")
            #expect(Self.groups(dropIn.stdout) == Self.groups(runc.stdout), "\(flags): drop-in \(dropIn) runc \(runc)")
        }
        let groupFile = setup.temp.url.appendingPathComponent("group")
        try "root:x:0:\n65534:x:0:\n".write(to: groupFile, atomically: true, encoding: .utf8)
        for flags in [
            ["-u", "toor"], ["-u", "evil"], ["--group-add", "wheel"], ["--group-add", "1500"], ["-u", "1500:1500"], ["-v", "\(groupFile.path):/etc/group:ro"],
        ] {
            for runtime in ["runc", "docker"] {
                let result = try setup.securerun(["run", "--runtime", runtime, "--profile", fixture.profile] + flags + [setup.image, "id"])
                #expect(result.status == 125 && !result.stdout.contains("uid="), "\(runtime) \(flags): \(result)")
            }
            let dropIn = try setup.docker(["run", "--rm"] + flags + [setup.image, "id"])
            #expect(dropIn.status == 125 && !dropIn.stdout.contains("uid="), "drop-in \(flags): \(dropIn)")
        }
    }
}
