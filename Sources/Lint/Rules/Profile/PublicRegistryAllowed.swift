/// SR212: a public registry in `allowedRegistries`. Anyone can publish there, so listing it allows images
/// from anyone whose name resembles the one meant (typosquatting); admission then rests on the scan alone.
public enum PublicRegistryAllowed: ProfileRule {
    public static let description = RuleDescription(
        id: "SR212", name: "profile-public-registry", severity: .warning, kinds: [.profile],
        summary: "allowed registries are ones the organisation controls",
        explanation: """
            allowedRegistries narrows where images may come from. docker.io, ghcr.io, quay.io, gcr.io, \
            registry.k8s.io, public.ecr.aws, mcr.microsoft.com and registry.gitlab.com accept images from anyone; \
            mirror what you use into a registry of your own and list that.
            Fix: replace the public registry with your mirror.
            """)

    static let publicRegistries: Set<String> = [
        "docker.io", "index.docker.io", "registry-1.docker.io", "ghcr.io", "quay.io", "gcr.io", "registry.k8s.io", "k8s.gcr.io",
        "public.ecr.aws", "mcr.microsoft.com", "registry.gitlab.com", "nvcr.io", "lscr.io",
    ]

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        for (offset, node) in (profile.list("allowedRegistries") ?? []).enumerated() {
            guard let text = node.text?.lowercased() else { continue }
            if publicRegistries.contains(text) || text.hasSuffix(".pkg.dev") {
                sink.add(description, "\(text) is a public registry: anyone can publish images there", field: "allowedRegistries[\(offset)]")
            }
        }
    }
}
