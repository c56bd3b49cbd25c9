import Foundation
import KubernetesAdmission
import Testing

/// The review's answer: uid echoed, 403 with rule ids for a denial, 400 for what cannot be read, and
/// the operations and resources the webhook configuration sends.
@Suite struct WebhookAnswerTests {
    let judge: PodJudge
    let good: [String: Any]

    init() throws {
        judge = try PodFixtures.judge()
        good = PodFixtures.compliantPod(seccompFile: judge.seccompFile)
    }

    func response(_ answer: KubernetesWebhook.Answer) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        #expect(object?["apiVersion"] as? String == "admission.k8s.io/v1")
        #expect(object?["kind"] as? String == "AdmissionReview")
        return try #require(object?["response"] as? [String: Any])
    }

    @Test func denialEchoesUidWith403AndRuleIds() throws {
        let pod = PodFixtures.container(good) { PodFixtures.set(&$0, ["securityContext", "privileged"], true) }
        let answer = KubernetesWebhook.answer(try PodFixtures.review(pod, uid: "7c1a-uid"), judge: judge)
        #expect(answer.status == 200)
        let response = try response(answer)
        #expect(response["uid"] as? String == "7c1a-uid")
        #expect(response["allowed"] as? Bool == false)
        let status = try #require(response["status"] as? [String: Any])
        #expect(status["code"] as? Int == 403)
        #expect((status["message"] as? String)?.contains("[SR009 no-privileged]") == true)
        #expect(answer.rules.contains("SR009"))
    }

    @Test(arguments: [
        "", "{", "[]", #"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#,
        #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
    ])
    func malformedIs400WithOneLine(_ text: String) {
        let answer = KubernetesWebhook.answer(Array(text.utf8), judge: judge)
        #expect(answer.status == 400)
        let line = String(decoding: answer.body, as: UTF8.self)
        #expect(line.split(separator: "\n").count == 1, "\(line)")
    }

    @Test func deleteIsAllowedAndOtherResourcesAreDenied() throws {
        let delete = KubernetesWebhook.answer(try PodFixtures.review(good, operation: "DELETE"), judge: judge)
        #expect(try response(delete)["allowed"] as? Bool == true)
        var review = try JSONSerialization.jsonObject(with: Data(try PodFixtures.review(good))) as? [String: Any] ?? [:]
        PodFixtures.set(&review, ["request", "resource"], ["group": "apps", "version": "v1", "resource": "deployments"])
        let other = KubernetesWebhook.answer(Array(try JSONSerialization.data(withJSONObject: review)), judge: judge)
        let answer = try response(other)
        #expect(answer["allowed"] as? Bool == false)
        #expect(((answer["status"] as? [String: Any])?["message"] as? String)?.contains("pods only") == true)
    }

    @Test func ephemeralContainersSubresourceIsJudged() throws {
        let pod = PodFixtures.spec(good) {
            $0["ephemeralContainers"] = [
                ["name": "debugger", "image": "busybox@\(PodFixtures.digest)", "targetContainerName": "app", "securityContext": ["privileged": true]]
            ]
        }
        let answer = KubernetesWebhook.answer(try PodFixtures.review(pod, operation: "UPDATE", subResource: "ephemeralcontainers"), judge: judge)
        #expect(try response(answer)["allowed"] as? Bool == false)
        #expect(answer.message?.contains("ephemeralContainers[0] (debugger)") == true)
        #expect(answer.rules.contains("SR009"))
    }

    @Test func podListIsRead() throws {
        var text = try String(contentsOf: PodFixtures.fixtures.appendingPathComponent("pods.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "SECCOMP", with: judge.seccompFile)
        let pods = try PodList.read(Array(text.utf8), source: "pods.json")
        #expect(pods.map(\.name) == ["good", "bad"])
        let bad = judge.judge(pods[1])
        #expect(Set(bad.rules).isSuperset(of: ["SR009", "SR032"]))
        let good = judge.judge(pods[0])
        #expect(good.rules == ["SR027"])
    }
}

/// An UPDATE is judged on what it changes: a swapped image is, an unchanged container is not (a label
/// change on a pod that predates a tightened profile is not refused; audit re-judges what runs).
@Suite struct UpdateTests {
    let judge: PodJudge
    let good: [String: Any]

    init() throws {
        judge = try PodFixtures.judge()
        good = PodFixtures.compliantPod(seccompFile: judge.seccompFile)
    }

    func update(old: [String: Any], new: [String: Any]) throws -> KubernetesWebhook.Answer {
        var review = try JSONSerialization.jsonObject(with: Data(try PodFixtures.review(new, operation: "UPDATE"))) as? [String: Any] ?? [:]
        PodFixtures.set(&review, ["request", "oldObject"], old)
        return KubernetesWebhook.answer(Array(try JSONSerialization.data(withJSONObject: review)), judge: judge)
    }

    @Test func unchangedContainersAreNotJudgedAgain() throws {
        let old = PodFixtures.container(good) { PodFixtures.set(&$0, ["securityContext", "privileged"], true) }
        var relabelled = old
        PodFixtures.set(&relabelled, ["metadata", "labels"], ["tier": "front"])
        #expect(try update(old: old, new: relabelled).outcome == .allowed)
    }

    @Test func aSwappedImageIsJudged() throws {
        let swapped = PodFixtures.container(good) { $0["image"] = "registry.example/app:latest" }
        let answer = try update(old: good, new: swapped)
        #expect(answer.outcome == .denied)
        #expect(answer.rules.contains("SR032"))
    }
}

@Suite struct AnnotationTests {
    @Test func apparmorUnconfinedAnnotationIsRefused() throws {
        let judge = try PodFixtures.judge()
        var pod = PodFixtures.compliantPod(seccompFile: judge.seccompFile)
        PodFixtures.set(&pod, ["metadata", "annotations"], ["container.apparmor.security.beta.kubernetes.io/app": "unconfined"])
        let (rules, message) = try PodFixtures.refusals(pod, judge: judge)
        #expect(rules.contains("SR013"), "\(message)")
    }
}
