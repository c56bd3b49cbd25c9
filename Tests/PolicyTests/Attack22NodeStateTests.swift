import Foundation
import Testing

@testable import Policy

/// Attack 22: a Kubernetes node's own engines keep their state beside docker's and containerd's. The
/// kubelet's directory holds its client key and every pod's secrets and service account tokens, etcd's every
/// Secret of the cluster, CRI-O's (and podman's) storage every container's files, k3s/RKE2's its server
/// token and datastore. Each door (`run -v`, the engine plugin, the webhook's hostPath) judges volumes by
/// one rule, so each refuses them, even read-only.
@Suite struct Attack22NodeStateTests {
    static let sources = [
        "/var/lib/kubelet", "/var/lib/kubelet/pki", "/var/lib/kubelet/pods/x/volumes", "/var/lib/etcd", "/var/lib/etcd/member", "/var/lib/containers",
        "/var/lib/containers/storage", "/var/lib/rancher", "/var/lib/rancher/k3s/server",
    ]

    @Test("attack22: run -v of a node's kubelet, etcd, CRI-O or k3s state is refused, even read-only", arguments: sources)
    func nodeStateIsNeverAVolume(_ source: String) throws {
        let profile = try ProfileFixtures.parse("name: unit\n")
        let request = try Requests.parse(["-v", "\(source):/s:ro"])
        #expect(throws: PolicyError.self, "\(source) was mounted") {
            _ = try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), hostSecrets: HostSecrets(patterns: []))
        }
    }
}
