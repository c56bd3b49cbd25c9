/// SR301: the container's process runs as root (uid or gid 0, a missing `user`, or gid 0 among its
/// additional groups). Without a user namespace that is the host's root.
public enum RuntimeRootUser: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR301", name: "runtime-root-user", severity: .error, kinds: [.runtimeConfig],
        summary: "process.user is a non-root uid and gid",
        explanation: """
            process.user.uid and gid default to 0. Unless linux.uidMappings maps them elsewhere (a user namespace), \
            root in the container is root on the host for every mounted file and every escape.
            Fix: set process.user to a non-root uid and gid ("uid": 65534, "gid": 65534), or map ids with a user namespace.
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        if let mappings = config.value("linux.uidMappings")?.elements, !mappings.isEmpty { return }
        guard config.value("process") != nil else { return }
        let uid = config.value("process.user.uid")?.integer ?? 0
        let gid = config.value("process.user.gid")?.integer ?? 0
        if uid == 0 || gid == 0 {
            sink.add(
                description, "the process runs as uid \(uid), gid \(gid): root on the host (no user namespace)",
                field: config.value("process.user") == nil ? "process" : "process.user")
        }
        for (offset, node) in (config.value("process.user.additionalGids")?.elements ?? []).enumerated() where node.value.integer == 0 {
            sink.add(description, "additional gid 0 is root's group", field: "process.user.additionalGids[\(offset)]")
        }
    }
}
