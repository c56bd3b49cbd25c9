import Foundation

/// The webhook's answer to one POSTed body, apart from any server: read the review, judge the pod, and
/// say what to send back. A body that is not a review securerun can read gets HTTP 400 with one line.
public enum KubernetesWebhook {
    /// What to send: the HTTP status and body, and what was decided (for logs and metrics).
    public struct Answer: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var outcome: Outcome
        /// The request's uid, operation and pod, when read.
        public var uid: String?
        public var operation: String?
        public var pod: String?
        public var rules: [String]
        public var message: String?
        /// Images refused for want of attestations their registries were not asked for yet: a server that
        /// can fetch them does, then answers the same body again.
        public var fetches: [RegistryFetch] = []
    }

    /// What became of a request.
    public enum Outcome: String, Sendable, CaseIterable {
        case allowed, denied, malformed
    }

    /// The answer to `body` under `judge` at `now`. A dry-run request is judged the same way: judging
    /// changes nothing in the cluster (the only writes are securerun's own caches: verdicts, attestations fetched from registries).
    public static func answer(_ body: [UInt8], judge: PodJudge, now: Date = Date()) -> Answer {
        let review: AdmissionReviewRequest
        do {
            review = try AdmissionReviewRequest.read(body)
        } catch {
            return malformed(error.description)
        }
        func respond(_ allowed: Bool, _ message: String?, pod: String? = nil, rules: [String] = []) -> Answer {
            Answer(
                status: 200, body: AdmissionReviewResponse(uid: review.uid, allowed: allowed, message: message).encoded(),
                outcome: allowed ? .allowed : .denied, uid: review.uid, operation: review.operation, pod: pod, rules: rules, message: message)
        }
        guard review.group.isEmpty, review.resource == "pods" else {
            return respond(
                false,
                "securerun judges pods only, not \(review.group.isEmpty ? "" : review.group + "/")\(review.resource); send it only pods, pods/ephemeralcontainers and pods/resize (securerun export webhook-config)"
            )
        }
        // Deleting a pod or connecting to one starts no container; the configuration sends neither.
        guard ["CREATE", "UPDATE"].contains(review.operation) else { return respond(true, nil) }
        // pods/resize is how Kubernetes 1.33 changes a running container's limits in place: an UPDATE of
        // the pod like any other, judged on the containers it changes.
        guard ["", "ephemeralcontainers", "resize"].contains(review.subResource) else {
            return respond(
                false,
                "securerun judges pods, pods/ephemeralcontainers and pods/resize, not pods/\(review.subResource); send it only those (securerun export webhook-config)"
            )
        }
        guard let object = review.object else { return malformed("request.object: a \(review.operation) of a pod carries the pod") }
        var pod: PodReading
        do {
            pod = try PodReader.read(object, path: "")
            // An UPDATE is judged on the containers it adds or changes (an image swapped, an ephemeral
            // container added): the others already run, and refusing a label change does not stop them;
            // `audit --kubernetes` re-judges what runs.
            if review.operation == "UPDATE", let oldObject = review.oldObject {
                let old = try PodReader.read(oldObject, path: "")
                pod.containers.removeAll { container in old.containers.contains { $0.isSame(as: container) } }
            }
        } catch {
            return malformed(error.description)
        }
        let judgement = judge.judge(pod, now: now)
        let name = pod.namespace.isEmpty ? pod.name : "\(pod.namespace)/\(pod.name)"
        if judgement.allowed { return respond(true, nil, pod: name) }
        var answer = respond(false, "securerun refused pod \(name): \(judgement.message)", pod: name, rules: judgement.rules)
        answer.fetches = judgement.fetches
        return answer
    }

    static func malformed(_ reason: String) -> Answer {
        let line = "securerun cannot read this AdmissionReview: " + reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        return Answer(status: 400, body: Array((line + "\n").utf8), outcome: .malformed, uid: nil, operation: nil, pod: nil, rules: [], message: line)
    }
}
