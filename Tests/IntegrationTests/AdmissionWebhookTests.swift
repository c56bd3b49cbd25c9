import Foundation
import Testing

/// `securerun-net admission serve` answering real AdmissionReviews over TLS on 127.0.0.1: the compliant
/// pod with an attested image by digest is allowed; each loosening, an image by tag, an unattested image
/// and a stale scan are denied with their rule ids; UPDATE, kubectl debug's ephemeral containers, dry
/// runs, malformed bodies, /healthz and /metrics.
@Suite("admission webhook", .serialized)
struct AdmissionWebhookTests {
    @Test("a compliant pod with an attested image pinned by digest is allowed, uid echoed")
    func compliantAllowed() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let response = try fixture.post(try fixture.review(fixture.pod(image: fixture.attested), uid: "uid-allow-1"))
        #expect(response.status == 200)
        #expect(response.allowed == true, "\(response.body)\n\(fixture.log.suffix(2000))")
        #expect(response.review?["uid"] as? String == "uid-allow-1")
    }

    /// (what the pod does, the rule id it is denied with).
    static let denials: [(String, String)] = [
        ("privileged", "SR009"), ("root", "SR001"), ("hostPath /", "SR010"), ("added capability", "SR002"), ("missing seccomp", "SR005"),
        ("image by tag", "SR032"), ("unattested image", "SR027"), ("stale scan", "SR027"), ("hostNetwork", "SR012"),
    ]

    @Test("each loosening and each image without a passing, fresh, signed scan is denied with its rule id", arguments: denials)
    func denied(_ name: String, _ rule: String) throws {
        guard let fixture = WebhookFixture.available() else { return }
        let pod = try Self.loosened(name, fixture: fixture)
        let response = try fixture.post(try fixture.review(pod, uid: "uid-\(rule)"))
        #expect(response.status == 200)
        #expect(response.allowed == false, "\(name): \(response.body)")
        #expect(response.code == 403)
        #expect(response.review?["uid"] as? String == "uid-\(rule)")
        #expect(response.message.contains("[\(rule) "), "\(name): \(response.message)")
    }

    static func loosened(_ name: String, fixture: WebhookFixture) throws -> [String: Any] {
        let good = fixture.pod(image: fixture.attested)
        let c = { (change: (inout [String: Any]) -> Void) in WebhookFixture.container(good, change) }
        switch name {
        case "privileged": return c { WebhookFixture.set(&$0, ["securityContext", "privileged"], true) }
        case "root":
            return WebhookFixture.spec(good) {
                WebhookFixture.set(&$0, ["securityContext", "runAsUser"], 0)
                WebhookFixture.set(&$0, ["securityContext", "runAsNonRoot"], false)
            }
        case "hostPath /":
            let pod = WebhookFixture.spec(good) { $0["volumes"] = [["name": "host", "hostPath": ["path": "/"]]] }
            return WebhookFixture.container(pod) { $0["volumeMounts"] = [["name": "host", "mountPath": "/host", "readOnly": true]] }
        case "added capability": return c { WebhookFixture.set(&$0, ["securityContext", "capabilities", "add"], ["SYS_ADMIN"]) }
        case "missing seccomp": return WebhookFixture.spec(good) { WebhookFixture.set(&$0, ["securityContext", "seccompProfile"], nil) }
        case "image by tag": return c { $0["image"] = "test/webhook:1" }
        case "unattested image": return c { $0["image"] = fixture.unattested }
        case "stale scan": return c { $0["image"] = fixture.stale }
        case "hostNetwork": return WebhookFixture.spec(good) { $0["hostNetwork"] = true }
        default: throw TestFailure("no case \(name)")
        }
    }

    @Test("an UPDATE that swaps the image for an unattested one is denied")
    func updateSwapsImage() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let running = fixture.pod(image: fixture.attested)
        let swapped = WebhookFixture.container(running) { $0["image"] = fixture.unattested }
        let response = try fixture.post(try fixture.review(swapped, operation: "UPDATE", oldObject: running))
        #expect(response.allowed == false, "\(response.body)")
        #expect(response.message.contains("[SR027 "), "\(response.message)")
        #expect(response.message.contains(fixture.unattested))
    }

    @Test("a privileged ephemeral container added by kubectl debug (pods/ephemeralcontainers) is denied")
    func ephemeralPrivileged() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let pod = WebhookFixture.spec(fixture.pod(image: fixture.attested)) {
            $0["ephemeralContainers"] = [
                [
                    "name": "debugger-x1", "image": fixture.attested, "stdin": true, "tty": true,
                    "securityContext": ["privileged": true], "terminationMessagePolicy": "File",
                ] as [String: Any]
            ]
        }
        let response = try fixture.post(
            try fixture.review(pod, operation: "UPDATE", subResource: "ephemeralcontainers", oldObject: fixture.pod(image: fixture.attested)))
        #expect(response.allowed == false, "\(response.body)")
        #expect(response.message.contains("ephemeralContainers[0] (debugger-x1)"), "\(response.message)")
        #expect(response.message.contains("[SR009 "))
    }

    @Test("an UPDATE that changes no container (a label) is allowed, and one that keeps the attested image too")
    func updateUnchanged() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let running = fixture.pod(image: fixture.attested)
        var relabelled = running
        WebhookFixture.set(&relabelled, ["metadata", "labels"], ["tier": "front"])
        let response = try fixture.post(try fixture.review(relabelled, operation: "UPDATE", oldObject: running))
        #expect(response.allowed == true, "\(response.body)")
    }

    @Test("a dry-run request is judged the same way")
    func dryRun() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let allowed = try fixture.post(try fixture.review(fixture.pod(image: fixture.attested), dryRun: true))
        #expect(allowed.allowed == true, "\(allowed.body)")
        let privileged = WebhookFixture.container(fixture.pod(image: fixture.attested)) { WebhookFixture.set(&$0, ["securityContext", "privileged"], true) }
        let denied = try fixture.post(try fixture.review(privileged, dryRun: true))
        #expect(denied.allowed == false)
        #expect(denied.message.contains("[SR009 "))
    }

    @Test("a malformed body gets HTTP 400 with one line, and the server keeps serving")
    func malformed() throws {
        guard let fixture = WebhookFixture.available() else { return }
        for body in ["{not json", #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a","uid":"b"}}"#, ""] {
            let response = try fixture.post(Data(body.utf8))
            #expect(response.status == 400, "\(body): \(response)")
            #expect(response.body.split(separator: "\n").count == 1, "\(response.body)")
        }
        #expect(fixture.isRunning)
        #expect(try fixture.get("/healthz").status == 200)
    }

    @Test("a body over 3 MiB is refused with 413")
    func oversized() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let response = try fixture.post(Data(repeating: 0x20, count: (3 << 20) + 1))
        #expect(response.status == 413)
        #expect(fixture.isRunning)
    }

    @Test("/healthz answers ok and /metrics counts reviews in the Prometheus text format")
    func healthAndMetrics() throws {
        guard let fixture = WebhookFixture.available() else { return }
        let health = try fixture.get("/healthz")
        #expect(health.status == 200)
        #expect(health.body == "ok\n")
        _ = try fixture.post(try fixture.review(fixture.pod(image: fixture.attested)))
        let metrics = try fixture.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("# TYPE securerun_admission_reviews_total counter"))
        #expect(metrics.body.contains("securerun_admission_review_duration_seconds_bucket{le=\"+Inf\"}"))
        #expect(metrics.body.range(of: #"securerun_admission_reviews_total\{outcome="allowed"\} [1-9]"#, options: .regularExpression) != nil, "\(metrics.body)")
    }
}
