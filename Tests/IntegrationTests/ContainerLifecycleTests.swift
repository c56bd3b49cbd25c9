import Foundation
import HostSystem
import Testing

/// Issue 9: containers that outlive the command, seen through the commands a user types and from inside
/// real runc containers.
@Suite("detached containers: run -d, ps, logs, stop, kill, rm, wait, inspect, exec, -it, --init, monitors")
struct ContainerLifecycleTests {
    /// A state root of its own with the fixture's image, and the helpers these tests share.
    struct Root {
        let isolated: RunMountTests.Isolated
        var cli: CLI { isolated.cli }
        var profile: String { isolated.fixture.profile }
        var image: String { isolated.image }

        init(_ fixture: RunFixture) throws {
            isolated = try RunMountTests.Isolated(fixture)
        }

        /// `run -d` with `flags`; returns the id it printed.
        func detach(_ flags: [String], _ command: [String], profile: String? = nil) throws -> String {
            let result = try cli.run(["run", "-d", "--profile", profile ?? self.profile] + flags + [image] + command)
            guard result.status == 0 else { throw TestFailure("run -d failed: \(result)") }
            let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            guard id.count == 32, id.allSatisfy(\.isHexDigit) else { throw TestFailure("run -d printed no id: \(result)") }
            return id
        }

        /// Waits up to 10 s until `securerun logs NAME` contains `text`.
        func waitForLog(_ name: String, _ text: String) throws -> Bool {
            for _ in 0..<200 {
                if try cli.run(["logs", name]).stdout.contains(text) { return true }
                usleep(50_000)
            }
            return false
        }

        /// The record of `name` as `inspect` prints it.
        func inspect(_ name: String) throws -> [String: Any] {
            let result = try cli.run(["inspect", name])
            let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return try #require(array?.first, "\(result)")
        }
    }

    @Test("run -d returns the id once it runs; ps, logs -f (following a container that writes, then exits), wait, inspect and rm")
    func detachedLife() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let id = try root.detach(["--name", "talker"], ["sh", "-c", "echo ready; sleep 1; for i in 1 2 3; do echo out $i; echo err $i >&2; done; exit 4"])
        let ps = try root.cli.run(["ps"])
        #expect(ps.stdout.contains(String(id.prefix(12))) && ps.stdout.contains("talker") && ps.stdout.contains("Up"), "\(ps)")
        let quiet = try root.cli.run(["ps", "-q"])
        #expect(quiet.stdout == String(id.prefix(12)) + "\n", "\(quiet)")
        // -f starts before the container has written its lines and returns once it has ended.
        let follow = try root.cli.run(["logs", "-f", "talker"], timeout: 20)
        #expect(follow.status == 0, "\(follow)")
        #expect(follow.stdout == "ready\nout 1\nout 2\nout 3\n", "\(follow)")
        #expect(follow.stderr == "err 1\nerr 2\nerr 3\n", "\(follow)")
        let waited = try root.cli.run(["wait", "talker"])
        #expect(waited.stdout == "4\n", "\(waited)")
        #expect(try root.cli.run(["ps"]).stdout.contains("talker") == false)
        let all = try root.cli.run(["ps", "-a", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["status"] as? String == "exited" && rows.first?["exitCode"] as? Int == 4, "\(all)")
        // The two streams are logged by two readers, so either may hold the very last line.
        let tail = try root.cli.run(["logs", "--tail", "1", "--timestamps", "talker"])
        let last = tail.stdout + tail.stderr
        #expect(last.split(separator: "\n").count == 1 && last.hasSuffix(" 3\n") && last.contains("Z "), "\(tail)")
        let inspected = try root.inspect("talker")
        let record = try #require(inspected["record"] as? [String: Any])
        #expect(record["id"] as? String == id && record["exitCode"] as? Int == 4)
        #expect((record["verdict"] as? [String: Any])?["admitted"] as? Bool == true)
        let spec = try #require(inspected["spec"] as? [String: Any])
        #expect((spec["user"] as? [String: Any])?["uid"] as? Int == 65534 && spec["noNewPrivileges"] as? Bool == true)
        #expect(try root.cli.run(["rm", "talker"]).status == 0)
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
        #expect(try root.cli.run(["logs", "talker"]).stderr == "securerun: no such container: talker (see 'securerun ps -a')\n")
    }

    @Test("stop: a process that traps SIGTERM exits at once, one that ignores it is killed after -t; kill -s delivers a signal")
    func stopAndKill() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        _ = try root.detach(["--name", "polite"], ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done"])
        _ = try root.detach(["--name", "stubborn"], ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"])
        _ = try root.detach(["--name", "listener"], ["sh", "-c", "trap 'echo usr1' USR1; echo ready; while true; do sleep 0.1; done"])
        for name in ["polite", "stubborn", "listener"] { #expect(try root.waitForLog(name, "ready")) }
        let start = Date()
        #expect(try root.cli.run(["stop", "-t", "5", "polite"]).stdout == "polite\n")
        #expect(Date().timeIntervalSince(start) < 4)
        #expect(try root.cli.run(["wait", "polite"]).stdout == "0\n")
        #expect(try root.cli.run(["logs", "polite"]).stdout.contains("bye"))
        #expect(try root.cli.run(["stop", "-t", "1", "stubborn"]).status == 0)
        #expect(try root.cli.run(["wait", "stubborn"]).stdout == "137\n")
        #expect(try root.cli.run(["kill", "-s", "USR1", "listener"]).status == 0)
        #expect(try root.waitForLog("listener", "usr1"))
        #expect(try root.cli.run(["kill", "-s", "BOGUS", "listener"]).stderr.contains("invalid --signal BOGUS"))
        #expect(try root.cli.run(["kill", "listener"]).status == 0)
        #expect(try root.cli.run(["wait", "listener"]).stdout == "137\n")
        #expect(try root.cli.run(["stop", "polite"]).stdout == "polite\n")  // already stopped: a clean outcome
        #expect(try root.cli.run(["rm", "polite", "stubborn", "listener"]).status == 0)
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }

    @Test("rm refuses a running container without -f; -f kills it; two rm at once leave one clean outcome and one error; a missing name is one line")
    func remove() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        _ = try root.detach(["--name", "busy"], ["sleep", "60"])
        let refused = try root.cli.run(["rm", "busy"])
        #expect(refused.status == 1 && refused.stderr.contains("container busy is running"), "\(refused)")
        #expect(try root.cli.run(["rm", "-f", "busy"]).status == 0)
        _ = try root.detach(["--name", "twice"], ["true"])
        #expect(try root.cli.run(["wait", "twice"]).stdout == "0\n")
        let cli = root.cli
        let group = DispatchGroup()
        let outcomes = Outcomes()
        for _ in 0..<2 {
            group.enter()
            Thread {
                outcomes.add(try? cli.run(["rm", "twice"]))
                group.leave()
            }.start()
        }
        group.wait()
        // Exactly one removes it (exit 0, its name) and the other finds it gone (exit 1, one line), whichever wins.
        let sorted = outcomes.all.compactMap { $0 }.sorted { $0.status < $1.status }
        #expect(sorted.map(\.status) == [0, 1], "\(outcomes.all)")
        #expect(sorted.first?.stdout == "twice\n" && sorted.first?.stderr == "", "\(outcomes.all)")
        #expect(sorted.last?.stdout == "" && sorted.last?.stderr == "securerun: no such container: twice (see 'securerun ps -a')\n", "\(outcomes.all)")
        let missing = try root.cli.run(["rm", "nothing-here"])
        #expect(missing.status == 1 && missing.stderr == "securerun: no such container: nothing-here (see 'securerun ps -a')\n")
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
        // A name is free again once its container is gone.
        _ = try root.detach(["--name", "busy", "--rm"], ["true"])
    }

    // The attack: exec as a way around the floor (root, more capabilities, no seccomp).
    @Test("exec runs with exactly the container's floor and can never be root, nor gain a capability")
    func execFloor() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let capable = try RunFixture.writeProfile(in: root.isolated.temp.url, name: "capable", extra: "capabilities: [NET_BIND_SERVICE]")
        _ = try root.detach(["--name", "floor"], ["sleep", "60"])
        _ = try root.detach(["--name", "netbind"], ["sleep", "60"], profile: capable)
        let status = try root.cli.run(["exec", "floor", "sh", "-c", "id -u; grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.contains("65534\n"))
        for line in ["CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"] {
            #expect(status.stdout.contains(line), "\(status.stdout)")
        }
        let netbind = try root.cli.run(["exec", "netbind", "grep", "CapBnd", "/proc/self/status"])
        #expect(netbind.stdout == "CapBnd:\t0000000000000400\n", "\(netbind)")
        for user in ["0", "root", "00", "1000:0", "root:root"] {
            let refused = try root.cli.run(["exec", "-u", user, "floor", "id"])
            #expect(refused.status == 125 && refused.stderr.contains("refused: exec never runs as root"), "\(user): \(refused)")
        }
        let other = try root.cli.run(["exec", "-u", "app", "-e", "X=1", "-w", "/tmp", "floor", "sh", "-c", "id -u; echo $X; pwd"])
        #expect(other.stdout == "1000\n1\n/tmp\n", "\(other)")
        let piped = try root.cli.run(["exec", "-i", "floor", "cat"], stdin: "through exec\n")
        #expect(piped.stdout == "through exec\n")
        #expect(try root.cli.run(["exec", "floor", "sh", "-c", "exit 3"]).status == 3)
        #expect(try root.cli.run(["exec", "floor", "/no/such"]).status != 0)
        _ = try root.cli.run(["rm", "-f", "floor", "netbind"])
        let stopped = try root.cli.run(["exec", "floor", "true"])
        #expect(stopped.status == 125 && stopped.stderr.split(separator: "\n").count == 1, "\(stopped)")
    }

    @Test("-it on a pseudo-terminal: a prompt, tty names a device, a window-size change is seen, and the caller's terminal mode is restored")
    func interactiveTerminal() throws {
        guard let fixture = RunFixture.available(), Requirements.met(tools: ["python3"]) else { return }
        let root = try Root(fixture)
        let script = root.isolated.temp.url.appendingPathComponent("drive_terminal.py")
        try Self.ptyDriver.write(to: script, atomically: true, encoding: .utf8)
        let result = try CLI.exec(
            "python3", [script.path, CLI.binary, "run", "-it", "--profile", root.profile, root.image, "sh"],
            environment: ["SECURERUN_ROOT": root.cli.root.path], timeout: 30)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("PROMPT ok"), "\(result)")
        #expect(result.stdout.contains("TTY /dev/pts/"), "\(result)")
        #expect(result.stdout.contains("SIZE 30 100"), "\(result)")
        #expect(result.stdout.contains("RESIZED 40 120"), "\(result)")
        #expect(result.stdout.contains("EXIT 5"), "\(result)")
        #expect(result.stdout.contains("MODE restored"), "\(result)")
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }

    /// Drives a command on a pty the way a person at a terminal would, and checks the terminal's mode after.
    static let ptyDriver = #"""
        import os, pty, select, struct, sys, termios, fcntl, time
        master, slave = pty.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        before = termios.tcgetattr(slave)
        pid = os.fork()
        if pid == 0:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2): os.dup2(slave, fd)
            os.execv(sys.argv[1], sys.argv[1:])
        def read_until(token, timeout=10):
            buf, end = b"", time.time() + timeout
            while time.time() < end:
                r, _, _ = select.select([master], [], [], 0.1)
                if r:
                    try: data = os.read(master, 4096)
                    except OSError: break
                    buf += data
                    if token in buf: return buf
            return buf
        print("PROMPT ok" if b"$ " in read_until(b"$ ") else "PROMPT missing")
        os.write(master, b"echo TTY $(tty); echo SIZE $(stty size)\n")
        out = read_until(b"SIZE 30 100")
        for line in out.decode(errors="replace").splitlines():
            if line.startswith("TTY ") or line.startswith("SIZE "): print(line.strip())
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        time.sleep(0.5)
        os.write(master, b"echo RESIZED $(stty size)\n")
        out = read_until(b"RESIZED 40 120")
        print("RESIZED 40 120" if b"RESIZED 40 120" in out else "RESIZED missing: %r" % out)
        os.write(master, b"exit 5\n")
        _, status = os.waitpid(pid, 0)
        print("EXIT", os.WEXITSTATUS(status))
        print("MODE restored" if termios.tcgetattr(slave) == before else "MODE changed")
        """#

    @Test("--init reaps zombies and delivers SIGINT; without it PID 1 keeps its zombies")
    func initProcess() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let zombieMaker = ["sh", "-c", "(sleep 0.2 &); exec sleep 60"]
        _ = try root.detach(["--name", "plain"], zombieMaker)
        _ = try root.detach(["--name", "reaped", "--init"], zombieMaker)
        usleep(1_000_000)
        let count = ["sh", "-c", "grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l"]
        let plain = try root.cli.run(["exec", "plain"] + count)
        let reaped = try root.cli.run(["exec", "reaped"] + count)
        #expect(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(plain)")
        #expect(reaped.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(reaped)")
        _ = try root.cli.run(["rm", "-f", "plain", "reaped"])
        // SIGINT to securerun in the foreground reaches sleep through tini; exit 130 like a shell.
        let run = try BackgroundRun(
            ["run", "--profile", root.profile, "--init", root.image, "sh", "-c", "echo ready; exec sleep 60"], root: root.cli.root,
            logDirectory: root.isolated.temp.url, name: "sigint")
        #expect(run.waitFor("ready"))
        usleep(200_000)
        #expect(run.signal(SIGINT) == 130)
    }

    // A killed monitor must not take a healthy container with it, and must not leave anything behind.
    @Test("SIGKILL of a monitor: a running container is adopted (logs go on, stop works); one that ended meanwhile is settled")
    func monitorKilled() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        _ = try root.detach(["--name", "orphan"], ["sh", "-c", "echo before; sleep 1.5; echo after; while true; do sleep 0.1; done"])
        _ = try root.detach(["--name", "short"], ["sh", "-c", "sleep 1; exit 7"])
        #expect(try root.waitForLog("orphan", "before"))
        for name in ["orphan", "short"] {
            let record = try #require(try root.inspect(name)["record"] as? [String: Any])
            let monitor = try #require(record["ownerPID"] as? Int)
            kill(pid_t(monitor), SIGKILL)
        }
        usleep(1_500_000)
        // The next command finds both: one still runs and gets a new monitor; the other has ended.
        let ps = try root.cli.run(["ps", "-a"])
        #expect(ps.stderr.contains("orphan lost its monitor"), "\(ps)")
        let logged = try root.waitForLog("orphan", "after")
        let logs = try root.cli.run(["logs", "orphan"])
        #expect(logged, "\(logs)")
        let short = try root.inspect("short")["record"] as? [String: Any]
        #expect(short?["status"] as? String == "exited", "\(String(describing: short))")
        #expect(try root.cli.run(["ps"]).stdout.contains("orphan"))
        #expect(try root.cli.run(["stop", "-t", "1", "orphan"]).status == 0)
        #expect(try root.cli.run(["rm", "orphan", "short"]).status == 0)
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
    }

    @Test("a corrupt record shows as broken in ps -a and rm removes it without touching the other containers")
    func corruptRecord() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        let broken = try root.detach(["--name", "broken"], ["true"])
        let healthy = try root.detach(["--name", "healthy"], ["sleep", "60"])
        #expect(try root.cli.run(["wait", "broken"]).stdout == "0\n")
        try "{\"id\": ".write(to: root.cli.root.appendingPathComponent("containers/\(broken)/record.json"), atomically: true, encoding: .utf8)
        let ps = try root.cli.run(["ps", "-a"])
        #expect(ps.status == 0 && ps.stdout.contains("Broken") && ps.stdout.contains("healthy"), "\(ps)")
        #expect(try root.cli.run(["rm", String(broken.prefix(12))]).status == 0)
        #expect(try root.cli.run(["ps"]).stdout.contains(String(healthy.prefix(12))))
        _ = try root.cli.run(["rm", "-f", "healthy"])
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty)
    }
}

/// The results of commands run on threads of their own, in the order they finished.
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CLIResult?] = []

    func add(_ result: CLIResult?) { lock.withLock { results.append(result) } }
    var all: [CLIResult?] { lock.withLock { results } }
}
