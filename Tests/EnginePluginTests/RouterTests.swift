import Testing

@testable import EnginePlugin

/// The request line is read as dockerd's router reads it: a second reader that disagreed would judge one
/// endpoint while the engine runs another.
@Suite struct RouterTests {
    @Test(arguments: [
        "/v1.41/containers/create", "/containers/create", "/v1.24/containers/create?name=x", "//v1.41//containers///create",
        "/v1.41/containers/%63reate", "/v1.41/containers%2Fcreate", "http://docker/v1.41/containers/create",
        "HTTP://localhost:2375/containers/create?x=1", "/v1.41/containers/x/../create", "/v1.41/./containers/create",
    ])
    func everySpellingOfCreateIsJudgedAsCreate(uri: String) throws {
        let route = try APIRoute.parse(method: "POST", uri: uri)
        #expect(route.path == "/containers/create")
        #expect(EndpointTable.decide(route) == .judge(.containerCreate))
    }

    @Test func versionAndQueryAreSplitOff() throws {
        let route = try APIRoute.parse(method: "POST", uri: "/v1.41/containers/create?name=web%2B1&platform=linux+amd64")
        #expect(route.version == "1.41")
        #expect(route.queryValue("name") == "web+1")
        #expect(route.queryValue("platform") == "linux amd64")
    }

    @Test func aSemicolonInTheQueryIsNoticed() throws {
        let route = try APIRoute.parse(method: "POST", uri: "/containers/create?name=a;name=b")
        #expect(route.queryHasSemicolon)
    }

    @Test(arguments: ["/containers/%zzcreate", "/containers/create\u{01}", "containers/create", "/containers/%00create", "http://host"])
    func unreadableTargetsAreRefused(uri: String) {
        #expect(throws: EnginePluginError.self) { try APIRoute.parse(method: "POST", uri: uri) }
    }

    @Test func containerIdsAreDecoded() throws {
        let route = try APIRoute.parse(method: "POST", uri: "/v1.41/containers/web%2D1/start")
        #expect(EndpointTable.decide(route) == .judge(.containerStart(container: "web-1")))
    }

    @Test(arguments: [
        ("GET", "/containers/json"), ("HEAD", "/_ping"), ("GET", "/events"), ("POST", "/containers/abc/stop"), ("DELETE", "/containers/abc"),
        ("POST", "/images/load"), ("POST", "/images/create?fromImage=x"), ("POST", "/images/library/app/tag?repo=y"),
        ("POST", "/networks/n/disconnect"), ("POST", "/containers/abc/attach?stream=1"),
    ])
    func readsAndLifecycleCallsAreAllowed(method: String, uri: String) throws {
        #expect(EndpointTable.decide(try APIRoute.parse(method: method, uri: uri)) == .allow)
    }

    @Test(arguments: [
        ("PUT", "/containers/abc/archive?path=/"), ("POST", "/build"), ("POST", "/commit?container=x"), ("POST", "/plugins/pull"),
        ("POST", "/plugins/x/enable"), ("POST", "/swarm/init"), ("POST", "/services/create"), ("POST", "/secrets/create"),
        ("POST", "/configs/create"), ("POST", "/networks/n/connect"), ("POST", "/networks/create"), ("POST", "/session"),
    ])
    func callsAroundThePolicyAreRefused(method: String, uri: String) throws {
        guard case .refuse = EndpointTable.decide(try APIRoute.parse(method: method, uri: uri)) else {
            Issue.record("\(method) \(uri) was not refused")
            return
        }
    }

    @Test(arguments: [
        ("POST", "/containers/create/"), ("POST", "/v1.41/containers/abc/frobnicate"), ("post", "/containers/abc/stop"), ("PATCH", "/containers/abc"),
    ])
    func unknownMutatingEndpointsAreRefused(method: String, uri: String) throws {
        let decision = EndpointTable.decide(try APIRoute.parse(method: method, uri: uri))
        #expect(decision == .unknown || decision == .judge(.containerCreate) || decision == .refuse(""))
        let judge = try Fixtures.judge()
        #expect(!judge.answer(Fixtures.request(method, uri, body: nil)).Allow)
    }

    @Test func theProtocolUsesMobyFieldNames() throws {
        let document =
            #"{"User":"","RequestMethod":"POST","RequestUri":"/v1.41/containers/create","RequestBody":"e30=","RequestHeaders":{"Content-Length":"2"}}"#
        let request = try AuthZRequest.decode(Array(document.utf8))
        #expect(request.RequestUri == "/v1.41/containers/create")
        #expect(request.RequestBody.map(Array.init) == Array("{}".utf8))
        #expect(request.header("content-length") == "2")
        #expect(String(decoding: AuthZResponse.deny("no").encoded(), as: UTF8.self) == #"{"Allow":false,"Msg":"no"}"#)
        #expect(String(decoding: AuthZResponse.allow.encoded(), as: UTF8.self) == #"{"Allow":true}"#)
    }
}
