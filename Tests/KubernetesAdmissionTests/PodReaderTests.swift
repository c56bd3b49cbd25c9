import Foundation
import KubernetesAdmission
import Policy
import StrictJSON
import Testing

/// Each way a pod can loosen the profile is refused with the rule `securerun run` refuses the same
/// loosening with; the compliant pod is refused only for its image, which no attestation covers here.
@Suite struct PodReaderTests {
    let judge: PodJudge
    let good: [String: Any]

    init() throws {
        judge = try PodFixtures.judge()
        good = PodFixtures.compliantPod(seccompFile: judge.seccompFile)
    }

    @Test func compliantPodIsRefusedOnlyForItsUnattestedImage() throws {
        let (rules, message) = try PodFixtures.refusals(good, judge: judge)
        #expect(rules == ["SR027"], "\(message)")
        #expect(message.contains("[SR027 image-admission]"))
    }

    @Test func seccompFileNameIsTheExportsForm() {
        #expect(judge.seccompFile.hasPrefix("securerun-default-"))
        #expect(judge.seccompFile.hasSuffix(".json"))
        #expect(judge.seccompFile.count == "securerun-default-".count + 12 + 5)
    }

    /// (what the pod does, the rule id that refuses it).
    static let loosenings: [(String, String)] = [
        ("privileged", "SR009"), ("runAsUser 0", "SR001"), ("runAsNonRoot false without a user", "SR001"), ("no user", "SR001"),
        ("no group", "SR001"), ("hostPath /", "SR010"), ("added capability", "SR002"), ("no drop ALL", "SR002"),
        ("missing seccomp", "SR005"), ("RuntimeDefault seccomp", "SR005"), ("another Localhost file", "SR005"), ("Unconfined seccomp", "SR005"),
        ("image by tag", "SR032"), ("hostNetwork", "SR012"), ("hostPID", "SR015"), ("hostIPC", "SR015"), ("writable root", "SR003"),
        ("privilege escalation", "SR004"), ("no memory limit", "SR006"), ("memory over the profile", "SR006"), ("cpu over the profile", "SR007"),
        ("no cpu limit", "SR007"), ("unsized memory emptyDir", "SR011"), ("procMount Unmasked", "SR013"), ("hostPort", "SR026"),
        ("persistent volume", "SR024"), ("GPU", "SR016"), ("runtimeClassName", "SR022"), ("shareProcessNamespace", "SR015"),
        ("root supplemental group", "SR001"),
    ]

    @Test(arguments: loosenings)
    func looseningIsRefusedWithItsRule(_ case: String, _ rule: String) throws {
        let pod = try loosened(`case`)
        let (rules, message) = try PodFixtures.refusals(pod, judge: judge)
        #expect(rules.contains(rule), "\(`case`): \(message)")
        #expect(message.contains("[\(rule) "), "\(`case`): \(message)")
    }

    func loosened(_ name: String) throws -> [String: Any] {
        let c = { (change: (inout [String: Any]) -> Void) in PodFixtures.container(good, change) }
        let s = { (change: (inout [String: Any]) -> Void) in PodFixtures.spec(good, change) }
        switch name {
        case "privileged": return c { PodFixtures.set(&$0, ["securityContext", "privileged"], true) }
        case "runAsUser 0": return c { PodFixtures.set(&$0, ["securityContext", "runAsUser"], 0) }
        case "runAsNonRoot false without a user":
            return s {
                PodFixtures.set(&$0, ["securityContext", "runAsUser"], nil)
                PodFixtures.set(&$0, ["securityContext", "runAsNonRoot"], false)
            }
        case "no user": return s { PodFixtures.set(&$0, ["securityContext", "runAsUser"], nil) }
        case "no group": return s { PodFixtures.set(&$0, ["securityContext", "runAsGroup"], nil) }
        case "hostPath /":
            let pod = s { $0["volumes"] = [["name": "root", "hostPath": ["path": "/"]]] }
            return PodFixtures.container(pod) { $0["volumeMounts"] = [["name": "root", "mountPath": "/host", "readOnly": true]] }
        case "added capability": return c { PodFixtures.set(&$0, ["securityContext", "capabilities", "add"], ["NET_ADMIN"]) }
        case "no drop ALL": return c { PodFixtures.set(&$0, ["securityContext", "capabilities"], nil) }
        case "missing seccomp": return s { PodFixtures.set(&$0, ["securityContext", "seccompProfile"], nil) }
        case "RuntimeDefault seccomp": return s { PodFixtures.set(&$0, ["securityContext", "seccompProfile"], ["type": "RuntimeDefault"]) }
        case "another Localhost file":
            return s { PodFixtures.set(&$0, ["securityContext", "seccompProfile"], ["type": "Localhost", "localhostProfile": "allow-all.json"]) }
        case "Unconfined seccomp": return c { PodFixtures.set(&$0, ["securityContext", "seccompProfile"], ["type": "Unconfined"]) }
        case "image by tag": return c { $0["image"] = "registry.example/app:1.0" }
        case "hostNetwork": return s { $0["hostNetwork"] = true }
        case "hostPID": return s { $0["hostPID"] = true }
        case "hostIPC": return s { $0["hostIPC"] = true }
        case "writable root": return c { PodFixtures.set(&$0, ["securityContext", "readOnlyRootFilesystem"], false) }
        case "privilege escalation": return c { PodFixtures.set(&$0, ["securityContext", "allowPrivilegeEscalation"], true) }
        case "no memory limit": return c { PodFixtures.set(&$0, ["resources", "limits", "memory"], nil) }
        case "memory over the profile": return c { PodFixtures.set(&$0, ["resources", "limits", "memory"], "8Gi") }
        case "cpu over the profile": return c { PodFixtures.set(&$0, ["resources", "limits", "cpu"], "4") }
        case "no cpu limit": return c { PodFixtures.set(&$0, ["resources", "limits", "cpu"], nil) }
        case "unsized memory emptyDir": return s { $0["volumes"] = [["name": "tmp", "emptyDir": ["medium": "Memory"]]] }
        case "procMount Unmasked": return c { PodFixtures.set(&$0, ["securityContext", "procMount"], "Unmasked") }
        case "hostPort": return c { $0["ports"] = [["containerPort": 8080, "hostPort": 80]] }
        case "persistent volume": return s { $0["volumes"] = [["name": "tmp", "persistentVolumeClaim": ["claimName": "data"]]] }
        case "GPU": return c { PodFixtures.set(&$0, ["resources", "limits", "nvidia.com/gpu"], "1") }
        case "runtimeClassName": return s { $0["runtimeClassName"] = "unconfined-runtime" }
        case "shareProcessNamespace": return s { $0["shareProcessNamespace"] = true }
        case "root supplemental group": return s { PodFixtures.set(&$0, ["securityContext", "supplementalGroups"], [0]) }
        default: throw TestFailure("no case \(name)")
        }
    }

    @Test func eachMissingPieceIsSaidOnce() throws {
        let pod = PodFixtures.container(good) { $0["resources"] = nil }
        let (_, message) = try PodFixtures.refusals(pod, judge: judge)
        #expect(message.components(separatedBy: "[SR006 ").count == 2, "\(message)")
        let escalation = PodFixtures.container(good) { PodFixtures.set(&$0, ["securityContext", "allowPrivilegeEscalation"], nil) }
        #expect(try PodFixtures.refusals(escalation, judge: judge).message.contains("allowPrivilegeEscalation=unset refused"))
    }

    @Test func containerOverridesPod() throws {
        // The pod says root, the container says 1000: the kubelet runs the container as 1000.
        var pod = PodFixtures.spec(good) { PodFixtures.set(&$0, ["securityContext", "runAsUser"], 0) }
        pod = PodFixtures.container(pod) { PodFixtures.set(&$0, ["securityContext", "runAsUser"], 1000) }
        let reading = try PodReader.read(try PodFixtures.node(pod), path: "")
        #expect(reading.containers[0].request.user?.value.user == "1000")
        #expect(reading.containers[0].request.user?.origin.flag == "spec.containers[0].securityContext.runAsUser")
    }

    @Test func refusalNamesThePodField() throws {
        let pod = PodFixtures.container(good) { PodFixtures.set(&$0, ["securityContext", "privileged"], true) }
        let (_, message) = try PodFixtures.refusals(pod, judge: judge)
        #expect(message.contains("spec.containers[0].securityContext.privileged=true"), "\(message)")
        #expect(message.contains("[SR009 no-privileged]"))
    }

    @Test func initAndEphemeralContainersAreJudged() throws {
        let privileged: [String: Any] = ["name": "debug", "image": "busybox@\(PodFixtures.digest)", "securityContext": ["privileged": true]]
        for list in ["initContainers", "ephemeralContainers"] {
            let pod = PodFixtures.spec(good) { $0[list] = [privileged] }
            let judgement = judge.judge(try PodReader.read(try PodFixtures.node(pod), path: ""))
            let refused = try #require(judgement.containers.first { $0.name == "debug" })
            #expect(refused.refusals.contains { $0.rule == "SR009" }, "\(list): \(judgement.message)")
            #expect(refused.label.hasPrefix(list))
        }
    }

    // MARK: - Reading

    @Test func duplicateKeysAreRefused() throws {
        let bytes = Array(try Data(contentsOf: PodFixtures.fixtures.appendingPathComponent("duplicate-privileged.json")))
        let answer = KubernetesWebhook.answer(bytes, judge: judge)
        #expect(answer.status == 400)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("privileged"))
    }

    /// Unknown fields where they could change how a container runs are refused, never skipped.
    @Test(arguments: [["spec", "hostTime"], ["container", "privilegedMode"], ["securityContext", "Privileged"], ["volume", "hostDisk"]])
    func unknownFieldsThatCouldLoosenAreRefused(_ place: [String]) throws {
        let pod: [String: Any]
        switch place[0] {
        case "spec": pod = PodFixtures.spec(good) { $0[place[1]] = true }
        case "container": pod = PodFixtures.container(good) { $0[place[1]] = true }
        case "securityContext": pod = PodFixtures.container(good) { PodFixtures.set(&$0, ["securityContext", place[1]], true) }
        default: pod = PodFixtures.spec(good) { $0["volumes"] = [["name": "tmp", place[1]: ["path": "/"]]] }
        }
        #expect(throws: KubernetesAdmissionError.self) { try PodReader.read(try PodFixtures.node(pod), path: "") }
        let answer = KubernetesWebhook.answer(try PodFixtures.review(pod), judge: judge)
        #expect(answer.status == 400)
        #expect(String(decoding: answer.body, as: UTF8.self).contains(place[1]))
    }

    @Test func metadataAndStatusMayCarryAnything() throws {
        var pod = good
        pod["metadata"] = ["name": "web", "annotations": ["x": "y"], "managedFields": [["manager": "kubectl"]], "futureField": 1]
        pod["status"] = ["phase": "Pending", "somethingNew": true]
        _ = try PodReader.read(try PodFixtures.node(pod), path: "")
    }

    @Test(arguments: [("256Mi", Int64(256 << 20)), ("1Gi", Int64(1 << 30)), ("500M", Int64(500_000_000)), ("1e3", Int64(1000)), ("0.5Ki", Int64(512))])
    func memoryQuantities(_ text: String, _ bytes: Int64) throws {
        #expect(Quantity(parsing: text)?.units == bytes)
    }

    @Test func cpuQuantities() {
        #expect(Quantity(parsing: "500m")?.nanos == 500_000_000)
        #expect(Quantity(parsing: "0.5")?.nanos == 500_000_000)
        #expect(Quantity(parsing: "2")?.nanos == 2_000_000_000)
        #expect(Quantity(parsing: "-1") == nil)
        #expect(Quantity(parsing: "1.2.3") == nil)
        #expect(Quantity(parsing: "Mi") == nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
