import Foundation
import Testing

/// Starts real containers through runc and checks, from inside, what the kernel enforces.
@Suite("securerun run: hardening seen from inside the container")
struct RunHardeningTests {
    /// /proc/self/status as the container's process sees it.
    func status(_ fixture: RunFixture, flags: [String] = []) throws -> [String: String] {
        let result = try fixture.run(flags, ["cat", "/proc/self/status"])
        #expect(result.status == 0, "\(result)")
        var fields: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    @Test("runs as the profile's non-root uid and gid, with every capability dropped, no_new_privs and seccomp")
    func identityAndPrivileges() throws {
        guard let fixture = RunFixture.available() else { return }
        let fields = try status(fixture)
        #expect(fields["Uid"] == "65534\t65534\t65534\t65534")
        #expect(fields["Gid"] == "65534\t65534\t65534\t65534")
        for set in ["CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"] {
            #expect(fields[set] == "0000000000000000", "\(set) = \(fields[set] ?? "missing")")
        }
        #expect(fields["NoNewPrivs"] == "1")
        #expect(fields["Seccomp"] == "2")
    }

    @Test("--user picks another non-root uid; names resolve through the image's /etc/passwd")
    func otherNonRootUser() throws {
        guard let fixture = RunFixture.available() else { return }
        #expect(try status(fixture, flags: ["--user", "1234:4321"])["Uid"] == "1234\t1234\t1234\t1234")
        #expect(try status(fixture, flags: ["--user", "app"])["Gid"] == "1000\t1000\t1000\t1000")
    }

    @Test("denied syscalls fail with EPERM while ordinary work succeeds")
    func seccompDenies() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.run([], ["/probe", "syscalls"])
        #expect(result.status == 0, "\(result)")
        for call in ["mount", "umount2", "unshare", "ptrace", "bpf", "keyctl", "pivot_root"] {
            #expect(result.stdout.contains("\(call): EPERM"), "\(call) not denied:\n\(result.stdout)")
        }
        #expect(result.stdout.contains("getpid: ok"))
        let shell = try fixture.run([], ["sh", "-c", "echo hello; ls / | grep -c . ; id -u"])
        #expect(shell.status == 0, "\(shell)")
        #expect(shell.stdout.hasPrefix("hello\n"))
    }

    @Test("the root filesystem is read-only (EROFS) and /tmp is a writable tmpfs owned by the run user")
    func readOnlyRoot() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try fixture.run([], ["/probe", "write", "/created-by-test"])
        #expect(root.stdout.contains("/created-by-test: EROFS"), "\(root)")
        let tmp = try fixture.run([], ["/probe", "write", "/tmp/ok"])
        #expect(tmp.stdout.contains("/tmp/ok: ok"), "\(tmp)")
        let noexec = try fixture.run([], ["sh", "-c", "cp /bin/busybox /tmp/b && /tmp/b true; echo status=$?"])
        #expect(noexec.stdout.contains("status=126"), "tmpfs must be noexec: \(noexec)")
    }

    @Test("an allocation above the memory limit is OOM-killed (exit 137)")
    func memoryLimit() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.run(["--memory", "16m"], ["/probe", "alloc", "200"])
        #expect(result.status == 137, "\(result)")
        #expect(!result.stdout.contains("alloc: ok"))
        let small = try fixture.run(["--memory", "64m"], ["/probe", "alloc", "8"])
        #expect(small.status == 0 && small.stdout.contains("alloc: ok 8 MB"), "\(small)")
    }

    @Test("a fork loop stops at the pids limit with EAGAIN")
    func pidsLimit() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.run(["--pids-limit", "20"], ["/probe", "fork", "200"])
        #expect(result.stdout.contains("then EAGAIN"), "\(result)")
        let made = result.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
        #expect(made > 0 && made < 20, "forked \(made)")
    }

    @Test("the CPU quota is in the container's cgroup")
    func cpuQuota() throws {
        guard let fixture = RunFixture.available() else { return }
        let result = try fixture.run(
            ["--cpus", "0.5"],
            ["sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max"])
        #expect(result.status == 0, "\(result)")
        let values = result.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(values == ["50000", "100000"], "\(result.stdout)")
        let memory = try fixture.run(
            ["--memory", "100m"], ["sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"])
        #expect(memory.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(100 << 20)")
        let pids = try fixture.run(["--pids-limit", "33"], ["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"])
        #expect(pids.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "33")
    }

    @Test("stdin passes with -i, stdout and stderr pass through; the container's exit code is securerun's")
    func stdioAndExitCode() throws {
        guard let fixture = RunFixture.available() else { return }
        let echo = try fixture.run(["-i"], ["cat"], stdin: "piped input\n")
        #expect(echo.stdout == "piped input\n")
        // Without -i the container reads /dev/null, as with docker run.
        let closed = try fixture.run([], ["sh", "-c", "cat; echo end"], stdin: "not for the container\n")
        #expect(closed.stdout == "end\n")
        let exit = try fixture.run([], ["sh", "-c", "echo out; echo err >&2; exit 7"])
        #expect(exit.status == 7)
        #expect(exit.stdout == "out\n")
        #expect(exit.stderr.contains("err"))
        let env = try fixture.run(["-e", "GREETING=hi", "-w", "/tmp"], ["sh", "-c", "echo $GREETING; pwd"])
        #expect(env.stdout == "hi\n/tmp\n")
    }

    // A `while read` loop around `securerun run` lost its input: the container read the loop's stdin.
    @Test("without -i the container never reads the caller's stdin, so a while-read loop keeps its lines")
    func whileReadLoop() throws {
        guard let fixture = RunFixture.available() else { return }
        let run = "\(CLI.binary) run --profile \(fixture.profile) \(fixture.image) sh -c 'cat; true'"
        let loop = try CLI.exec(
            "/bin/sh", ["-c", "printf 'one\\ntwo\\nthree\\n' | while read line; do \(run); echo \"got $line\"; done"],
            environment: ["SECURERUN_ROOT": fixture.cli.root.path])
        #expect(loop.stdout == "got one\ngot two\ngot three\n", "\(loop)")
    }

    // Attack: a container holding the caller's terminal can push keystrokes into the caller's shell
    // with TIOCSTI (CVE-2017-5226 class) once it exits.
    @Test("a caller's terminal is relayed, never handed to the container; typed input and output still pass")
    func terminalIsRelayed() throws {
        guard let fixture = RunFixture.available(), Requirements.met(tools: ["script"]) else { return }
        let run = "\(CLI.binary) run --profile \(fixture.profile) \(fixture.image)"
        let environment = ["SECURERUN_ROOT": fixture.cli.root.path]
        // script(1) runs the command on a pseudo-terminal: stdin, stdout and stderr are all terminals.
        let probe = try CLI.exec("script", ["-qec", "\(run) /probe tty", "/dev/null"], environment: environment)
        #expect(probe.status == 0, "\(probe)")
        for fd in 0...2 { #expect(probe.stdout.contains("fd \(fd): not a terminal"), "\(probe.stdout)") }
        #expect(!probe.stdout.contains("TIOCSTI: ok"), "\(probe.stdout)")
        let interactive = "\(CLI.binary) run -i --profile \(fixture.profile) \(fixture.image)"
        let typed = try CLI.exec(
            "script", ["-qec", "\(interactive) sh -c 'read line; echo got $line'", "/dev/null"], stdin: "typed words\n", environment: environment)
        #expect(typed.stdout.contains("got typed words"), "\(typed)")
    }

    @Test("a command missing from the image exits 127 with a clear message, and nothing is left behind")
    func missingCommand() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let result = try own.run(["--name", "missing-cmd"], ["/no/such/binary"])
        #expect(result.status == 127)
        #expect(result.stderr == "securerun: executable file not found in the image: /no/such/binary\n")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }

    @Test("a container whose command exits 127 inside is torn down: no directory, runtime state, cgroup or mount remains")
    func exit127Inside() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let result = try own.run(["--name", "exits-127"], ["sh", "-c", "echo started; exit 127"])
        #expect(result.status == 127 && result.stdout == "started\n", "\(result)")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }

    @Test("SIGTERM to securerun reaches the container, and nothing is left behind")
    func signalForwarding() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let run = try BackgroundRun(
            [
                "run", "--profile", fixture.profile, "--name", "sigterm-test", own.image,
                "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; sleep 30 & wait",
            ], root: own.cli.root, logDirectory: own.temp.url, name: "sigterm")
        // Wait for "ready" so the trap is installed before the signal.
        #expect(run.waitFor("ready"))
        // While it runs, the check finds the container where it looks afterwards (so an empty answer means torn down).
        let running = Leftovers.of(root: own.cli.root)
        for kind in ["/containers/", "/runtime/runc/", "/sys/fs/cgroup/", "mount "] {
            #expect(running.contains { $0.contains(kind) }, "no \(kind) entry while the container runs: \(running)")
        }
        #expect(run.signal(SIGTERM) == 42)
        #expect(run.output.contains("got-term"))
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }

    @Test("after a run, no bundle, runtime state or cgroup remains")
    func cleanup() throws {
        guard let fixture = RunFixture.available() else { return }
        let own = try RunMountTests.Isolated(fixture)
        let result = try own.run(["--name", "cleanup-check"], ["true"])
        #expect(result.status == 0, "\(result)")
        #expect(Leftovers.of(root: own.cli.root).isEmpty, "\(Leftovers.of(root: own.cli.root))")
    }
}

/// A securerun killed with SIGKILL cannot clean up; the next start finds and removes what it left.
@Suite("securerun run: abandoned containers")
struct AbandonedContainerTests {
    @Test("a container whose securerun was SIGKILLed is removed by the next run")
    func sweptByNextRun() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-abandoned")
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        #expect(try cli.run(["image", "import", "--rootfs", fixture.directory.appendingPathComponent("rootfs").path, "--tag", "abandon:1"]).status == 0)
        let run = try BackgroundRun(
            ["run", "--profile", fixture.profile, "--name", "orphan", "abandon:1", "sh", "-c", "echo ready; sleep 60"],
            root: cli.root, logDirectory: temp.url, name: "orphan")
        #expect(run.waitFor("ready"))
        run.killHard()
        let ids = try FileManager.default.contentsOfDirectory(atPath: cli.root.appendingPathComponent("containers").path)
        let id = try #require(ids.first, "SIGKILL leaves the container behind")
        let containerDirectory = cli.root.appendingPathComponent("containers/\(id)").path

        let next = try cli.run(["run", "--profile", fixture.profile, "abandon:1", "true"])
        #expect(next.status == 0, "\(next)")
        #expect(next.stderr == "securerun: removed abandoned container orphan (its securerun process is gone)\n")
        #expect(!FileManager.default.fileExists(atPath: containerDirectory))
        #expect(!FileManager.default.fileExists(atPath: cli.root.appendingPathComponent("runtime/runc/\(id)").path))
        #expect(RunFixture.leftovers(root: cli.root).isEmpty, "\(RunFixture.leftovers(root: cli.root))")
        #expect(try cli.run(["image", "rm", "abandon:1"]).status == 0)
    }
}
