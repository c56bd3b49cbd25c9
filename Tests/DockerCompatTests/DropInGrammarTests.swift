import Testing

@testable import DockerCompat

/// The drop-in reads every docker command it guards the way docker's CLI (cobra and spf13/pflag) reads
/// it, so what securerun checks is what docker then does.
@Suite("DockerCompat: the drop-in's grammar for the commands it guards")
struct DropInGrammarTests {
    static func update(_ words: [String]) -> UpdateCall? {
        if case .update(let call) = DropIn.classify(words) { return call }
        return nil
    }

    static func exec(_ words: [String]) -> ExecCall? {
        if case .exec(let call) = DropIn.classify(words) { return call }
        return nil
    }

    // The attack: `docker update f2 --pids-limit 100000 --memory 4g --restart always` (pflag intersperses
    // flags and containers) went through with only the words before the container read as flags.
    @Test(
        "update reads flags after the container too (pflag interspersed arguments), in every spelling",
        arguments: [
            ["update", "f2", "--pids-limit", "100000", "--memory", "4g", "--restart", "always"],
            ["update", "--pids-limit=100000", "f2", "-m4g", "--restart=always"],
            ["container", "update", "f2", "--pids-limit", "100000", "-m", "4g", "--restart", "always"],
            ["--debug", "update", "f2", "--pids-limit", "100000", "-m=4g", "--restart", "always"],
        ])
    func updateAfterTheContainer(words: [String]) throws {
        let call = try #require(Self.update(words))
        #expect(call.containers == ["f2"])
        #expect(call.options.map(\.name) == ["pids-limit", "memory", "restart"])
        #expect(call.options.map(\.value) == ["100000", "4g", "always"])
    }

    @Test("update: several containers between flags; a value that starts with - is still the value; -- ends the flags")
    func updateContainersAndDashes() throws {
        let call = try #require(Self.update(["update", "a", "-c", "-5", "b", "--", "--memory", "c"]))
        #expect(call.containers == ["a", "b", "--memory", "c"])
        #expect(call.options == [ReadOption(name: "cpu-shares", typed: "-c", value: "-5")])
    }

    @Test(
        "a flag docker 20.10's command does not have, or one without its value, refuses the command (fail closed)",
        arguments: [
            ["update", "f2", "--device-read-bps", "/dev/sda:1mb"], ["update", "f2", "--memory"], ["update", "-x", "f2"], ["update", "f2", "---m", "1"],
            ["exec", "--frobnicate", "c", "id"], ["exec", "-u"], ["start", "--restore", "c"], ["restart", "-z", "c"],
            ["network", "connect", "--bogus", "n", "c"],
            ["container", "--frob", "exec", "c", "id"], ["exec", "--privileged=maybe", "c", "id"], ["--frobnicate", "exec", "c", "id"],
        ])
    func unreadableIsRefused(words: [String]) {
        guard case .unreadable = DropIn.classify(words) else {
            Issue.record("\(words) was not refused: \(DropIn.classify(words))")
            return
        }
    }

    // docker sets SetInterspersed(false) on exec (cli/command/container/exec.go): the first positional
    // word is the container and everything after it is the command, flags or not.
    @Test("exec stops reading flags at the container: what follows is the command's")
    func execStopsAtTheContainer() throws {
        let call = try #require(Self.exec(["exec", "-it", "c", "sh", "-u", "0", "--privileged"]))
        #expect(call.container == "c" && call.command == ["sh", "-u", "0", "--privileged"])
        #expect(call.user == nil && call.privileged == nil)
        #expect(call.options.map(\.name) == ["interactive", "tty"])
    }

    @Test(
        "exec -u in every spelling docker reads; the last one counts",
        arguments: [
            (["exec", "-u", "0", "c", "id"], "0"), (["exec", "-u0", "c", "id"], "0"), (["exec", "-u=0", "c", "id"], "0"),
            (["exec", "-itu", "0:0", "c", "id"], "0:0"), (["exec", "--user=app", "c", "id"], "app"), (["exec", "--user", "app", "c", "id"], "app"),
            (["exec", "-u", "app", "--user", "root", "c", "id"], "root"), (["container", "exec", "-du", "evil", "c", "id"], "evil"),
        ])
    func execUser(words: [String], user: String) throws {
        let call = try #require(Self.exec(words))
        #expect(call.user == user && call.container == "c" && call.command == ["id"])
    }

    @Test("exec --privileged: bare or =true asks for privileges, =false does not")
    func execPrivileged() throws {
        #expect(Self.exec(["exec", "--privileged", "c", "id"])?.privileged == "--privileged")
        #expect(Self.exec(["exec", "--privileged=True", "c", "id"])?.privileged == "--privileged=True")
        #expect(Self.exec(["exec", "--privileged=false", "c", "id"])?.privileged == nil)
    }

    @Test("the exec handed back to docker keeps every flag, names the user in numbers, and ends the flags before the container")
    func execRebuilt() throws {
        let call = try #require(Self.exec(["--config", "/cfg", "exec", "-itu", "app", "-e", "A=1=2", "-w", "/w", "c", "sh", "-c", "id -u"]))
        #expect(
            call.arguments(user: "1000:1000") == [
                "--config", "/cfg", "exec", "--interactive", "--tty", "--env=A=1=2", "--workdir=/w", "--user=1000:1000", "--", "c", "sh", "-c", "id -u",
            ])
        let again = try #require(Self.exec(call.arguments(user: "1000:1000")))
        #expect(again.user == "1000:1000" && again.container == "c" && again.command == ["sh", "-c", "id -u"])
    }

    @Test("start and restart, and their container forms, name every container wherever the flags are")
    func startAndRestart() throws {
        guard case .start(let start) = DropIn.classify(["start", "a", "-a", "b", "--checkpoint", "cp"]) else {
            Issue.record("start not read")
            return
        }
        #expect(start.verb == "start" && start.containers == ["a", "b"] && start.options.map(\.name) == ["attach", "checkpoint"])
        guard case .start(let restart) = DropIn.classify(["container", "restart", "a", "-t", "3"]) else {
            Issue.record("container restart not read")
            return
        }
        #expect(restart.verb == "restart" && restart.containers == ["a"])
    }

    @Test("network connect: the network and the container wherever the flags are")
    func networkConnect() {
        #expect(DropIn.classify(["network", "connect", "n", "--alias", "x", "c"]) == .networkConnect(network: "n", container: "c"))
        #expect(DropIn.classify(["network", "connect", "--ip=10.0.0.2", "n", "c"]) == .networkConnect(network: "n", container: "c"))
    }

    @Test("help, too few words, and commands securerun does not guard go to docker unchanged")
    func passThrough() {
        for words in [
            ["update", "--help"], ["update", "c", "-h", "--memory", "9g"], ["exec", "-h"], ["exec", "c"], ["update", "--memory", "1g"], ["ps", "-a"],
            ["container", "ls"], ["network", "ls"], ["--version"], ["container", "--help"], [],
        ] {
            #expect(DropIn.classify(words) == .passThrough, "\(words)")
        }
    }

    @Test("an engine-choosing global flag refuses a guarded command, in any spelling")
    func engineGlobals() {
        #expect(DropIn.classify(["-H", "tcp://h:2375", "update", "c", "--memory", "1g"]) == .refusedGlobal(flag: "-H"))
        #expect(DropIn.classify(["--host=tcp://h", "exec", "c", "id"]) == .refusedGlobal(flag: "--host"))
        #expect(DropIn.classify(["-Dc", "remote", "start", "c"]) == .refusedGlobal(flag: "-c"))
        #expect(DropIn.classify(["--context", "remote", "ps"]) == .passThrough)
        #expect(DropIn.read(["--config", "/d", "ps"]).configDirectory == "/d")
    }
}
