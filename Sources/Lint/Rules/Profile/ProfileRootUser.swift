import Foundation
import Policy

/// SR201: the profile's user is root (uid or gid 0, however spelt). Containers have no user namespace, so
/// root in the container is root on the host for every file a mount or an escape reaches.
public enum ProfileRootUser: ProfileRule {
    public static let description = RuleDescription(
        id: "SR201", name: "profile-root-user", severity: .error, kinds: [.profile],
        summary: "the profile's user is a non-root uid and gid",
        explanation: """
            securerun runs containers without a user namespace: uid 0 inside is uid 0 on the host, and gid 0 \
            opens root's group's files. securerun refuses such a profile.
            Fix: user: "65534:65534" (nobody), or the numeric uid:gid the image's program expects, 1000 or more \
            if it mounts volumes.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        guard let text = profile.scalar("user") else { return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let root = parts.contains { part in part == "root" || (!part.isEmpty && part.allSatisfy(\.isNumber) && Int(part) == 0) }
        if root || UserID(parsing: text)?.isRoot == true {
            sink.add(description, "user \"\(text)\" is root (uid or gid 0); use a non-root uid:gid such as 65534:65534", field: "user")
        }
    }
}
