import Foundation
import Policy
import Testing

@testable import EnginePlugin

/// securerun's own docker backend writes a claim before each create; the plugin reads the create as what
/// the claim says and judges it by the same rules. Nothing else may borrow that reading.
@Suite struct EngineClaimTests {
    let judge: EngineJudge
    let id = String(repeating: "ab", count: 16)
    var directory: URL { judge.stateRoot.appendingPathComponent("containers/\(id)") }
    var staged: String { directory.appendingPathComponent("volumes/0").path }

    init() throws {
        judge = try Fixtures.judge()
        try FileManager.default.createDirectory(at: judge.stateRoot.appendingPathComponent("containers/\(id)"), withIntermediateDirectories: true)
    }

    func decide(_ body: [String: Any], name: String) throws -> EnginePluginError? {
        let request = try Fixtures.create(body, uri: "/v1.41/containers/create?name=\(name)")
        return refusal { () throws(EnginePluginError) in try judge.decide(request) }
    }

    func body(binds: [String], network: String = "none", claim: EngineClaim? = nil) throws -> [String: Any] {
        var body = try Fixtures.compliantBody()
        // securerun's own create carries its claim's labels, the one-time token among them.
        body["Labels"] = claim?.labels ?? ["securerun.id": id]
        body = try Fixtures.with("Binds", binds, in: body)
        return try Fixtures.with("NetworkMode", network, in: body)
    }

    @Test func securerunsOwnLabelsAndStagedVolumeAreReadAsTheHostPathStagedThere() throws {
        let claim = EngineClaim(
            name: "securerun-\(id.prefix(12))", labels: ["securerun.id": id, "securerun.profile": "default"],
            staged: [.init(staged: staged, source: "/srv/data")])
        try claim.write(stateRoot: judge.stateRoot, id: id)
        // Everything the policy and floor judge passed: only the image (not in this empty store) refuses.
        let refused = try decide(try body(binds: ["\(staged):/data:ro,rprivate"], claim: claim), name: claim.name)
        guard case .imageNotAdmitted = refused else { Issue.record("\(String(describing: refused))"); return }
    }

    @Test func aStagedVolumeIsJudgedAsItsHostPath_attackStagingAForbiddenPath() throws {
        let claim = EngineClaim(name: "securerun-x", labels: ["securerun.id": id], staged: [.init(staged: staged, source: "/")])
        try claim.write(stateRoot: judge.stateRoot, id: id)
        let refused = try decide(try body(binds: ["\(staged):/data:ro"], claim: claim), name: claim.name)
        #expect(refused?.policyRule == "SR010", "\(String(describing: refused))")
    }

    @Test func withoutAClaimSecurerunsLabelsAndStagingPathsAreAnyClientsRequest_attackBorrowingTheBackendsReading() throws {
        // No claim for this name: the labels are refused, the staging path is a path in securerun's state root.
        let refused = try decide(try body(binds: ["\(staged):/data:ro"]), name: "securerun-other")
        #expect(refused?.policyRule == "SR010" || refused?.description.contains("securerun.") == true, "\(String(describing: refused))")
        let claim = EngineClaim(name: "securerun-y", labels: ["securerun.id": id])
        try claim.write(stateRoot: judge.stateRoot, id: id)
        // A claim for another name does not cover this one.
        #expect(try decide(try body(binds: []), name: "securerun-z")?.description.contains("securerun.") == true)
    }

    @Test func joiningTheClaimedHolderIsThePrivateNetwork_andAnyOtherContainerIsRefused() throws {
        let claim = EngineClaim(name: "securerun-w", labels: ["securerun.id": id], holder: "securerun-net-h")
        try claim.write(stateRoot: judge.stateRoot, id: id)
        // The default profile's network is none: the private network the holder gives is refused by the network rule.
        #expect(try decide(try body(binds: [], network: "container:securerun-net-h", claim: claim), name: claim.name)?.policyRule == "SR012")
        #expect(try decide(try body(binds: [], network: "container:other", claim: claim), name: claim.name)?.policyRule == "SR012")
    }

    @Test func claimsThatCouldNameAnotherPlaceAreNotRead_attackPathTraversalInTheLabel() throws {
        #expect(EngineClaim.path(stateRoot: judge.stateRoot, id: "../../etc", name: "x") == nil)
        #expect(EngineClaim.path(stateRoot: judge.stateRoot, id: id, name: "../x") == nil)
        #expect(EngineClaim.path(stateRoot: judge.stateRoot, id: id, name: ".hidden") == nil)
        // Own files outside the container's directory make the claim unreadable.
        let claim = EngineClaim(name: "securerun-v", labels: ["securerun.id": id], ownFiles: ["/usr/bin/catatonit"])
        try claim.write(stateRoot: judge.stateRoot, id: id)
        #expect(EngineClaim.read(stateRoot: judge.stateRoot, id: id, name: claim.name) == nil)
        // A symlink is not followed.
        let link = try #require(EngineClaim.path(stateRoot: judge.stateRoot, id: id, name: "securerun-link"))
        let target = try #require(EngineClaim.path(stateRoot: judge.stateRoot, id: id, name: "securerun-y"))
        try EngineClaim(name: "securerun-link", labels: [:]).write(stateRoot: judge.stateRoot, id: id)
        try FileManager.default.removeItem(atPath: link)
        try EngineClaim(name: "securerun-y", labels: [:]).write(stateRoot: judge.stateRoot, id: id)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(EngineClaim.read(stateRoot: judge.stateRoot, id: id, name: "securerun-link") == nil)
    }

    @Test func aClientRacingWithTheRightNameAndIdButNoTokenIsAnyClient_attackBorrowingAClaim() throws {
        let claim = EngineClaim(
            name: "securerun-race", labels: ["securerun.id": id, "securerun.profile": "default"], staged: [.init(staged: staged, source: "/srv/data")])
        try claim.write(stateRoot: judge.stateRoot, id: id)
        // Everything a client can learn (the engine name, the id from docker ps or events), but not the token.
        var labels = claim.labels
        labels[EngineClaim.tokenLabel] = String(repeating: "0", count: 32)
        var body = try body(binds: ["\(staged):/data:ro"], claim: claim)
        body["Labels"] = labels
        let refused = try decide(body, name: claim.name)
        #expect(refused?.policyRule == "SR010" || refused?.description.contains("securerun.") == true, "\(String(describing: refused))")
        // With the token, the same create is securerun's: only the image (not in this empty store) refuses.
        guard case .imageNotAdmitted = try decide(try self.body(binds: ["\(staged):/data:ro"], claim: claim), name: claim.name) else {
            Issue.record("the claimed create was not read as securerun's")
            return
        }
    }
}
