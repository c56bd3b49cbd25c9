import Foundation
import Testing

@testable import EnginePlugin

/// A judged call the plugin cannot read whole is refused: the engine acts on the body it has, not on the
/// one the plugin saw.
@Suite struct FailClosedTests {
    let judge: EngineJudge
    init() throws { judge = try Fixtures.judge() }

    func refusedBody(_ request: AuthZRequest) -> EnginePluginError? {
        refusal { () throws(EnginePluginError) in try judge.decide(request) }
    }

    @Test func anEmptyBodyIsRefused_CVE_2024_41110() {
        let error = refusedBody(Fixtures.request("POST", "/v1.41/containers/create", body: nil, headers: ["Content-Length": "0"]))
        guard case .bodyMissing = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func aBodyTheEngineWithheldAsOversizedIsRefused_CVE_2026_34040() {
        let error = refusedBody(
            Fixtures.request("POST", "/v1.41/containers/create", body: nil, headers: ["Content-Length": "1048613", "Content-Type": "application/json"]))
        guard case .bodyMissing(_, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("1 MiB"))
    }

    @Test func aChunkedBodyIsRefused() throws {
        let body = try Fixtures.json(try Fixtures.compliantBody())
        let error = refusedBody(Fixtures.request("POST", "/containers/create", body: body, headers: ["Content-Type": "application/json"]))
        guard case .bodyMissing(_, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("Content-Length"))
    }

    @Test func aTruncatedBodyIsRefused() throws {
        let body = try Fixtures.json(try Fixtures.compliantBody())
        let error = refusedBody(
            Fixtures.request("POST", "/containers/create", body: Array(body.prefix(40)), headers: ["Content-Length": "\(body.count)"]))
        guard case .bodyMissing = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func aNonJSONBodyTheEngineDidNotForwardIsRefused() {
        let error = refusedBody(Fixtures.request("POST", "/containers/create", body: nil, headers: ["Content-Length": "52", "Content-Type": "text/plain"]))
        guard case .bodyMissing = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test(arguments: [
        #"{"Image":"app:1","HostConfig":{"Privileged":false,"Privileged":true}}"#,
        #"{"Image":"app:1","HostConfig":{"Privileged":false,"Privil\u0065ged":true}}"#,
        #"{"Image":"app:1"} {"Image":"other"}"#,
        #"{"Image":"app:1","HostConfig":{"Memory":1e9}}"#,
    ])
    func bodiesTwoReadersCouldReadDifferentlyAreRefused(text: String) {
        let error = refusedBody(Fixtures.request("POST", "/containers/create", body: Array(text.utf8)))
        guard case .invalidBody = error else { Issue.record("\(String(describing: error))"); return }
    }

    @Test func invalidUTF8IsRefused() {
        let bytes = Array(#"{"Image":"app:1","Hostname":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        guard case .invalidBody = refusedBody(Fixtures.request("POST", "/containers/create", body: bytes)) else {
            Issue.record("invalid UTF-8 was not refused")
            return
        }
    }

    @Test func aKeyTheEngineReadsWithoutRegardToCaseIsRefused() throws {
        var body = try Fixtures.compliantBody()
        body["hostconfig"] = ["privileged": true]
        let error = refusedBody(try Fixtures.create(body))
        guard case .invalidBody(_, let field, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(field == "hostconfig")
        #expect(reason.contains("HostConfig"))
        let inner = try Fixtures.with("privileged", true)
        guard case .invalidBody(_, "HostConfig.privileged", _) = refusedBody(try Fixtures.create(inner)) else {
            Issue.record("HostConfig.privileged was not refused")
            return
        }
    }

    @Test func hostConfigFieldsAtTheTopLevelAreRefused() throws {
        // dockerd's ContainerConfigWrapper still reads them as the HostConfig when none is nested.
        for key in ["Privileged", "Binds", "CapAdd", "Memory", "Cpuset", "PidMode"] {
            var body = try Fixtures.compliantBody()
            body[key] = key == "Memory" ? 1 << 40 : (key == "Privileged" ? true : ["x"])
            guard case .invalidBody(_, let field, _) = refusedBody(try Fixtures.create(body)) else {
                Issue.record("top-level \(key) was not refused")
                continue
            }
            #expect(field == key)
        }
    }

    @Test func fieldsTheEngineAPIDoesNotHaveAreRefused() throws {
        let body = try Fixtures.with("SuperPrivileged", true)
        guard case .invalidBody(_, "HostConfig.SuperPrivileged", _) = refusedBody(try Fixtures.create(body)) else {
            Issue.record("an unknown field was not refused")
            return
        }
    }

    @Test func aSemicolonInTheCreateQueryIsRefused() throws {
        let error = refusedBody(try Fixtures.create(try Fixtures.compliantBody(), uri: "/containers/create?name=a;name=b"))
        guard case .invalidBody(_, "query", _) = error else { Issue.record("\(String(describing: error))"); return }
    }
}
