/// SR308: bind mounts that expose the host: sensitive host paths writable (or an engine socket at all),
/// writable binds of anything else, binds without nosuid or nodev.
public enum RuntimeMounts: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR308", name: "runtime-mounts", severity: .error, kinds: [.runtimeConfig],
        summary: "bind mounts are read-only, nosuid and nodev, and never of sensitive host paths",
        explanation: """
            A writable bind of /, /etc, /usr, /lib, /boot, /proc, /sys, /dev, /run, /var/run, /root or /home changes \
            the host itself; a docker or containerd socket, even read-only, is root on the host. Any writable bind \
            lets the container change host files (warning), and a bind without nosuid or nodev lets setuid \
            binaries or device nodes on it work (warning).
            Fix: mount only the directories the program needs, with "options": ["rbind", "ro", "nosuid", "nodev", "noexec"].
            """)

    static let sensitive = [
        "/", "/etc", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/proc", "/sys", "/dev", "/run", "/var/run", "/root", "/home", "/var/lib/docker",
        "/var/lib/containerd",
    ]
    static let sockets = ["docker.sock", "containerd.sock", "crio.sock", "podman.sock"]

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        for (offset, mount) in (config.value("mounts")?.elements ?? []).enumerated() {
            let options = mount.value["options"]?.value.elements?.compactMap { $0.value.string } ?? []
            let type = mount.value["type"]?.value.string
            guard type == "bind" || options.contains("bind") || options.contains("rbind") else { continue }
            let source = mount.value["source"]?.value.string ?? "?"
            let field = "mounts[\(offset)]"
            let writable = !options.contains("ro")
            let normalized = source.count > 1 && source.hasSuffix("/") ? String(source.dropLast()) : source
            if sockets.contains(where: { normalized.hasSuffix("/" + $0) }) {
                sink.add(description, "\(source) is a container engine's API socket: root on the host", field: field)
                continue
            }
            let isSensitive = sensitive.contains {
                normalized == $0 || ($0 != "/" && ["/proc", "/sys", "/dev", "/boot"].contains($0) && normalized.hasPrefix($0 + "/"))
            }
            if writable && isSensitive {
                sink.add(description, "\(source) is bound writable: the container can change the host", field: field)
            } else if writable {
                sink.add(description, "\(source) is bound writable; add \"ro\" unless the program must write there", field: field, severity: .warning)
            }
            let missing = ["nosuid", "nodev"].filter { !options.contains($0) }
            if !missing.isEmpty {
                sink.add(description, "the bind of \(source) lacks \(missing.joined(separator: " and "))", field: "\(field).options", severity: .warning)
            }
        }
    }
}
