/// SR207: a tmpfs mount without a size, or one programs may be executed from. Without a size the mount
/// gets securerun's 64m (docker's tmpfs would take half the host's memory); `exec` gives a writable place to
/// drop and run a downloaded binary.
public enum ProfileTmpfs: ProfileRule {
    public static let description = RuleDescription(
        id: "SR207", name: "profile-tmpfs", severity: .warning, kinds: [.profile],
        summary: "tmpfs mounts have a size and are noexec",
        explanation: """
            A writable, executable directory is the first thing an attacker who got code execution looks for: \
            download a tool, chmod +x, run it. tmpfs pages count against the memory limit, so a size keeps one \
            mount from taking it all; say it so the profile reads as what it does.
            Fix: give each tmpfs entry a size (size: 64m) and leave exec out (or false).
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        for (offset, entry) in (profile.list("tmpfs") ?? []).enumerated() {
            let path = entry.at("path")?.text ?? "tmpfs[\(offset)]"
            if entry.at("size") == nil {
                sink.add(description, "tmpfs \(path) has no size (it gets 64m); say so with size:", field: "tmpfs[\(offset)]", severity: .note)
            }
            if ["true", "yes", "on"].contains(entry.at("exec")?.text?.lowercased() ?? "") {
                sink.add(description, "tmpfs \(path) allows exec: a writable place to run downloaded programs", field: "tmpfs[\(offset)].exec")
            }
        }
    }
}
