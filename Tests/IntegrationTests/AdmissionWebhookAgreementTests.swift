import Foundation
import Testing

/// One corpus of images and specs decided through `securerun run --dry-run` (the policy) and `securerun
/// image verify` (the admission), and through the webhook: the same refusal, or the same admission, on
/// every case. The pod carries the floor `run` adds itself, plus the one change the flags make.
@Suite("admission webhook agrees with run and image verify", .serialized)
struct AdmissionWebhookAgreementTests {
    /// (name, which image, `docker run` flags, the same as a change to the compliant pod).
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var image: String
        var flags: [String]
        var change: @Sendable ([String: Any]) -> [String: Any]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the floor", image: "attested", flags: []) { $0 },
        Case(name: "privileged", image: "attested", flags: ["--privileged"]) {
            WebhookFixture.container($0) { WebhookFixture.set(&$0, ["securityContext", "privileged"], true) }
        },
        Case(name: "root user", image: "attested", flags: ["--user", "0:0"]) {
            WebhookFixture.spec($0) {
                WebhookFixture.set(&$0, ["securityContext", "runAsUser"], 0)
                WebhookFixture.set(&$0, ["securityContext", "runAsGroup"], 0)
            }
        },
        Case(name: "another non-root user", image: "attested", flags: ["--user", "2000:2000"]) {
            WebhookFixture.spec($0) {
                WebhookFixture.set(&$0, ["securityContext", "runAsUser"], 2000)
                WebhookFixture.set(&$0, ["securityContext", "runAsGroup"], 2000)
            }
        },
        Case(name: "added capability", image: "attested", flags: ["--cap-add", "NET_ADMIN"]) {
            WebhookFixture.container($0) { WebhookFixture.set(&$0, ["securityContext", "capabilities", "add"], ["NET_ADMIN"]) }
        },
        Case(name: "host root read-only", image: "attested", flags: ["-v", "/:/host:ro"]) {
            let pod = WebhookFixture.spec($0) { $0["volumes"] = [["name": "host", "hostPath": ["path": "/"]]] }
            return WebhookFixture.container(pod) { $0["volumeMounts"] = [["name": "host", "mountPath": "/host", "readOnly": true]] }
        },
        Case(name: "host network", image: "attested", flags: ["--network", "host"]) { WebhookFixture.spec($0) { $0["hostNetwork"] = true } },
        Case(name: "host pid", image: "attested", flags: ["--pid", "host"]) { WebhookFixture.spec($0) { $0["hostPID"] = true } },
        Case(name: "memory over the profile", image: "attested", flags: ["--memory", "2g"]) {
            WebhookFixture.container($0) { WebhookFixture.set(&$0, ["resources", "limits", "memory"], "2Gi") }
        },
        Case(name: "memory under the profile", image: "attested", flags: ["--memory", "128m"]) {
            WebhookFixture.container($0) { WebhookFixture.set(&$0, ["resources", "limits", "memory"], "128Mi") }
        },
        Case(name: "cpus over the profile", image: "attested", flags: ["--cpus", "3"]) {
            WebhookFixture.container($0) { WebhookFixture.set(&$0, ["resources", "limits", "cpu"], "3") }
        },
        Case(name: "an extra tmpfs within the profile", image: "attested", flags: ["--tmpfs", "/cache:size=8m"]) {
            let pod = WebhookFixture.spec($0) {
                $0["volumes"] = [
                    ["name": "tmp", "emptyDir": ["medium": "Memory", "sizeLimit": "16Mi"]],
                    ["name": "cache", "emptyDir": ["medium": "Memory", "sizeLimit": "8Mi"]],
                ]
            }
            return WebhookFixture.container(pod) { $0["volumeMounts"] = [["name": "tmp", "mountPath": "/tmp"], ["name": "cache", "mountPath": "/cache"]] }
        },
        Case(name: "a sysctl of the host", image: "attested", flags: ["--sysctl", "kernel.panic=1"]) {
            WebhookFixture.spec($0) { WebhookFixture.set(&$0, ["securityContext", "sysctls"], [["name": "kernel.panic", "value": "1"]]) }
        },
        Case(name: "unattested image", image: "unattested", flags: []) { $0 },
        Case(name: "stale scan", image: "stale", flags: []) { $0 },
    ]

    @Test("run --dry-run / image verify and the webhook decide alike", arguments: cases)
    func agree(_ entry: Case) throws {
        guard let fixture = WebhookFixture.available() else { return }
        let image = ["attested": fixture.attested, "unattested": fixture.unattested, "stale": fixture.stale][entry.image] ?? ""
        // The local doors: the policy through run --dry-run (with admission), the admission alone through image verify.
        let run = try fixture.cli.run(["run", "--dry-run", "--profile", fixture.profile] + entry.flags + [image, "/bin/true"])
        let verify = try fixture.cli.run(["image", "verify", "--profile", fixture.profile, image])
        let local = run.status == 0
        let webhook = try fixture.post(try fixture.review(entry.change(fixture.pod(image: image))))
        #expect(webhook.allowed == local, "\(entry.name): run says \(run.status) \(run.stderr); webhook says \(webhook.message)")
        // The same rule, where the policy refused.
        if let rule = run.stderr.range(of: #"\[SR0[0-9][0-9] "#, options: .regularExpression).map({ String(run.stderr[$0]) }) {
            #expect(webhook.message.contains(rule), "\(entry.name): run refused with \(rule): \(run.stderr); webhook: \(webhook.message)")
        }
        // The admission: image verify and the webhook's image rule agree.
        #expect((verify.status == 0) == !webhook.message.contains("[SR027 "), "\(entry.name): verify \(verify); webhook \(webhook.message)")
    }
}
