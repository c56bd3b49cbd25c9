/// SR305: no seccomp filter (`linux.seccomp` absent): every syscall the kernel has is reachable, io_uring,
/// bpf and keyctl included. A present filter is checked by the seccomp rules (SR100–SR109).
public enum RuntimeSeccompMissing: RuntimeConfigRule {
    public static let description = RuleDescription(
        id: "SR305", name: "runtime-seccomp", severity: .error, kinds: [.runtimeConfig],
        summary: "linux.seccomp is set",
        explanation: """
            Without linux.seccomp the container can call every syscall: the attack surface of the whole kernel, \
            where capabilities and namespaces leave many paths open (most container escapes of recent years went \
            through syscalls a default profile denies).
            Fix: set linux.seccomp (securerun run --dry-run prints a config with securerun's default filter).
            """)

    public static func check(_ config: RuntimeConfigDocument, into sink: inout FindingSink) {
        guard config.value("linux.seccomp") == nil else { return }
        sink.add(description, "linux.seccomp is not set: no syscall is filtered", field: config.value("linux") == nil ? "" : "linux")
    }
}
