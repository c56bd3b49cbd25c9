import Foundation
import Testing

/// Each loosening request: exit 125, one message naming flag, profile and rule, and nothing left behind.
@Suite("securerun run: loosening requests are refused before anything starts")
struct RunRefusalTests {
    static let cases: [(flags: [String], flag: String, rule: String)] = [
        (["--user", "0"], "--user 0", "SR001"),
        (["--user", "root"], "--user root", "SR001"),
        (["--user", "1000:0"], "--user 1000:0", "SR001"),
        (["--user", "00"], "--user 00", "SR001"),
        (["--read-only=false"], "--read-only=false", "SR003"),
        (["--privileged=true"], "--privileged=true", "SR009"),
        (["-v", "/run:/run-of-host"], "-v /run:/run-of-host", "SR010"),
        (["--cap-add", "SYS_ADMIN"], "--cap-add SYS_ADMIN", "SR002"),
        (["--cap-add", "ALL"], "--cap-add ALL", "SR002"),
        (["--security-opt", "no-new-privileges=false"], "--security-opt no-new-privileges=false", "SR004"),
        (["--security-opt", "seccomp=unconfined"], "--security-opt seccomp=unconfined", "SR005"),
        (["--memory", "2g"], "--memory 2g", "SR006"),
        (["--memory-swap", "-1"], "--memory-swap -1", "SR006"),
        (["--cpus", "4"], "--cpus 4", "SR007"),
        (["--pids-limit", "100000"], "--pids-limit 100000", "SR008"),
        (["--pids-limit", "-1"], "--pids-limit -1", "SR008"),
        (["--privileged"], "--privileged", "SR009"),
        (["-v", "/tmp:/data:rw"], "-v /tmp:/data:rw", "SR010"),
        (["-v", "/:/host:ro"], "-v /:/host:ro", "SR010"),
        (["-v", "/srv:/srv"], "-v /srv:/srv", "SR010"),
        (["-itd", "--pid=host"], "--pid=host", "SR015"),
        (["--device", "/dev/sda:/dev/xvdc"], "--device /dev/sda:/dev/xvdc", "SR016"),
        (["--oom-kill-disable"], "--oom-kill-disable", "SR017"),
        (["--sysctl", "kernel.pid_max=100"], "--sysctl kernel.pid_max=100", "SR018"),
        (["--cgroup-parent", "/"], "--cgroup-parent /", "SR019"),
        (["--use-api-socket"], "--use-api-socket", "SR020"),
        (["--volumes-from", "other"], "--volumes-from other", "SR021"),
        (["--annotation", "run.oci.keep_original_groups=1"], "--annotation run.oci.keep_original_groups=1", "SR022"),
        (["--ulimit", "nofile=-1"], "--ulimit nofile=-1", "SR023"),
        (["--restart=always"], "--restart=always", "SR033"),
        (["--pull=always"], "--pull=always", "SR024"),
        (["-p8080:80"], "-p8080:80", "SR026"),
        (["--tmpfs", "/run"], "--tmpfs /run", "SR011"),
        (["--tmpfs", "/tmp:exec"], "--tmpfs /tmp:exec", "SR011"),
        (["--network", "host"], "--network host", "SR012"),
        (["--security-opt", "systempaths=unconfined"], "--security-opt systempaths=unconfined", "SR013"),
    ]

    @Test("refused with exit 125, flag, profile and rule named", arguments: cases.indices)
    func refused(_ index: Int) throws {
        guard let fixture = RunFixture.available() else { return }
        // A state root of its own: the check below then sees whatever this refusal left, and nothing of other tests.
        let own = try RunMountTests.Isolated(fixture)
        let (flags, flag, rule) = Self.cases[index]
        let result = try own.run(flags + ["--name", "refused-\(index)"], ["/probe", "write", "/tmp/should-not-run"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stdout.isEmpty, "the container must not have started: \(result.stdout)")
        #expect(result.stderr.hasPrefix("securerun: \(flag) refused by profile \"unattested\": "), "\(result.stderr)")
        #expect(result.stderr.contains("[\(rule) "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }

    @Test("tightening flags are accepted")
    func tighteningAccepted() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.run(
            [
                "--memory", "128m", "--memory-swap", "128m", "--cpus", "0.25", "--pids-limit", "50", "--cap-drop", "ALL",
                "--tmpfs", "/tmp:size=8m", "--user", "4242", "--security-opt", "no-new-privileges", "--read-only",
                "-v", "/etc/hostname:/data/hostname:ro", "--network", "none",
            ],
            ["sh", "-c", "cat /data/hostname >/dev/null && id -u"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "4242\n")
    }

    @Test("a stricter seccomp profile is accepted; a looser one is refused naming what it permits")
    func customSeccomp() throws {
        guard let fixture = RunFixture.available() else { return }
        let shipped = CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json")
        let data = try Data(contentsOf: shipped)
        guard var json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let syscalls = json["syscalls"] as? [[String: Any]]
        else { throw TestFailure("cannot read default.json") }
        // Stricter: the same profile without mkdir/mkdirat.
        json["syscalls"] = syscalls.map { rule -> [String: Any] in
            var rule = rule
            if let names = rule["names"] as? [String] { rule["names"] = names.filter { !["mkdir", "mkdirat"].contains($0) } }
            return rule
        }
        let strict = fixture.directory.appendingPathComponent("strict-seccomp.json")
        try JSONSerialization.data(withJSONObject: json).write(to: strict)
        let ok = try fixture.run(["--security-opt", "seccomp=\(strict.path)"], ["sh", "-c", "echo fine; mkdir /tmp/d; echo mkdir=$?"])
        #expect(ok.stdout.contains("fine") && ok.stdout.contains("mkdir=1"), "\(ok)")

        let loose = fixture.directory.appendingPathComponent("loose-seccomp.json")
        try #"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}"#.write(to: loose, atomically: true, encoding: .utf8)
        let refused = try fixture.run(["--security-opt", "seccomp=\(loose.path)"], ["true"])
        #expect(refused.status == 125)
        #expect(refused.stderr.contains("[SR005 "), "\(refused)")
    }

    @Test("a command that cannot be executed exits 126, one that is not in the image 127, before anything starts")
    func commandChecks() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let directory = try own.run(["--name", "cmd-dir"], ["/bin"])
        #expect(directory.status == 126)
        #expect(directory.stderr == "securerun: cannot execute /bin in the image: it is a directory\n")
        let notExecutable = try own.run(["--name", "cmd-noexec"], ["/etc/passwd"])
        #expect(notExecutable.status == 126)
        #expect(notExecutable.stderr == "securerun: cannot execute /etc/passwd in the image: it has no execute permission\n")
        // Paths resolve inside the image: a host file reached through .. is not found (no probing the host).
        let escape = try own.run(["--name", "cmd-escape"], ["/../../../../../bin/busybox", "true"])
        #expect(escape.status == 0, "/bin/busybox of the image itself: \(escape)")
        let hostOnly = try own.run(["--name", "cmd-host"], ["/../../../../../usr/bin/env"])
        #expect(hostOnly.status == 127, "\(hostOnly)")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }
}
