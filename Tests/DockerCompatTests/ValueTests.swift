import Capabilities
import Policy
import Testing

@testable import DockerCompat

/// Flag values, parsed as docker parses them.
@Suite("DockerCompat: values")
struct ValueTests {
    @Test("integers are Go's ParseInt with base 0, as pflag reads them")
    func integers() {
        #expect(GoSyntax.parseInt("10") == 10)
        #expect(GoSyntax.parseInt("0x10") == 16)
        #expect(GoSyntax.parseInt("010") == 8)
        #expect(GoSyntax.parseInt("0o17") == 15)
        #expect(GoSyntax.parseInt("0b11") == 3)
        #expect(GoSyntax.parseInt("1_000") == 1000)
        #expect(GoSyntax.parseInt("-1") == -1)
        #expect(GoSyntax.parseInt("0") == 0)
        for bad in ["", "08", "1_", "_1", "0x", "1e3", " 1", "9223372036854775808", "1__0"] {
            #expect(GoSyntax.parseInt(bad) == nil, "\(bad)")
        }
        #expect(GoSyntax.parseInt("-9223372036854775808") == Int64.min)
    }

    @Test("--cpus is a decimal or a fraction with at most nine places, in billionths")
    func cpus() throws {
        #expect(try ValueParsers.nanoCPUs("1.5") == 1_500_000_000)
        #expect(try ValueParsers.nanoCPUs(".5") == 500_000_000)
        #expect(try ValueParsers.nanoCPUs("3/2") == 1_500_000_000)
        #expect(try ValueParsers.nanoCPUs("1e-1") == 100_000_000)
        #expect(try ValueParsers.nanoCPUs("0.000000001") == 1)
        #expect(throws: (any Error).self) { try ValueParsers.nanoCPUs("0.0000000001") }
        #expect(throws: (any Error).self) { try ValueParsers.nanoCPUs("-1") }
        #expect(throws: (any Error).self) { try ValueParsers.nanoCPUs("half") }
    }

    @Test("--ulimit NAME=SOFT[:HARD] as go-units reads it")
    func ulimits() throws {
        #expect(try ValueParsers.ulimit("nofile=1024:2048") == Ulimit(name: .nofile, soft: 1024, hard: 2048))
        #expect(try ValueParsers.ulimit("nproc=3") == Ulimit(name: .nproc, soft: 3, hard: 3))
        #expect(try ValueParsers.ulimit("core=-1") == Ulimit(name: .core, soft: -1, hard: -1))
        for bad in ["nofile", "as=1024", "nofile=2:1", "nofile=a", "nofile=1:2:3", "nofile=-2"] {
            #expect(throws: (any Error).self, "\(bad)") { try ValueParsers.ulimit(bad) }
        }
    }

    @Test("--stop-signal takes names with or without SIG, in any case, and numbers 1-64")
    func signals() throws {
        #expect(try ValueParsers.signal("SIGQUIT").number == 3)
        #expect(try ValueParsers.signal("usr1").number == 10)
        #expect(try ValueParsers.signal("9").number == 9)
        #expect(try ValueParsers.signal("SIGRTMIN+3").number == 37)
        for bad in ["0", "65", "SIGFOO", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try ValueParsers.signal(bad) }
        }
    }

    @Test("--restart and --pull as docker validates them; --restart with --rm conflicts")
    func lifecycle() throws {
        #expect(try ValueParsers.restart("on-failure:10") == .onFailure(maxRetries: 10))
        #expect(try ValueParsers.restart("unless-stopped") == .unlessStopped)
        #expect(throws: (any Error).self) { try ValueParsers.restart("always:3") }
        #expect(throws: (any Error).self) { try ValueParsers.restart("sometimes") }
        #expect(throws: (any Error).self) { try ValueParsers.pull("newer") }
        #expect(
            Parse.error(["--rm", "--restart", "always", "img"])?.description
                == "invalid --restart always: conflicting options: cannot specify both --restart and --rm")
        #expect(Parse.error(["--rm", "--restart", "no", "img"]) == nil)
    }

    @Test("--security-opt with = or :, as docker reads it")
    func securityOptions() throws {
        #expect(try ValueParsers.securityOption("no-new-privileges") == .noNewPrivileges(true))
        #expect(try ValueParsers.securityOption("no-new-privileges:false") == .noNewPrivileges(false))
        #expect(try ValueParsers.securityOption("seccomp:unconfined") == .seccompUnconfined)
        #expect(try ValueParsers.securityOption("seccomp=/p.json") == .seccompFile("/p.json"))
        #expect(try ValueParsers.securityOption("label=type:svirt_apache_t") == .label("type:svirt_apache_t"))
        #expect(try ValueParsers.securityOption("writable-cgroups=true") == .writableCgroups(true))
        for bad in ["frobnicate=1", "seccomp=", "nonsense", "no-new-privileges=yes"] {
            #expect(throws: (any Error).self, "\(bad)") { try ValueParsers.securityOption(bad) }
        }
    }

    @Test("capabilities: any case, CAP_ optional, ALL; unknown ones are errors")
    func capabilities() throws {
        #expect(try ValueParsers.capability("sys_admin") == .capability(try Capability(parsing: "CAP_SYS_ADMIN")))
        #expect(try ValueParsers.capability("all") == .all)
        #expect(throws: (any Error).self) { try ValueParsers.capability("MAKE_COFFEE") }
    }

    @Test("-v: host paths (absolute or ./relative, made absolute), named and anonymous volumes, and options")
    func volumes() throws {
        #expect(try MountParsers.volume("/srv:/data:ro", workingDirectory: "/w") == .bind(BindRequest(source: "/srv", destination: "/data", readOnly: true)))
        #expect(
            try MountParsers.volume("./content:/content", workingDirectory: "/w/app")
                == .bind(BindRequest(source: "/w/app/content", destination: "/content", readOnly: false)))
        #expect(try MountParsers.volume("../x:/x:ro", workingDirectory: "/w/app") == .bind(BindRequest(source: "/w/x", destination: "/x", readOnly: true)))
        #expect(try MountParsers.volume("data:/data", workingDirectory: "/") == .volume(name: "data", destination: "/data"))
        #expect(try MountParsers.volume("/icanwrite", workingDirectory: "/") == .volume(name: nil, destination: "/icanwrite"))
        #expect(
            try MountParsers.volume("/a:/b:ro,Z,rshared", workingDirectory: "/")
                == .bind(BindRequest(source: "/a", destination: "/b", readOnly: true, propagation: "rshared", relabel: "Z")))
        for bad in ["/a:b", "/a:/b:rx", "/a:/b:ro:x", "~/x:/x", "/a::/b", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try MountParsers.volume(bad, workingDirectory: "/") }
        }
    }

    @Test("--mount is a CSV line: bind, tmpfs, volume; quoted fields; readonly forms")
    func mounts() throws {
        #expect(
            try MountParsers.mount("type=bind,src=/data,dst=/data", workingDirectory: "/")
                == .bind(BindRequest(source: "/data", destination: "/data", readOnly: false)))
        #expect(
            try MountParsers.mount("type=bind,source=/a,target=/b,readonly", workingDirectory: "/")
                == .bind(BindRequest(source: "/a", destination: "/b", readOnly: true)))
        #expect(
            try MountParsers.mount("type=bind,\"source=/a,b\",target=/b,ro=true", workingDirectory: "/")
                == .bind(BindRequest(source: "/a,b", destination: "/b", readOnly: true)))
        #expect(
            try MountParsers.mount("type=tmpfs,destination=/cache,tmpfs-size=16m,tmpfs-mode=1770", workingDirectory: "/")
                == .tmpfs(TmpfsRequest(path: "/cache", size: ByteSize(bytes: 16 << 20), mode: 0o1770)))
        #expect(try MountParsers.mount("target=/icanwrite", workingDirectory: "/") == .volume(name: nil, destination: "/icanwrite"))
        for bad in [
            "type=bind,dst=/x", "type=tmpfs,src=/a,dst=/x", "type=bind,src=/a,dst=/x,bind-recursive=writable", "type=image,src=x,dst=/x",
            "type=bind,src=/a,dst=/x,colour=red", "type=bind,\"src=/a,dst=/x",
        ] {
            #expect(throws: (any Error).self, "\(bad)") { try MountParsers.mount(bad, workingDirectory: "/") }
        }
    }

    @Test("--tmpfs PATH:OPTIONS")
    func tmpfs() throws {
        #expect(try MountParsers.tmpfs("/run:rw,noexec,nosuid,size=65536k") == TmpfsRequest(path: "/run", size: ByteSize(bytes: 64 << 20), exec: false))
        #expect(try MountParsers.tmpfs("/run:exec,suid,dev") == TmpfsRequest(path: "/run", exec: true, setuid: true, devices: true))
        for bad in ["/run:uid=0", "/run:size=", "/run:bogus", ":size=1m"] {
            #expect(throws: (any Error).self, "\(bad)") { try MountParsers.tmpfs(bad) }
        }
    }

    @Test("-p in its short and long forms")
    func ports() throws {
        #expect(
            try NetworkParsers.port("127.0.0.1:80:8080/tcp") == PortMapping(hostIP: "127.0.0.1", hostPorts: 80...80, containerPorts: 8080...8080, proto: "tcp"))
        #expect(try NetworkParsers.port("8080:80") == PortMapping(hostIP: nil, hostPorts: 8080...8080, containerPorts: 80...80, proto: "tcp"))
        #expect(try NetworkParsers.port("[::1]:53:53/udp") == PortMapping(hostIP: "::1", hostPorts: 53...53, containerPorts: 53...53, proto: "udp"))
        #expect(try NetworkParsers.port("127.0.0.1::80").hostPorts == nil)
        #expect(try NetworkParsers.port("1234-1236:1234-1236/tcp").containerPorts == 1234...1236)
        #expect(try NetworkParsers.port("published=8080,target=80") == PortMapping(hostIP: nil, hostPorts: 8080...8080, containerPorts: 80...80, proto: "tcp"))
        for bad in ["", "0", "70000", "80/icmp", "a:b:c:d", "1-3:1-2"] {
            #expect(throws: (any Error).self, "\(bad)") { try NetworkParsers.port(bad) }
        }
    }

    @Test("namespace modes: only what docker knows for each")
    func namespaces() throws {
        #expect(try ValueParsers.namespace(.ipc, "shareable") == .shareable)
        #expect(try ValueParsers.namespace(.pid, "container:db") == .container("db"))
        #expect(throws: (any Error).self) { try ValueParsers.namespace(.uts, "container:db") }
        #expect(throws: (any Error).self) { try ValueParsers.namespace(.userns, "private") }
        #expect(try Parse.run(["--pid", "", "img"]).request.namespaces.isEmpty)
    }

    @Test("env and label files: docker's opts/file.go format")
    func keyValueFiles() throws {
        let text = "\u{FEFF}# comment\n\n  A=1\nB= spaced value \r\nC=\"quoted\"\nPASSED\nMISSING\n"
        let entries = try KeyValueFile.parse(Array(text.utf8), lookup: ["PASSED": "yes"])
        #expect(entries.map(\.text) == ["A=1", "B= spaced value ", "C=\"quoted\"", "PASSED=yes"])
        #expect(entries.map(\.line) == [3, 4, 5, 6])
        #expect(try KeyValueFile.parse(Array("ONLYKEY\nK=v\n".utf8), lookup: nil).map(\.text) == ["K=v"])
        #expect(throws: (any Error).self) { try KeyValueFile.parse(Array("=x\n".utf8), lookup: nil) }
        #expect(throws: (any Error).self) { try KeyValueFile.parse(Array("A B=x\n".utf8), lookup: nil) }
        #expect(throws: (any Error).self) { try KeyValueFile.parse([0x41, 0x3D, 0xFF, 0x0A], lookup: nil) }
        #expect(throws: (any Error).self) { try KeyValueFile.parse(Array(repeating: 0x41, count: 70_000), lookup: nil) }
    }

    @Test("--env-file entries come first and -e overrides; each keeps the file line it came from")
    func envFileOrigins() throws {
        let files = InMemoryFiles(["/work/app/.env": "A=file\nB=file\n"])
        let context = ParseContext(environment: ["X": "caller"], workingDirectory: "/work/app", files: files)
        let request = try Parse.run(["-e", "A=flag", "--env-file", ".env", "-e", "X", "-e", "UNSET", "img"], context: context).request
        #expect(request.env.map(\.value) == ["A=file", "B=file", "A=flag", "X=caller"])
        #expect(request.env[1].origin.line == 2 && request.env[1].origin.typed == "--env-file .env")
        #expect(
            Parse.error(["--env-file", "missing", "img"], context: context)?.description == "invalid --env-file missing: cannot read missing: no such file")
        // Many files of long lines would make a record too large to read back: together they are bounded.
        let line = String(repeating: "x", count: 60_000)
        let file = (0..<10).map { "V\($0)=\(line)\n" }.joined()
        let big = InMemoryFiles(["/w/a": file, "/w/b": file])
        let bigContext = ParseContext(environment: [:], workingDirectory: "/w", files: big)
        #expect(Parse.error(["--env-file", "a", "img"], context: bigContext) == nil)
        #expect(Parse.error(["--env-file", "a", "--label-file", "b", "img"], context: bigContext)?.description.contains("together are over 1 MiB") == true)
    }

    @Test("-l and --label-file: files first, flags override; keys without whitespace")
    func labels() throws {
        let files = InMemoryFiles([
            "/work/app/labels": "com.example.label1=\"a label\"\n\n# this is a comment\ncom.example.label2=another\\ label\ncom.example.label3\n"
        ])
        let context = ParseContext(environment: [:], workingDirectory: "/work/app", files: files)
        let request = try Parse.run(["-l", "my-label", "--label-file", "./labels", "img"], context: context).request
        #expect(
            request.labels.map(\.value) == [
                Label(key: "com.example.label1", value: "\"a label\""), Label(key: "com.example.label2", value: "another\\ label"),
                Label(key: "my-label", value: ""),
            ])
        #expect(Parse.error(["-l", "a b=c", "img"]) != nil)
    }

    @Test("-a accepts stdin, stdout, stderr in any case; others are errors")
    func attach() throws {
        #expect(try Parse.run(["-a", "STDOUT", "-a", "stderr", "img"]).request.unsupported.isEmpty)
        #expect(try Parse.run(["-a", "stdout", "img"]).request.unsupported.count == 1)
        #expect(Parse.error(["-a", "stdlog", "img"]) != nil)
    }
}
