import Foundation
import Glibc
import TestSupport
import Testing

/// `securerun run` with command lines written the way docker users write them, through the real binary and runc.
@Suite("securerun run: docker's grammar through the real binary")
struct DockerGrammarRunTests {
    @Test("run --help lists docker's flags from the table and exits 0; -h is the hostname")
    func helpAndHostname() throws {
        guard let fixture = RunFixture.available() else { return }
        let help = try fixture.cli.run(["run", "--help"])
        #expect(help.status == 0, "\(help)")
        for line in ["Usage: securerun run [OPTIONS] IMAGE [COMMAND] [ARG...]", "-h, --hostname", "--memory-reservation", "--env-file", "--profile"] {
            #expect(help.stdout.contains(line), "help lacks \(line)")
        }
        let hostname = try fixture.run(["-h", "web-1"], ["cat", "/proc/sys/kernel/hostname"])
        #expect(hostname.status == 0 && hostname.stdout == "web-1\n", "\(hostname)")
    }

    @Test("docker's flags that tighten reach the kernel: what the container itself reports")
    func tighteningFlagsSeenInside() throws {
        guard let fixture = RunFixture.available() else { return }
        let script = [
            "cat /proc/sys/kernel/domainname", "cat /proc/sys/kernel/shm_rmid_forced", "ulimit -n", "cat /proc/self/oom_score_adj", "id -G",
            "grep -c ' /dev/shm ' /proc/self/mountinfo", "readlink /proc/self/ns/cgroup",
            "cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.low",
            "cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight",
        ].joined(separator: "; ")
        let result = try fixture.run(
            [
                "--domainname", "example.org", "--sysctl", "kernel.shm_rmid_forced=1", "--ulimit", "nofile=100:200", "--oom-score-adj", "300",
                "--group-add", "1234", "--ipc", "none", "--cgroupns", "private", "--memory-reservation", "32m", "-c", "512",
            ], ["sh", "-c", script])
        #expect(result.status == 1 || result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= 9, "\(result)")
        guard lines.count >= 9 else { return }
        #expect(lines[0] == "example.org" && lines[1] == "1" && lines[2] == "100" && lines[3] == "300", "\(lines)")
        #expect(lines[4] == "65534 1234", "the supplementary group: \(lines[4])")
        #expect(lines[5] == "0", "--ipc none has no /dev/shm: \(lines[5])")
        let hostCgroupNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/cgroup")
        #expect(lines[6].hasPrefix("cgroup:[") && lines[6] != hostCgroupNamespace, "--cgroupns private: \(lines[6])")
        #expect(lines[7] == "\(32 << 20)", "--memory-reservation: \(lines[7])")
        #expect(lines[8] == "512" || lines[8] == "20", "--cpu-shares: \(lines[8])")
    }

    @Test("a combined -itd line with -eKEY=VALUE and --rm runs detached, and is removed when stopped")
    func combinedShortFlags() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        let started = try root.cli.run([
            "run", "-itd", "--rm", "--profile", root.profile, "--name", "combined", "-eGREETING=hello", "-m64m", root.image, "sh", "-c",
            "echo $GREETING; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; sleep 60",
        ])
        #expect(started.status == 0, "\(started)")
        #expect(try root.waitForLog("combined", "hello"), "the -eGREETING=hello inside the line must reach the container")
        #expect(try root.waitForLog("combined", "\(64 << 20)"), "the -m64m inside -itd… must reach the cgroup")
        #expect(try root.cli.run(["stop", "-t", "1", "combined"]).status == 0)
        Wait.until { RunFixture.leftovers(root: root.cli.root).isEmpty }
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "--rm: \(RunFixture.leftovers(root: root.cli.root))")
    }

    @Test("a refused docker line exits 125 with one line naming the flag as typed; an unknown flag is refused, not ignored")
    func refusedLine() throws {
        guard let fixture = RunFixture.available() else { return }
        let refused = try fixture.run(["--rm", "-it", "--privileged", "-v", "/var/run/docker.sock:/var/run/docker.sock"], ["true"])
        #expect(refused.status == 125, "\(refused)")
        #expect(refused.stderr.hasPrefix("securerun: --privileged refused by profile \"unattested\": privileged containers get every capability"))
        #expect(refused.stderr.hasSuffix("[SR009 no-privileged]\n") && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        let unknown = try fixture.run(["--no-read-only"], ["true"])
        #expect(unknown.status == 125)
        #expect(unknown.stderr == "securerun: unknown flag: --no-read-only (see 'securerun run --help')\n", "\(unknown)")
        let inside = try fixture.run(["-iq"], ["true"])
        #expect(inside.status == 0, "-q is docker's --quiet, honoured: \(inside)")
        let badSize = try fixture.run(["-m", "512Mi"], ["true"])
        #expect(badSize.status == 125 && badSize.stderr.hasPrefix("securerun: invalid -m 512Mi: expected a size"), "\(badSize)")
    }

    @Test("--env-file: comments skipped, leading blanks dropped, trailing ones and quotes kept, a bare name passed through; -e overrides")
    func envFile() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-env-file")
        let file = temp.url.appendingPathComponent("app.env")
        try "# settings\n\n  COLOR=\"blue\"\nSPACED=a b \nPASSED\nMISSING\nOVERRIDDEN=file\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try fixture.cli.run(
            [
                "run", "--profile", fixture.profile, "--env-file", file.path, "-e", "OVERRIDDEN=flag", fixture.image, "sh", "-c",
                "echo \"[$COLOR][$SPACED][$PASSED][${MISSING-unset}][$OVERRIDDEN]\"",
            ],
            environment: ["PASSED": "from caller"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "[\"blue\"][a b ][from caller][unset][flag]\n", "\(result)")
    }

    // Attack: securerun reads --env-file as root, so a caller allowed to run containers (through a sudo
    // wrapper) could otherwise read /etc/shadow into a container's environment and print it.
    @Test("--env-file never reads a host secret, through a symlink or a hard link either")
    func envFileCannotReadShadow() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-env-shadow")
        let symlink = temp.url.appendingPathComponent("innocent.env")
        try FileManager.default.createSymbolicLink(atPath: symlink.path, withDestinationPath: "/etc/shadow")
        let hardLink = temp.url.appendingPathComponent("hard.env")
        #expect(link("/etc/shadow", hardLink.path) == 0, "link: errno \(errno)")
        defer { unlink(hardLink.path) }
        for path in ["/etc/shadow", symlink.path, hardLink.path, "/proc/self/environ", "/etc/gshadow", "/boot/../etc/shadow"] {
            let result = try fixture.run(["--env-file", path], ["env"])
            #expect(result.status == 125, "\(path): \(result)")
            #expect(result.stdout.isEmpty && result.stderr.hasPrefix("securerun: invalid --env-file \(path): cannot read "), "\(path): \(result.stderr)")
            #expect(!result.stderr.contains("root:"), "\(path) leaked into the message")
        }
        let fifo = temp.url.appendingPathComponent("pipe.env")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let blocked = try fixture.run(["--env-file", fifo.path], ["env"], timeout: 20)
        #expect(blocked.status == 125 && blocked.stderr.contains("not a regular file"), "a FIFO must not hang securerun: \(blocked)")
    }

    // Attack: a payload written to a tmpfs the request added (/run) is executed, or made setuid.
    @Test("extra --tmpfs paths the profile allows are mounted noexec, nosuid, nodev and size-capped; others are refused")
    func extraTmpfsIsNoexec() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-extra-tmpfs")
        let profile = try RunFixture.writeProfile(in: temp.url, name: "extra-tmpfs", extra: "extraTmpfs:\n  allow: true\n  maxSize: 8m\n")
        let result = try fixture.cli.run([
            "run", "--profile", profile, "--tmpfs", "/run:size=4m", "--mount", "type=tmpfs,destination=/var/cache/nginx", fixture.image, "sh", "-c",
            "grep -E ' /run | /var/cache/nginx ' /proc/self/mountinfo; cp /bin/busybox /run/bb && /run/bb true; echo exec=$?; df -k /run | tail -1",
        ])
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let mounts = lines.filter { $0.contains(" /run ") || $0.contains(" /var/cache/nginx ") }
        #expect(mounts.count == 2, "\(result.stdout)")
        for mount in mounts {
            for option in ["nosuid", "nodev", "noexec"] { #expect(mount.contains(option), "\(mount) lacks \(option)") }
        }
        #expect(lines.contains("exec=126"), "a binary copied to /run must not run: \(result)")
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "4096", "size=4m: \(result.stdout)")
        let tooBig = try fixture.cli.run(["run", "--profile", profile, "--tmpfs", "/run:size=16m", fixture.image, "true"])
        #expect(tooBig.status == 125 && tooBig.stderr.contains("capped at 8m each") && tooBig.stderr.contains("[SR011 "), "\(tooBig)")
        let exec = try fixture.cli.run(["run", "--profile", profile, "--tmpfs", "/run:exec", fixture.image, "true"])
        #expect(exec.status == 125 && exec.stderr.contains("always noexec"), "\(exec)")
        let forbidden = try fixture.run(["--tmpfs", "/run"], ["true"])
        #expect(forbidden.status == 125 && forbidden.stderr.contains("does not allow extra ones (extraTmpfs)"), "\(forbidden)")
    }

    @Test("securerun stop sends the container's --stop-signal and honours its --stop-timeout")
    func stopSignalIsHonoured() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try ContainerLifecycleTests.Root(fixture)
        _ = try root.detach(
            ["--name", "graceful", "--stop-signal", "SIGUSR1", "--stop-timeout", "30"],
            ["sh", "-c", "trap 'echo got usr1; exit 7' USR1; echo ready; while :; do sleep 1; done"])
        #expect(try root.waitForLog("graceful", "ready"))
        let record = try #require(try root.inspect("graceful")["record"] as? [String: Any])
        let request = try #require(record["request"] as? [String: Any])
        #expect(request["stopSignal"] != nil && request["stopTimeout"] != nil, "the record keeps them: \(request.keys)")
        #expect(try root.cli.run(["stop", "graceful"], timeout: 60).status == 0)
        #expect(try root.cli.run(["wait", "graceful"]).stdout == "7\n", "SIGTERM (ignored by PID 1) then SIGKILL would give 137")
        #expect(try root.cli.run(["logs", "graceful"]).stdout.contains("got usr1"))
        #expect(try root.cli.run(["rm", "graceful"]).status == 0)
    }
}
