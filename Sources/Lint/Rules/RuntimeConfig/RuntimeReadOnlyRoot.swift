/// SR304: the root filesystem is writable: a compromised process can replace the image's binaries and
/// libraries for every later exec.
public enum RuntimeReadOnlyRoot: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR304", name: "runtime-read-only-root", severity: .error, kinds: [.runtimeConfig],
        summary: "root.readonly is true",
        explanation: """
            A writable root lets an attacker persist: overwrite /bin/sh or a library the service loads, drop a \
            binary and run it. Writes belong in tmpfs mounts or volumes.
            Fix: "readonly": true in root, with tmpfs mounts for /tmp and whatever the program writes.
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("root.readonly")?.boolean != true else { return }
        sink.add(description, "root.readonly is not true: the container can rewrite its own binaries", field: config.value("root") == nil ? "" : "root")
    }
}
