import ContentDigest
import Foundation
import Images
import Testing

@testable import Policy
@testable import Renderers

/// The exported workload carries the profile's floor at the profile's values, and Kubernetes' own schemas
/// accept it (kubernetes-validate --strict at 1.30 and at the newest version it ships, and the strict Pod
/// schema of 1.32).
@Suite("Renderers: Kubernetes workload")
struct KubernetesWorkloadTests {
    @Test("every kind under every profile validates strictly for Kubernetes 1.30 and the newest, and its pod against the Pod schema")
    func validates() throws {
        guard let tool = Validators.kubernetesValidate(), let python = Validators.python() else { return }
        let newest = try Validators.newestVersion(tool)
        let directory = try KubernetesFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            for kind in KubernetesRenderer.Kind.allCases {
                let file = directory.appendingPathComponent("\(profile.name)-\(kind.rawValue).yaml")
                let yaml = KubernetesRenderer.render(values, workload: .init(name: "app", kind: kind, image: KubernetesFixtures.image))
                try yaml.write(to: file, atomically: true, encoding: .utf8)
                for version in ["1.30.0", newest] {
                    try Validators.validate(tool, file: file, version: version, resources: 2)
                }
                try Validators.validatePods(python, file: file)
            }
        }
    }

    @Test("the pod carries every floor field at the profile's value")
    func floorFields() throws {
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let yaml = KubernetesRenderer.render(values, workload: .init(name: "app", kind: .deployment, image: KubernetesFixtures.image))
            let documents = try KubernetesFixtures.documents(yaml)
            #expect(documents.count == 2)
            let pod = try #require(value(documents[0], ["spec", "template", "spec"]) as? [String: Any])
            #expect(pod["automountServiceAccountToken"] as? Bool == false)
            #expect(pod["hostUsers"] as? Bool == false)
            for key in ["hostNetwork", "hostPID", "hostIPC"] { #expect(pod[key] as? Bool == false, "\(key)") }
            #expect(value(pod, ["securityContext", "runAsNonRoot"]) as? Bool == true)
            #expect(value(pod, ["securityContext", "runAsUser"]) as? Int == Int(profile.user.uid))
            #expect(value(pod, ["securityContext", "seccompProfile", "localhostProfile"]) as? String == values.seccompFile)
            let container = try #require(value(pod, ["containers", 0]) as? [String: Any])
            #expect(container["image"] as? String == KubernetesFixtures.image)
            let security = try #require(container["securityContext"] as? [String: Any])
            #expect(security["runAsNonRoot"] as? Bool == true)
            #expect(security["runAsUser"] as? Int == Int(profile.user.uid))
            #expect(security["runAsGroup"] as? Int == Int(profile.user.gid))
            #expect(security["readOnlyRootFilesystem"] as? Bool == true)
            #expect(security["allowPrivilegeEscalation"] as? Bool == false)
            #expect(security["privileged"] as? Bool == false)
            #expect(value(security, ["capabilities", "drop"]) as? [String] == ["ALL"])
            #expect((value(security, ["capabilities", "add"]) as? [String] ?? []) == values.capabilityAdds)
            #expect(value(security, ["seccompProfile", "type"]) as? String == "Localhost")
            #expect(value(security, ["seccompProfile", "localhostProfile"]) as? String == values.seccompFile)
            for side in ["limits", "requests"] {
                #expect(value(container, ["resources", side, "memory"]) as? String == KubernetesProfile.quantity(bytes: profile.memory.bytes))
                #expect(value(container, ["resources", side, "cpu"]) as? String == values.cpu)
            }
            let volumes = try #require(pod["volumes"] as? [[String: Any]])
            #expect(volumes.count == profile.tmpfs.count)
            for (volume, tmpfs) in zip(volumes, profile.tmpfs) {
                #expect(value(volume, ["emptyDir", "medium"]) as? String == "Memory")
                #expect(value(volume, ["emptyDir", "sizeLimit"]) as? String == KubernetesProfile.quantity(bytes: tmpfs.size.bytes))
            }
            let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
            #expect(mounts.compactMap { $0["mountPath"] as? String } == profile.tmpfs.map(\.path))
            #expect(yaml.contains("# the node path: \(values.seccompNodePath)"))
            #expect(values.seccompNodePath == "/var/lib/kubelet/seccomp/" + values.seccompFile)
        }
    }

    @Test("the seccomp file is the profile's resolved filter, named by its digest")
    func seccompFile() throws {
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let decoded = try JSONSerialization.jsonObject(with: values.seccompJSON) as? [String: Any]
            #expect(decoded?["defaultAction"] as? String == profile.seccomp.defaultAction.rawValue)
            #expect(values.seccompFile.hasPrefix("securerun-\(profile.name)-"))
            #expect(values.seccompFile.contains(String(Digest.of(values.seccompJSON).hex.prefix(12))))
        }
    }

    @Test("network none denies all traffic; private allows only the egress list, with the bandwidth annotations")
    func network() throws {
        let profiles = try KubernetesFixtures.profiles()
        let none = try KubernetesProfile(profile: profiles[0])
        let noneDocs = try KubernetesFixtures.documents(
            KubernetesRenderer.render(none, workload: .init(name: "app", kind: .pod, image: KubernetesFixtures.image)))
        #expect(value(noneDocs[1], ["spec", "policyTypes"]) as? [String] == ["Ingress", "Egress"])
        #expect(value(noneDocs[1], ["spec", "egress"]) == nil && value(noneDocs[1], ["spec", "ingress"]) == nil)
        #expect(value(noneDocs[0], ["metadata", "annotations", "kubernetes.io/egress-bandwidth"]) == nil)

        let wide = try KubernetesProfile(profile: try #require(profiles.last))
        let docs = try KubernetesFixtures.documents(KubernetesRenderer.render(wide, workload: .init(name: "app", kind: .pod, image: KubernetesFixtures.image)))
        #expect(value(docs[0], ["metadata", "annotations", "kubernetes.io/egress-bandwidth"]) as? String == "5M")
        #expect(value(docs[0], ["metadata", "annotations", "kubernetes.io/ingress-bandwidth"]) as? String == "20M")
        let egress = try #require(value(docs[1], ["spec", "egress"]) as? [[String: Any]])
        #expect(egress.compactMap { value($0, ["to", 0, "ipBlock", "cidr"]) as? String } == ["10.1.0.0/16", "192.168.1.1/32", "172.16.0.0/12"])
        #expect(value(egress[0], ["ports"]) as? [[String: AnyHashable]] == [["protocol": "TCP", "port": 443]])
        #expect((value(egress[1], ["ports"]) as? [Any])?.count == 2, "a port without a protocol is TCP and UDP")
        #expect(value(egress[2], ["ports"]) == nil)
        #expect(value(docs[1], ["spec", "podSelector", "matchLabels", KubernetesRenderer.nameLabel]) as? String == "app")
    }

    @Test("quantities are exact and never above the profile")
    func quantities() {
        #expect(KubernetesProfile.quantity(bytes: 256 << 20) == "256Mi")
        #expect(KubernetesProfile.quantity(bytes: 1 << 30) == "1Gi")
        #expect(KubernetesProfile.quantity(bytes: 1_500_000) == "1500000")
        #expect(KubernetesProfile.cpuQuantity(quota: 50_000, period: 100_000) == "500m")
        #expect(KubernetesProfile.cpuQuantity(quota: 200_000, period: 100_000) == "2")
        #expect(KubernetesProfile.cpuQuantity(quota: 33_333, period: 100_000) == "333m")
        #expect(KubernetesProfile.bandwidth(BitRate(bitsPerSecond: 10_000_000)) == "10M")
        #expect(KubernetesProfile.bandwidth(BitRate(bitsPerSecond: 1_500_000)) == "1500k")
        #expect(KubernetesProfile.dnsLabel("My_Profile..x") == "my-profile-x")
    }

    @Test("the image is pinned by digest; a tag alone is refused with a line that says what to do")
    func imagePinning() throws {
        let digest = "sha256:" + String(repeating: "c", count: 64)
        #expect(try ImagePinning.pin("busybox@\(digest)", store: nil).reference == "docker.io/library/busybox@\(digest)")
        #expect(try ImagePinning.pin("127.0.0.1:5000/a/b:1.0@\(digest)", store: nil).reference == "127.0.0.1:5000/a/b@\(digest)")
        #expect(throws: ExportError.tagOnly(image: "busybox:1.36")) { try ImagePinning.pin("busybox:1.36", store: nil) }
        #expect(ExportError.tagOnly(image: "busybox:1.36").description.contains("NAME@sha256:DIGEST"))
        #expect(throws: ExportError.self) { try ImagePinning.pin("Not A Reference", store: nil) }
        // A stored image is pinned by its manifest digest whatever the tag says now.
        let store = ImageStore(root: try KubernetesFixtures.temporaryDirectory())
        defer { try? FileManager.default.removeItem(at: store.root) }
        #expect(throws: ExportError.tagOnly(image: "app:1.0")) { try ImagePinning.pin("app:1.0", store: store) }
    }
}
