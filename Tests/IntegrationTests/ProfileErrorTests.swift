import Foundation
import Testing

/// Bad profiles and references: one line naming the file, field or reference; nothing starts.
@Suite("securerun run: bad profiles and references")
struct ProfileErrorTests {
    func runWith(profileText: String, named name: String, _ fixture: RunFixture) throws -> (CLIResult, String) {
        let file = fixture.directory.appendingPathComponent("\(name).yaml")
        try profileText.write(to: file, atomically: true, encoding: .utf8)
        return (try fixture.cli.run(["run", "--profile", file.path, fixture.image, "true"]), file.path)
    }

    @Test("malformed YAML names the file")
    func malformed() throws {
        guard let fixture = RunFixture.available() else { return }
        let (result, path) = try runWith(profileText: "user: [unclosed\n", named: "malformed", fixture)
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("securerun: \(path): field (document): not valid YAML or JSON"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a misspelt field is an error, not silently ignored")
    func unknownField() throws {
        guard let fixture = RunFixture.available() else { return }
        let (result, path) = try runWith(profileText: "readOnlyRootFS: true\n", named: "typo", fixture)
        #expect(result.stderr == "securerun: \(path): unknown field readOnlyRootFS (check its spelling; see profiles/default.yaml for the format)\n")
    }

    @Test("an unknown capability names the field and the name")
    func unknownCapability() throws {
        guard let fixture = RunFixture.available() else { return }
        let (result, path) = try runWith(profileText: "capabilities: [NET_BIND_SERVICE, CAP_MAKE_COFFEE]\n", named: "badcap", fixture)
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("securerun: \(path): field capabilities[1]: unknown capability \"CAP_MAKE_COFFEE\""), "\(result.stderr)")
    }

    @Test("an unknown syscall in the seccomp profile names the seccomp file and the syscall")
    func unknownSyscall() throws {
        guard let fixture = RunFixture.available() else { return }
        let seccomp = fixture.directory.appendingPathComponent("typo-seccomp.json")
        try #"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","wirte"],"action":"SCMP_ACT_ALLOW"}]}"#
            .write(to: seccomp, atomically: true, encoding: .utf8)
        let (result, _) = try runWith(profileText: "seccomp: \(seccomp.path)\n", named: "badsyscall", fixture)
        #expect(result.status == 125)
        #expect(result.stderr.contains("wirte") && result.stderr.contains(seccomp.path), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a root user in a profile is refused as below the floor")
    func rootProfile() throws {
        guard let fixture = RunFixture.available() else { return }
        let (result, path) = try runWith(profileText: "user: \"0:0\"\n", named: "rootprofile", fixture)
        #expect(result.stderr.hasPrefix("securerun: \(path): field user: \"0:0\" is root"), "\(result.stderr)")
    }

    @Test("a missing image names the reference")
    func missingImage() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.cli.run(["run", "--profile", fixture.profile, "no/such-image:1.0", "true"])
        #expect(result.status == 125)
        #expect(result.stderr.contains("no/such-image:1.0"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("an unknown profile name lists where securerun looked")
    func missingProfile() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.cli.run(["run", "--profile", "nonexistent-profile", fixture.image, "true"])
        #expect(result.status == 125)
        #expect(result.stderr.hasPrefix("securerun: profile \"nonexistent-profile\" not found (looked in /etc/securerun/profiles"), "\(result.stderr)")
    }

    @Test("crun is refused clearly where the host's cgroup layout does not support it")
    func crunOnHybrid() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let hybrid = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.controllers")
        let result = try own.run(["--runtime", "crun", "--name", "crun-check"], ["true"])
        if hybrid {
            #expect(result.status == 125)
            #expect(result.stderr.contains("OCI runtime \"crun\" cannot start containers on this host"), "\(result.stderr)")
        } else if Requirements.which("crun") != nil {
            #expect(result.status == 0, "\(result)")
        } else {
            Requirements.skip("crun is not installed (scripts/test installs it)")
        }
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }
}
