import Testing

@testable import Policy
@testable import Renderers

/// Every profile key reaches the cluster somewhere: the workload, the cluster's policies, or a comment on
/// what the cluster must provide. A key added to the profile format without a row here fails, so a new
/// control cannot be silently dropped on Kubernetes.
@Suite("Renderers: every profile field is mapped")
struct KubernetesFieldTableTests {
    /// The profile's leaf keys, from the loader's own list of what a profile may say.
    static var profileKeys: Set<String> {
        var leaves: Set<String> = []
        for (level, keys) in ProfileDocument.knownKeys {
            for key in keys {
                let path = level.isEmpty ? key : "\(level).\(key)"
                // A key with keys of its own (`resources`, `tmpfs[]`) is a section; its keys are listed.
                if ProfileDocument.knownKeys[path] == nil && ProfileDocument.knownKeys[path + "[]"] == nil {
                    leaves.insert(path)
                }
            }
        }
        return leaves
    }

    @Test("each profile key is in the table: mapped, enforced by the policies, or listed as needing the cluster")
    func everyKeyIsMapped() {
        let table = Set(KubernetesField.table.map(\.key))
        let missing = Self.profileKeys.subtracting(table)
        #expect(missing.isEmpty, "profile keys with no Kubernetes mapping: \(missing.sorted())")
    }

    @Test("the table lists only profile keys, each once")
    func noStaleRows() {
        let keys = KubernetesField.table.map(\.key)
        #expect(Set(keys).count == keys.count, "a key is listed twice")
        let stale = Set(keys).subtracting(Self.profileKeys)
        #expect(stale.isEmpty, "rows for keys the profile no longer has: \(stale.sorted())")
    }

    @Test("--explain prints every row with this profile's values")
    func explainListsEveryField() throws {
        for profile in try KubernetesFixtures.profiles() {
            let values = try KubernetesProfile(profile: profile)
            let text = KubernetesRenderer.explain(values)
            for field in KubernetesField.table {
                #expect(text.contains(field.key + " "), "\(field.key) missing from --explain")
            }
            #expect(text.contains(values.seccompNodePath))
            #expect(text.contains("memory: \(values.memory)"))
        }
    }

    @Test("what needs the cluster is written into the workload's comments")
    func clusterNeedsAreComments() throws {
        let values = try KubernetesProfile(profile: try KubernetesFixtures.profiles()[0])
        let yaml = KubernetesRenderer.render(values, workload: .init(name: "app", kind: .pod, image: KubernetesFixtures.image))
        for field in KubernetesField.table where field.target == .cluster {
            #expect(yaml.contains("#   \(field.key): \(field.how(values))"), "\(field.key)")
        }
    }
}
