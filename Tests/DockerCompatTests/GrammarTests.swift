import Foundation
import Policy
import Testing

@testable import DockerCompat

/// docker's command-line grammar (spf13/pflag with interspersing off), spelling by spelling.
@Suite("DockerCompat: docker's grammar")
struct GrammarTests {
    @Test("combined short flags: -it, -itd, -dit set each boolean, and the origin is the letter inside the word")
    func combinedShortFlags() throws {
        for word in ["-itd", "-dit", "-tid"] {
            let request = try Parse.run([word, "img"]).request
            #expect(request.keepsStdinOpen && request.allocatesTerminal && request.runsDetached, "\(word)")
        }
        let request = try Parse.run(["--rm", "-itd", "img"]).request
        #expect(request.detach?.origin == FlagOrigin(flag: "-d", typed: "-d", index: 1, offset: 3))
        #expect(request.tty?.origin.offset == 2 && request.interactive?.origin.offset == 1)
        let it = try Parse.run(["-it", "img", "sh"]).request
        #expect(it.keepsStdinOpen && it.allocatesTerminal && !it.runsDetached && it.command == ["sh"])
    }

    @Test("a valued short flag takes the rest of its word, or the next word: -eFOO=bar, -p8080:80, -e=FOO, -itv SRC:DST, -m 64m")
    func shortValues() throws {
        let request = try Parse.run(["-eFOO=bar", "-e=BAZ=1", "-m", "64m", "-itv", "/srv:/srv:ro", "-p8080:80", "img"]).request
        #expect(request.env.map(\.value) == ["FOO=bar", "BAZ=1"])
        #expect(request.env.map(\.origin.typed) == ["-eFOO=bar", "-e=BAZ=1"])
        #expect(request.memory?.value.bytes == 64 << 20 && request.memory?.origin.typed == "-m 64m" && request.memory?.origin.index == 2)
        #expect(request.binds.first?.origin == FlagOrigin(flag: "-v", typed: "-v /srv:/srv:ro", index: 4, offset: 3))
        #expect(request.ports.first?.origin.typed == "-p8080:80" && request.ports.first?.value.containerPorts == 80...80)
    }

    @Test("long flags: --flag=value and --flag value; the next word is the value even when it starts with -")
    func longValues() throws {
        let request = try Parse.run(["--name=web", "--hostname", "-weird", "--workdir", "/app", "img"]).request
        #expect(request.name?.value == "web" && request.name?.origin.typed == "--name=web")
        #expect(request.hostname?.value == "-weird" && request.hostname?.origin.index == 1)
        #expect(request.workdir?.value == "/app")
    }

    @Test("booleans: --rm, --rm=true, --rm=false, --read-only=false, -d=false; the next word is never their value")
    func booleans() throws {
        #expect(try Parse.run(["--rm", "img"]).request.removesOnExit)
        #expect(try Parse.run(["--rm=true", "img"]).request.removesOnExit)
        #expect(try Parse.run(["--rm=1", "img"]).request.removesOnExit)
        #expect(try !Parse.run(["--rm=false", "img"]).request.removesOnExit)
        #expect(
            try Parse.run(["--read-only=false", "img"]).request.readOnly
                == Flagged(false, FlagOrigin(flag: "--read-only", typed: "--read-only=false", index: 0)))
        #expect(try !Parse.run(["-d=false", "img"]).request.runsDetached)
        // `--rm true`: "true" is the image, as in docker.
        let parsed = try Parse.run(["--rm", "true"]).request
        #expect(parsed.image == "true" && parsed.removesOnExit)
        #expect(Parse.error(["--rm=yes", "img"])?.description == "invalid --rm=yes: expected true or false (or 1, 0, t, f)")
        #expect(Parse.error(["--privileged=maybe", "img"]) != nil)
    }

    @Test("repeated flags add up where docker lists them, and the last one wins elsewhere")
    func repeatedFlags() throws {
        let request = try Parse.run(["-e", "A=1", "-e", "B=2", "--name", "first", "--name", "second", "-m", "64m", "-m", "32m", "img"]).request
        #expect(request.env.map(\.value) == ["A=1", "B=2"])
        #expect(request.name?.value == "second" && request.name?.origin.index == 6)
        #expect(request.memory?.value.bytes == 32 << 20)
    }

    @Test("flags only before the image; -- ends the flags; - and the empty word are positional")
    func flagsEndAtTheImage() throws {
        let after = try Parse.run(["-d", "img", "--rm", "-p", "80:80", "-h"]).request
        #expect(after.image == "img" && after.command == ["--rm", "-p", "80:80", "-h"] && !after.removesOnExit && after.ports.isEmpty)
        let dashes = try Parse.run(["-t", "--", "--img", "-x"]).request
        #expect(dashes.image == "--img" && dashes.command == ["-x"] && dashes.allocatesTerminal)
        #expect(try Parse.run(["-"]).request.image == "-")
        #expect(Parse.error(["--", ""])?.description == "invalid \"\": the image name is empty")
        #expect(Parse.error(["-d"]) == .missingImage)
        #expect(Parse.error(["--"]) == .missingImage)
    }

    @Test("-h is --hostname; only --help is the help, and --help=false is not")
    func hostnameAndHelp() throws {
        #expect(try Parse.run(["-h", "box", "img"]).request.hostname?.value == "box")
        #expect(try Parse.run(["-hbox", "img"]).request.hostname?.value == "box")
        #expect(try Parse.run(["--help"]).helpRequested)
        #expect(try Parse.run(["-d", "--help", "img"]).helpRequested)
        #expect(try !Parse.run(["--help=false", "img"]).helpRequested)
        #expect(Parse.error(["-h"])?.description == "flag needs an argument: 'h' in -h")
    }

    @Test("unknown flags are refused naming them as typed: --foo, -x inside -itx, hidden aliases are known")
    func unknownFlags() throws {
        #expect(Parse.error(["--foo", "img"])?.description == "unknown flag: --foo")
        #expect(Parse.error(["--foo=bar", "img"])?.origin?.typed == "--foo=bar")
        #expect(Parse.error(["--no-read-only", "img"])?.description == "unknown flag: --no-read-only")
        let shorthand = Parse.error(["--rm", "-itx", "img"])
        #expect(shorthand?.description == "unknown shorthand flag: 'x' in -itx")
        #expect(shorthand?.origin == FlagOrigin(flag: "-x", typed: "-x", index: 1, offset: 3))
        #expect(Parse.error(["---x", "img"])?.description == "bad flag syntax: ---x")
        #expect(Parse.error(["--=x", "img"])?.description == "bad flag syntax: --=x")
        // docker's hidden spellings.
        #expect(try Parse.run(["--net=none", "--dns-opt", "ndots:1", "--net-alias", "a", "img"]).request.network?.origin.flag == "--net")
    }

    @Test("a valued flag at the end of the line needs its value")
    func missingValues() {
        #expect(Parse.error(["--name"])?.description == "flag needs an argument: --name")
        #expect(Parse.error(["-e"])?.description == "flag needs an argument: 'e' in -e")
        #expect(Parse.error(["-ite"])?.description == "flag needs an argument: 'e' in -ite")
        #expect(Parse.error(["-ite"])?.origin?.offset == 3)
    }

    @Test("securerun's own flags mix with docker's before the image; in docker's grammar they are unknown and --runtime is docker's")
    func modes() throws {
        let parsed = try Parse.run(["--profile", "production", "-d", "--runtime=crun", "--dry-run", "img"])
        #expect(parsed.profile?.value == "production" && parsed.runtime?.value == "crun" && parsed.dryRun && parsed.request.runsDetached)
        #expect(parsed.request.runtimeOverrides.isEmpty)
        let docker = try Parse.run(["--runtime", "runsc", "img"], mode: .dockerRun)
        #expect(docker.runtime == nil && docker.request.runtimeOverrides.map(\.value) == [.runtime("runsc")])
        #expect(Parse.error(["--profile", "x", "img"], mode: .dockerRun)?.description == "unknown flag: --profile")
        #expect(Parse.error(["-d", "img"], mode: .dockerCreate)?.description == "unknown shorthand flag: 'd' in -d")
        #expect(try Parse.run(["-i", "img"], mode: .dockerCreate).request.keepsStdinOpen)
    }

    @Test("every flag of the table parses with a typical value, and the help lists each")
    func wholeTable() throws {
        let table = FlagTable(mode: .dockerRun)
        let help = RunHelp.text(command: "docker run", mode: .dockerRun)
        let samples: [FlagID: String] = [
            .attach: "stdout", .deviceCgroupRule: "c 1:3 r", .device: "/dev/null", .gpus: "all", .env: "A=1", .envFile: "/dev/null",
            .entrypoint: "/x", .groupAdd: "1000", .hostname: "h", .domainname: "d", .label: "a=b", .labelFile: "/dev/null", .restart: "no",
            .stopSignal: "TERM", .stopTimeout: "3", .sysctl: "kernel.sem=1", .ulimit: "nofile=1", .user: "1000", .workdir: "/w", .capAdd: "CHOWN",
            .capDrop: "ALL", .securityOpt: "no-new-privileges", .userns: "host", .cgroupns: "private", .addHost: "a:1.2.3.4", .dns: "1.1.1.1",
            .dnsOption: "ndots:1", .dnsSearch: "x", .expose: "80", .ip: "1.2.3.4", .ip6: "::1", .link: "a", .linkLocalIP: "169.254.0.1",
            .macAddress: "92:d0:c6:0a:29:33", .publish: "80", .network: "none", .networkAlias: "a", .logDriver: "none", .volumeDriver: "x",
            .logOpt: "a=b", .storageOpt: "size=1G", .tmpfs: "/run", .volumesFrom: "c", .volume: "/a:/b:ro", .mount: "type=tmpfs,dst=/x",
            .healthCmd: "true", .healthInterval: "1s", .healthRetries: "1", .healthTimeout: "1s", .healthStartPeriod: "1s",
            .healthStartInterval: "1s", .blkioWeight: "300", .blkioWeightDevice: "/dev/sda:200", .cidfile: "/tmp/c", .cpusetCPUs: "0",
            .cpusetMems: "0", .cpuCount: "1", .cpuPercent: "1", .cpuPeriod: "100000", .cpuQuota: "50000", .cpuRTPeriod: "1000",
            .cpuRTRuntime: "950", .cpuShares: "512", .cpus: "0.5", .deviceReadBps: "/dev/sda:1mb", .deviceReadIOps: "/dev/sda:1000",
            .deviceWriteBps: "/dev/sda:1mb", .deviceWriteIOps: "/dev/sda:1000", .ioMaxBandwidth: "1", .ioMaxIOps: "1", .kernelMemory: "50m",
            .memory: "64m", .memoryReservation: "32m", .memorySwap: "128m", .memorySwappiness: "10", .oomScoreAdj: "10", .pidsLimit: "10",
            .cgroupParent: "/x", .ipc: "private", .isolation: "default", .pid: "host", .shmSize: "16m", .uts: "host", .runtime: "runc",
            .annotation: "a=b", .name: "n", .detachKeys: "ctrl-a", .pull: "never", .platform: "linux/amd64",
        ]
        let files = InMemoryFiles(["/dev/null": ""])
        let context = ParseContext(environment: [:], workingDirectory: "/", files: files)
        for flag in table.flags {
            #expect(help.contains("--\(flag.long)"), "help lacks --\(flag.long)")
            var word = ["--\(flag.long)"]
            if flag.kind == .value {
                let sample = try #require(samples[flag.id], "no sample for --\(flag.long)")
                word.append(sample)
            }
            #expect(
                Parse.error(word + ["img"], mode: .dockerRun, context: context) == nil,
                "--\(flag.long): \(Parse.error(word + ["img"], mode: .dockerRun, context: context).map(\.description) ?? "")")
        }
    }
}

/// Records store the request and audit decodes it again: every typed value must survive the round trip.
@Suite("RunRequest is Codable")
struct RunRequestCodingTests {
    @Test("a request using every kind of value encodes and decodes to itself")
    func roundTrip() throws {
        let words = ShellWords.split(
            """
            --name web -itd --rm --init -u 1000:1000 --group-add audio -e A=1 -w /app -h box --domainname example.org -l k=v \
            --stop-signal SIGQUIT --stop-timeout 5 --restart no --pull never --platform linux/amd64 --read-only --cap-drop ALL \
            --cap-add chown --security-opt no-new-privileges --security-opt seccomp=/s.json --ipc none --pid host --device /dev/kvm \
            --sysctl kernel.sem=1 --oom-score-adj 5 --cgroup-parent /x --use-api-socket --volumes-from c --annotation a=b -m 64m \
            --memory-swap -1 --memory-reservation 32m --memory-swappiness 0 --shm-size 8m --cpus 1/2 --cpu-shares 512 \
            --cpu-rt-runtime 10 --cpuset-cpus 0-1 --pids-limit 10 --ulimit nofile=1:2 --tmpfs /run:size=1m,noexec \
            -v /a:/b:ro,rshared -v data:/d --mount type=tmpfs,dst=/t --network none -p 127.0.0.1:80:80/udp --dns 1.1.1.1 \
            --health-cmd true img cmd
            """)
        let request = try Parse.run(words).request
        let data = try JSONEncoder().encode(request)
        let decoded = try JSONDecoder().decode(RunRequest.self, from: data)
        #expect(decoded == request)
        #expect(String(decoding: data, as: UTF8.self).contains("\"CAP_CHOWN\""))
    }
}
