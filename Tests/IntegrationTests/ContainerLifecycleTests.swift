import Foundation
import HostSystem
import TestSupport
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

        /// Waits (up to `Wait.standard`) until `securerun logs NAME` contains `text`.
        func waitForLog(_ name: String, _ text: String) throws -> Bool {
            try Wait.until { try cli.run(["logs", name]).stdout.contains(text) }
        }

        /// The container's init process on the host, from `inspect`.
        func initPID(_ name: String) throws -> Int32 {
            let record = try #require(try inspect(name)["record"] as? [String: Any])
            return Int32(try #require(record["initPID"] as? Int, "\(record)"))
        }

        /// Lets a container waiting in `Self.untilGo` go on: writes /tmp/go into its own /tmp from the host,
        /// without a securerun command that would look at its state. The container's tmpfs belongs to its
        /// user namespace, where host root has no id (EOVERFLOW): the file is made as root of that namespace.
        func release(pid: Int32) throws {
            let made = try CLI.exec("nsenter", ["-t", "\(pid)", "-U", "-m", "-r", "--", "touch", "/tmp/go"])
            if made.status != 0 { try Data().write(to: URL(fileURLWithPath: "/proc/\(pid)/root/tmp/go")) }
        }

        /// The record of `name` as `inspect` prints it.
        func inspect(_ name: String) throws -> [String: Any] {
            let result = try cli.run(["inspect", name])
            let array = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
            return try #require(array?.first, "\(result)")
        }
    }

    /// A shell line that waits until the test writes /tmp/go (`Root.release`), for at most `Wait.standard`.
    static let untilGo = "i=0; while [ ! -e /tmp/go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done"

    @Test("run -d returns the id once it runs; ps, logs -f (following a container that writes, then exits), wait, inspect and rm")
    func detachedLife() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        // It waits for the test's go, so ps sees it running however slow the host is.
        let id = try root.detach(
            ["--name", "talker"], ["sh", "-c", "echo ready; \(Self.untilGo); for i in 1 2 3; do echo out $i; echo err $i >&2; done; exit 4"])
        let pid = try root.initPID("talker")
        let ps = try root.cli.run(["ps"])
        #expect(ps.stdout.contains(String(id.prefix(12))) && ps.stdout.contains("talker") && ps.stdout.contains("Up"), "\(ps)")
        let quiet = try root.cli.run(["ps", "-q"])
        #expect(quiet.stdout == String(id.prefix(12)) + "\n", "\(quiet)")
        // -f follows a container that has not yet written its lines, and returns once it has ended.
        #expect(try root.waitForLog("talker", "ready"))
        try root.release(pid: pid)
        let follow = try root.cli.run(["logs", "-f", "talker"], timeout: Wait.standard)
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
        // Exit 0 (not 137) shows the trap ended it: stop's kill after -t never came. No clock is read.
        #expect(try root.cli.run(["stop", "-t", "60", "polite"]).stdout == "polite\n")
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

    @Test("rm refuses a running container without -f; -f kills it; of two rm at once one removes it, the other too or finds it gone; no name: one line")
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
        // The only two outcomes of an rm, whichever wins: it removed the container (or found another rm
        // removing it: Lifecycle.remove calls that the outcome asked for), or the container was already gone.
        // At least one removes it; two failures, or any other output, fail the test.
        let removed = (status: Int32(0), stdout: "twice\n", stderr: "")
        let gone = (status: Int32(1), stdout: "", stderr: "securerun: no such container: twice (see 'securerun ps -a')\n")
        let results = outcomes.all.compactMap { $0 }.map { (status: $0.status, stdout: $0.stdout, stderr: $0.stderr) }
        #expect(results.count == 2 && results.allSatisfy { $0 == removed || $0 == gone }, "\(outcomes.all)")
        #expect(results.contains { $0 == removed }, "neither rm removed it: \(outcomes.all)")
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
            environment: ["SECURERUN_ROOT": root.cli.root.path], timeout: 240)
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
        def read_until(token, timeout=60):
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
        # The new size reaches the container's terminal through securerun's relay: ask until it shows (bounded).
        out, end = b"", time.time() + 60
        while b"RESIZED 40 120" not in out and time.time() < end:
            os.write(master, b"echo RESIZED $(stty size)\n")
            out += read_until(b"RESIZED 40 120", timeout=1)
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
        // An orphan `sleep 0.2` is re-parented to PID 1 and exits: a zombie unless PID 1 reaps it. Polled (no
        // fixed wait): plain until its zombie shows, reaped until only its main `sleep 60` is left.
        let zombieMaker = ["sh", "-c", "(sleep 0.2 &); exec sleep 60"]
        _ = try root.detach(["--name", "plain"], zombieMaker)
        _ = try root.detach(["--name", "reaped", "--init"], zombieMaker)
        let zombies = ["sh", "-c", "grep -l '^State:.Z' /proc/[0-9]*/status 2>/dev/null | wc -l"]
        let sleeps = ["sh", "-c", "grep -l '^Name:.sleep$' /proc/[0-9]*/status 2>/dev/null | wc -l"]
        func count(_ name: String, _ command: [String]) throws -> String {
            try root.cli.run(["exec", name] + command).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try Wait.until { try count("plain", zombies) == "1" }, "plain never showed its zombie")
        #expect(try Wait.until { try count("reaped", sleeps) == "1" }, "the orphan in reaped was never reaped")
        #expect(try count("reaped", zombies) == "0")
        #expect(try count("plain", zombies) == "1", "plain keeps its zombie")
        _ = try root.cli.run(["rm", "-f", "plain", "reaped"])
        // SIGINT to securerun in the foreground reaches sleep through tini; exit 130 like a shell.
        let run = try BackgroundRun(
            ["run", "--profile", root.profile, "--init", root.image, "sh", "-c", "echo ready; exec sleep 60"], root: root.cli.root,
            logDirectory: root.isolated.temp.url, name: "sigint")
        #expect(run.waitFor("ready"))
        #expect(run.signal(SIGINT) == 130)
    }

    // A killed monitor must not take a healthy container with it, and must not leave anything behind.
    @Test("SIGKILL of a monitor: a running container is adopted (logs go on, stop works); one that ended meanwhile is settled")
    func monitorKilled() throws {
        guard let fixture = RunFixture.available() else { return }
        let root = try Root(fixture)
        // Both wait for the test's go, given once their monitors are dead: no timing decides the order.
        _ = try root.detach(["--name", "orphan"], ["sh", "-c", "echo before; \(Self.untilGo); echo after; while true; do sleep 0.1; done"])
        _ = try root.detach(["--name", "short"], ["sh", "-c", "\(Self.untilGo); exit 7"])
        #expect(try root.waitForLog("orphan", "before"))
        var pids: [String: Int32] = [:]
        for name in ["orphan", "short"] {
            let record = try #require(try root.inspect(name)["record"] as? [String: Any])
            let monitor = try #require(record["ownerPID"] as? Int)
            pids[name] = try root.initPID(name)
            kill(pid_t(monitor), SIGKILL)
            #expect(Wait.until { Self.gone(pid_t(monitor)) }, "monitor \(monitor) of \(name) survived SIGKILL")
        }
        for pid in pids.values { try root.release(pid: pid) }
        // short ends while nothing looks after it (its init is gone or a zombie nobody waits for).
        let short = try #require(pids["short"])
        #expect(Wait.until { Self.gone(short) }, "short did not end")
        // The next command finds both: one still runs and gets a new monitor; the other has ended.
        let ps = try root.cli.run(["ps", "-a"])
        #expect(ps.stderr.contains("orphan lost its monitor"), "\(ps)")
        let logged = try root.waitForLog("orphan", "after")
        let logs = try root.cli.run(["logs", "orphan"])
        #expect(logged, "\(logs)")
        let shortRecord = try root.inspect("short")["record"] as? [String: Any]
        #expect(shortRecord?["status"] as? String == "exited", "\(String(describing: shortRecord))")
        #expect(try root.cli.run(["ps"]).stdout.contains("orphan"))
        #expect(try root.cli.run(["stop", "-t", "1", "orphan"]).status == 0)
        #expect(try root.cli.run(["rm", "orphan", "short"]).status == 0)
        #expect(RunFixture.leftovers(root: root.cli.root).isEmpty, "\(RunFixture.leftovers(root: root.cli.root))")
    }

    /// Whether process `pid` has ended (gone, or a zombie).
    static func gone(_ pid: pid_t) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.isEmpty || stat.contains(") Z ")
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
