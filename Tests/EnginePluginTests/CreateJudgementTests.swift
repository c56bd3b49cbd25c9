import Foundation
import Testing

@testable import EnginePlugin

/// A create body is judged by the same rules `securerun run` applies, and must carry the floor itself.
@Suite struct CreateJudgementTests {
    let judge: EngineJudge
    init() throws { judge = try Fixtures.judge() }

    func error(_ body: [String: Any]) throws -> EnginePluginError? {
        let request = try Fixtures.create(body)
        return refusal { () throws(EnginePluginError) in try judge.decide(request) }
    }

    @Test func aCompliantBodyPassesThePolicyAndMeetsTheAdmissionGate() throws {
        // The store is empty, so the image is what refuses it: every policy and floor check passed.
        let refused = try error(try Fixtures.compliantBody())
        guard case .imageNotAdmitted(let image, let reason) = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(image == "app:1")
        #expect(reason.contains("sha256:aaaa"))
    }

    @Test func anImageTheEngineDoesNotHaveIsRefused() throws {
        var body = try Fixtures.compliantBody()
        body["Image"] = "elsewhere:1"
        guard case .imageNotAdmitted = try error(body) else { Issue.record("not refused"); return }
    }

    @Test(arguments: [
        ("Privileged", "true", "SR009"), ("CapAdd", #"["SYS_ADMIN"]"#, "SR002"), ("ReadonlyRootfs", "false", "SR003"),
        ("Memory", "1099511627776", "SR006"), ("MemorySwap", "-1", "SR006"), ("PidsLimit", "100000", "SR008"), ("PidsLimit", "-1", "SR008"),
        ("NanoCpus", "8000000000", "SR007"), ("CpuRealtimeRuntime", "1000", "SR007"), ("NetworkMode", #""host""#, "SR012"),
        ("NetworkMode", #""bridge""#, "SR012"),
        ("PidMode", #""host""#, "SR015"), ("IpcMode", #""host""#, "SR015"), ("UTSMode", #""host""#, "SR015"), ("UsernsMode", #""host""#, "SR015"),
        ("IpcMode", #""shareable""#, "SR015"), ("Devices", #"[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]"#, "SR016"),
        ("DeviceCgroupRules", #"["c 1:3 rwm"]"#, "SR016"), ("OomKillDisable", "true", "SR017"), ("OomScoreAdj", "-500", "SR017"),
        ("Sysctls", #"{"kernel.core_pattern":"|/x"}"#, "SR018"), ("CgroupParent", #""/""#, "SR019"), ("VolumesFrom", #"["other"]"#, "SR021"),
        ("Runtime", #""runc-unsafe""#, "SR022"), ("Binds", #"["/:/host:ro"]"#, "SR010"), ("Binds", #"["/srv/data:/data"]"#, "SR010"),
        ("Binds", #"["/var/run/docker.sock:/var/run/docker.sock:ro"]"#, "SR010"), ("Binds", #"["data:/data"]"#, "SR010"),
        ("Binds", #"["/srv:/x:ro,shared"]"#, "SR010"), ("Tmpfs", #"{"/tmp":"size=16m,exec"}"#, "SR011"), ("Tmpfs", #"{"/tmp":"size=1g"}"#, "SR011"),
        ("Tmpfs", #"{"/tmp":"size=16m,suid"}"#, "SR011"), ("Tmpfs", #"{"/tmp":""}"#, "SR011"), ("ShmSize", "1073741824", "SR011"),
        ("RestartPolicy", #"{"Name":"always","MaximumRetryCount":0}"#, "SR033"),
        ("RestartPolicy", #"{"Name":"on-failure","MaximumRetryCount":3}"#, "SR033"),
        ("PortBindings", #"{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}"#, "SR026"), ("PublishAllPorts", "true", "SR012"),
        ("Dns", #"["1.1.1.1"]"#, "SR012"), ("ExtraHosts", #"["x:1.2.3.4"]"#, "SR012"), ("MaskedPaths", "[]", "SR013"),
        ("SecurityOpt", #"["no-new-privileges"]"#, "SR005"), ("CapDrop", #"["NET_RAW"]"#, "SR002"), ("CapDrop", "null", "SR002"),
        ("Memory", "null", "invalid"), ("MemorySwap", "null", "SR006"), ("PidsLimit", "null", "SR008"), ("PidsLimit", "0", "SR008"),
        ("NanoCpus", "null", "SR007"), ("NetworkMode", "null", "SR012"), ("ReadonlyRootfs", "null", "SR003"),
        ("Mounts", #"[{"Type":"bind","Source":"/","Target":"/host","ReadOnly":true}]"#, "SR010"),
        ("Mounts", #"[{"Type":"volume","Source":"data","Target":"/data"}]"#, "SR010"),
        ("Mounts", #"[{"Type":"tmpfs","Target":"/run"}]"#, "SR011"),
    ])
    func everyLooseningIsRefusedWithItsRule(field: String, json: String, rule: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let refused = try error(try Fixtures.with(field, value is NSNull ? nil : value))
        if rule == "invalid", case .policy(.invalidRequest) = refused { return }
        #expect(refused?.policyRule == rule, "HostConfig.\(field)=\(json): \(String(describing: refused))")
    }

    @Test(
        arguments: [
            ("root", "SR001"), ("0", "SR001"), ("0:0", "SR001"), ("1000:0", "SR001"), ("00:1000", "SR001"), ("1000", "SR001"), (nil, "SR001"),
        ] as [(String?, String)])
    func rootHoweverSpeltIsRefused(user: String?, rule: String) throws {
        var body = try Fixtures.compliantBody()
        body["User"] = user
        #expect(try error(body)?.policyRule == rule, "User=\(user ?? "unset")")
    }

    @Test(arguments: ["toor", "nobody:nogroup", "+1000:1000", "1000:1000:0", " 1000:1000"])
    func userNamesAndOddNumbersAreRefused(user: String) throws {
        var body = try Fixtures.compliantBody()
        body["User"] = user
        let refused = try error(body)
        guard case .policy = refused else { Issue.record("User=\(user): \(String(describing: refused))"); return }
    }

    @Test func anEngineWhoseDefaultIsTheHostCgroupNamespaceNeedsItNamed() throws {
        let v1 = try Fixtures.judge(engine: FakeEngine(securityOptions: ["name=seccomp,profile=default"]))
        let request = try Fixtures.create(try Fixtures.compliantBody())
        #expect(refusal { () throws(EnginePluginError) in try v1.decide(request) }?.policyRule == "SR015")
        let named = try Fixtures.create(try Fixtures.with("CgroupnsMode", "private"))
        guard case .imageNotAdmitted = refusal({ () throws(EnginePluginError) in try v1.decide(named) }) else {
            Issue.record("CgroupnsMode private was not enough")
            return
        }
        #expect(try error(try Fixtures.with("CgroupnsMode", "host"))?.policyRule == "SR015")
    }

    @Test func theLastNoNewPrivilegesEntryWinsAsTheEngineReadsIt() throws {
        let body = try Fixtures.with("SecurityOpt", ["no-new-privileges:true", "seccomp=" + (try Fixtures.seccompText()), "no-new-privileges=false"])
        #expect(try error(body)?.policyRule == "SR004")
    }

    @Test func seccompUnconfinedIsRefused() throws {
        #expect(try error(try Fixtures.with("SecurityOpt", ["no-new-privileges", "seccomp=unconfined"]))?.policyRule == "SR005")
        #expect(try error(try Fixtures.with("SecurityOpt", ["no-new-privileges", "seccomp:unconfined"]))?.policyRule == "SR005")
    }

    @Test func aLooserInlineSeccompProfileIsRefused() throws {
        let loose = #"{"defaultAction":"SCMP_ACT_ALLOW"}"#
        #expect(try error(try Fixtures.with("SecurityOpt", ["no-new-privileges", "seccomp=" + loose]))?.policyRule == "SR005")
    }

    @Test func aSeccompKeyTheEngineReadsWithoutRegardToCaseIsRefused() throws {
        // Go's decoder would take the second, differently spelt key; securerun's would skip it.
        let text = try Fixtures.seccompText()
        let tricked = "{\"DefaultAction\":\"SCMP_ACT_ALLOW\"," + text.drop { $0 != "{" }.dropFirst()
        let refused = try error(try Fixtures.with("SecurityOpt", ["no-new-privileges", "seccomp=" + tricked]))
        guard case .invalidBody(_, let field, _) = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(field.contains("DefaultAction"))
    }

    @Test func refusalsNameTheFieldAndTheComposeKey() throws {
        let refused = try error(try Fixtures.with("Privileged", true))
        let text = refused?.description ?? ""
        #expect(text.contains("HostConfig.Privileged=true (compose: privileged)"))
        #expect(text.contains("[SR009 no-privileged]"))
        let missing = try error(try Fixtures.with("ReadonlyRootfs", nil))?.description ?? ""
        #expect(missing.contains("(compose: read_only)"))
        #expect(missing.contains("--read-only"))
    }

    @Test func tmpfsSizesAreReadAsTheKernelReadsThem() {
        #expect(CreateReader.memparse("16m") == 16 << 20)
        #expect(CreateReader.memparse("0x10m") == 16 << 20)
        #expect(CreateReader.memparse("010m") == 8 << 20)
        #expect(CreateReader.memparse("1G") == 1 << 30)
        #expect(CreateReader.memparse("50%") == nil)
        #expect(CreateReader.memparse("1e3") == nil)
        #expect(CreateReader.memparse("16mb") == nil)
    }

    @Test func anOctalTmpfsSizeWithinTheProfileIsAccepted() throws {
        // 0100m is 64 MiB to the kernel (octal), the profile's /tmp ceiling.
        guard case .imageNotAdmitted = try error(try Fixtures.with("Tmpfs", ["/tmp": "size=0100m,noexec"])) else {
            Issue.record("size=0100m was not read as 64m")
            return
        }
        #expect(try error(try Fixtures.with("Tmpfs", ["/tmp": "size=0101m"]))?.policyRule == "SR011")
    }

    @Test func aReadOnlyBindOfAHarmlessPathIsAccepted() throws {
        guard case .imageNotAdmitted = try error(try Fixtures.with("Binds", ["/etc/ssl/certs:/etc/ssl/certs:ro"])) else {
            Issue.record("a read-only bind of CA certificates was refused")
            return
        }
    }

    @Test func composeBodiesAreReadAsSent() throws {
        // docker-compose 1.29 (docker-py) sends fewer fields and no-new-privileges with ':'.
        let seccomp = try Fixtures.seccompText()
        let body: [String: Any] = [
            "User": "1000:1000", "Tty": false, "Cmd": ["true"], "Image": "app:1", "Volumes": [String: Any](), "NetworkDisabled": false,
            "HostConfig": [
                "Memory": 268_435_456, "MemorySwap": 268_435_456, "ReadonlyRootfs": true, "NetworkMode": "none", "CapDrop": ["ALL"],
                "SecurityOpt": ["no-new-privileges:true", "seccomp=" + seccomp], "VolumesFrom": [String](), "Binds": [String](),
                "PortBindings": [String: Any](), "Links": [String](), "LogConfig": ["Type": "", "Config": [String: String]()],
                "Tmpfs": ["/tmp": "size=16m"], "PidsLimit": 64, "NanoCpus": 500_000_000,
            ] as [String: Any],
            "Labels": ["com.docker.compose.project": "p"],
        ]
        guard case .imageNotAdmitted = try error(body) else { Issue.record("a compliant compose body was refused"); return }
    }
}
