/// SR303: `process.noNewPrivileges` is not true, so setuid binaries and file capabilities raise privileges.
public enum RuntimeNoNewPrivileges: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR303", name: "runtime-no-new-privileges", severity: .error, kinds: [.runtimeConfig],
        summary: "process.noNewPrivileges is true",
        explanation: """
            Without no_new_privs, executing a setuid-root binary (su, mount, ping on older images) or a file with \
            capabilities gives the process more than it started with, up to the bounding set.
            Fix: "noNewPrivileges": true in process.
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("process") != nil, config.value("process.noNewPrivileges")?.boolean != true else { return }
        sink.add(
            description, "process.noNewPrivileges is not true: setuid binaries can raise privileges",
            field: config.value("process.noNewPrivileges") == nil ? "process" : "process.noNewPrivileges")
    }
}
