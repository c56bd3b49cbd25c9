/// The help of `run`, made from the flag table so it lists exactly the flags the parser knows.
public enum RunHelp {
    static let sections: [(String, String)] = [
        ("securerun", "securerun"), ("container", "Container"), ("security", "Security (refusals exit 125 naming the rule)"),
        ("resources", "Resources (at most the profile's)"), ("files", "Files"), ("network", "Network"), ("health", "Health checks"),
        ("help", "Help"),
    ]

    /// The help text for `command` (`securerun run`, `docker run`).
    public static func text(command: String, mode: GrammarMode) -> String {
        let table = FlagTable(mode: mode)
        var lines = [
            "Usage: \(command) [OPTIONS] IMAGE [COMMAND] [ARG...]",
            "",
            "Run a command in a new hardened container. The profile's floor (non-root user, read-only root, no",
            "capabilities, no-new-privileges, seccomp, memory, CPU and pids limits) always applies; flags may only",
            "tighten it. The image needs a signed, passing scan attestation the profile trusts. docker's grammar:",
            "-itd, --flag=value, -eKEY=VALUE, --rm=true, -- ends the flags; flags go before the image.",
            "Exit status is the container's, or 125 when securerun refuses or fails.",
        ]
        for (key, title) in sections {
            let flags = table.flags.filter { $0.section == key }
            guard !flags.isEmpty else { continue }
            lines += ["", "\(title):"]
            for flag in flags {
                let name = (flag.short.map { "-\($0), " } ?? "    ") + "--\(flag.long)" + (flag.kind == .value ? " VALUE" : "")
                lines.append("  " + name.padding(toLength: max(30, name.count + 2), withPad: " ", startingAt: 0) + flag.help)
            }
        }
        return lines.joined(separator: "\n")
    }
}
