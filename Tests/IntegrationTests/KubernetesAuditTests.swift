import Foundation
import Testing

/// `securerun audit --kubernetes FILE|-` judges a `kubectl get pods -A -o json` dump with the webhook's
/// decision: a table per container with rule ids, exit 1 when one fails, SARIF on request.
@Suite("audit --kubernetes", .serialized)
struct KubernetesAuditTests {
    func dump(_ fixture: WebhookFixture) throws -> URL {
        let good = fixture.pod(image: fixture.attested, name: "good")
        let bad = WebhookFixture.container(fixture.pod(image: fixture.attested, name: "bad")) {
            WebhookFixture.set(&$0, ["securityContext", "privileged"], true)
        }
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "metadata": ["resourceVersion": ""], "items": [good, bad]]
        let file = fixture.directory.appendingPathComponent("pods-\(UUID().uuidString.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: list).write(to: file)
        return file
    }

    @Test("a failing pod is listed with its rule id and the audit exits 1")
    func table() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let file = try dump(fixture)
        let result = try fixture.cli.run(["audit", "--kubernetes", file.path, "--profile", fixture.profile])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("apps/good"), "\(result.stdout)")
        let bad = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("apps/bad") && $0.contains("FAIL") })
        #expect(bad.contains("SR009"))
        #expect(result.stdout.split(separator: "\n").contains { $0.hasPrefix("apps/good") && $0.contains("pass") })
    }

    @Test("the dump is read from stdin; all passing exits 0")
    func stdinPassing() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": [fixture.pod(image: fixture.attested)]]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
        let result = try fixture.cli.run(["audit", "--kubernetes", "-", "--profile", fixture.profile], stdin: text)
        #expect(result.status == 0, "\(result)")
    }

    @Test("--format sarif carries one result per refusal with its rule id")
    func sarif() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let result = try fixture.cli.run(["audit", "--kubernetes", try dump(fixture).path, "--profile", fixture.profile, "--format", "sarif"])
        #expect(result.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.contains { $0["ruleId"] as? String == "SR009" }, "\(result.stdout)")
    }

    @Test("a file that is not a pod list is one line naming it, exit 125")
    func notAList() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let file = fixture.directory.appendingPathComponent("not-pods.json")
        try #"{"kind":"Deployment"}"#.write(to: file, atomically: true, encoding: .utf8)
        let result = try fixture.cli.run(["audit", "--kubernetes", file.path, "--profile", fixture.profile])
        #expect(result.status == 125)
        #expect(result.stderr.contains("not-pods.json"), "\(result.stderr)")
    }
}
