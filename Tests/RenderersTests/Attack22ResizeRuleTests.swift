import Foundation
import Testing

@testable import Renderers

/// Attack 22: Kubernetes 1.33 resizes a pod's containers in place only through `pods/resize`, which a
/// rule matching `pods` does not send: without it a limit over the profile's is set after admission.
@Suite struct Attack22ResizeRuleTests {
    @Test("attack22: the webhook configuration sends pods/resize too")
    func webhookConfigurationSendsResize() throws {
        let text = WebhookConfigRenderer.render(service: .init(name: "svc", namespace: "ns", caBundle: nil), exemptNamespaces: [])
        let hook = try #require(value(try KubernetesFixtures.documents(text)[0], ["webhooks", 0]) as? [String: Any])
        let rules = try #require(hook["rules"] as? [[String: Any]])
        let resize = rules.first { ($0["resources"] as? [String])?.contains("pods/resize") == true }
        #expect((resize?["operations"] as? [String])?.contains("UPDATE") == true, "\(rules)")
    }
}
