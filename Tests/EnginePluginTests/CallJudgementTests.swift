import Foundation
import Testing

@testable import EnginePlugin

/// exec, update, volumes and start: each judged call, with the attack it stops.
@Suite struct CallJudgementTests {
    static let rootContainer =
        #"{"Id":"c1","Image":"sha256:\#(String(repeating: "b", count: 64))","Config":{"Image":"app:1","User":""},"HostConfig":{"Memory":268435456,"MemorySwap":268435456,"NanoCpus":500000000,"PidsLimit":64}}"#
    static let hardenedContainer =
        #"{"Id":"c2","Image":"sha256:\#(String(repeating: "b", count: 64))","Config":{"Image":"app:1","User":"1000:1000"},"HostConfig":{"Memory":268435456,"MemorySwap":268435456,"NanoCpus":500000000,"PidsLimit":64}}"#

    let judge: EngineJudge
    init() throws {
        judge = try Fixtures.judge(
            engine: FakeEngine(
                containers: ["c1": Self.rootContainer, "c2": Self.hardenedContainer],
                execs: ["e1": #"{"ContainerID":"c2","ProcessConfig":{"user":"0","privileged":false}}"#]))
    }

    func error(_ method: String, _ uri: String, _ body: String?) -> EnginePluginError? {
        let request = Fixtures.request(method, uri, body: body.map { Array($0.utf8) })
        return refusal { () throws(EnginePluginError) in try judge.decide(request) }
    }

    @Test(arguments: [#""0""#, #""root""#, #""0:0""#, #""1000:0""#, #""root:1000""#, #""toor""#, #""1000""#, #""00""#])
    func execAsRootHoweverSpeltIsRefused(user: String) {
        let refused = error("POST", "/v1.41/containers/c2/exec", #"{"Cmd":["id"],"User":\#(user),"AttachStdout":true}"#)
        #expect(refused?.policyRule == "SR001", "User=\(user): \(String(describing: refused))")
    }

    @Test func execAsANumericNonRootUserIsAllowed() {
        #expect(error("POST", "/v1.41/containers/c2/exec", #"{"Cmd":["id"],"User":"1000:1000"}"#) == nil)
        #expect(error("POST", "/v1.41/containers/c2/exec", #"{"Cmd":["id"]}"#) == nil)
    }

    @Test func execWithoutAUserIntoARootContainerIsRefused() {
        // A container created before the plugin ran has no floor: exec would run as its root user.
        #expect(error("POST", "/v1.41/containers/c1/exec", #"{"Cmd":["id"],"User":""}"#)?.policyRule == "SR001")
    }

    @Test func privilegedExecIsRefused() {
        #expect(error("POST", "/containers/c2/exec", #"{"Cmd":["id"],"User":"1000:1000","Privileged":true}"#)?.policyRule == "SR009")
    }

    @Test func anExecCreatedBeforeThePluginIsJudgedAtStart() {
        #expect(error("POST", "/v1.41/exec/e1/start", #"{"Detach":false,"Tty":false}"#)?.policyRule == "SR001")
    }

    @Test func execBodiesAreReadStrictly() {
        guard case .invalidBody = error("POST", "/containers/c2/exec", #"{"Cmd":["id"],"User":"1000:1000","user":"0"}"#) else {
            Issue.record("a case-variant user key was not refused")
            return
        }
    }

    @Test(arguments: [
        (#"{"PidsLimit":1000}"#, "SR008"), (#"{"PidsLimit":-1}"#, "SR008"), (#"{"PidsLimit":0}"#, "SR008"), (#"{"Memory":1073741824}"#, "SR006"),
        (#"{"MemorySwap":-1}"#, "SR006"), (#"{"NanoCpus":2000000000}"#, "SR007"), (#"{"CpuQuota":-1}"#, "SR007"),
        (#"{"CpuPeriod":1000}"#, "SR007"), (#"{"RestartPolicy":{"Name":"always"}}"#, "SR033"),
        (#"{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}"#, "SR016"),
    ])
    func updateRaisingALimitIsRefused(body: String, rule: String) {
        #expect(error("POST", "/v1.41/containers/c2/update", body)?.policyRule == rule, "\(body)")
    }

    @Test func updateLoweringLimitsIsAllowed() {
        #expect(error("POST", "/v1.41/containers/c2/update", #"{"Memory":134217728,"MemorySwap":134217728,"PidsLimit":32,"NanoCpus":250000000}"#) == nil)
        #expect(error("POST", "/v1.41/containers/c2/update", #"{"CpuShares":0,"Memory":0,"RestartPolicy":{"Name":"no"}}"#) == nil)
    }

    @Test(arguments: [
        #"{"Name":"root","Driver":"local","DriverOpts":{"type":"none","o":"bind","device":"/"}}"#,
        #"{"Name":"root","DriverOpts":{"o":"rbind,ro","device":"/etc"}}"#,
        #"{"Name":"disk","DriverOpts":{"type":"ext4","device":"/dev/sda1"}}"#,
        #"{"Name":"x","Driver":"some-plugin"}"#,
    ])
    func volumesThatMountTheHostAreRefused(body: String) {
        #expect(error("POST", "/v1.41/volumes/create", body)?.policyRule == "SR010", "\(body)")
    }

    @Test func plainAndTmpfsVolumesAreAllowed() {
        #expect(error("POST", "/volumes/create", #"{"Name":"x"}"#) == nil)
        #expect(error("POST", "/volumes/create", #"{"Name":"x","Driver":"local","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=16m"}}"#) == nil)
    }

    @Test func startOfAContainerWhoseImageIsNotAdmittedIsRefused() {
        guard case .imageNotAdmitted(let image, _) = error("POST", "/v1.41/containers/c2/start", nil) else {
            Issue.record("start was not judged")
            return
        }
        #expect(image == "app:1")
        guard case .imageNotAdmitted = error("POST", "/containers/c2/restart", nil) else { Issue.record("restart was not judged"); return }
    }

    @Test func startFromACheckpointIsRefused() {
        guard case .endpointRefused = error("POST", "/containers/c2/start?checkpoint=x", nil) else { Issue.record("not refused"); return }
    }
}
