/// SR109: the profile denies a syscall every program needs, so no container could start under it (runc
/// itself calls execve after the filter is installed).
public enum EssentialSyscallsDenied: SeccompRule {
    public static let description = RuleDescription(
        id: "SR109", name: "seccomp-denies-essentials", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "execve, exit_group, read, write, mmap and brk are allowed",
        explanation: """
            runc installs the filter and then calls execve for the container's first process; every dynamically \
            linked program then needs mmap and brk for memory, read and write for I/O, and exit_group to end. \
            A profile without them fails every start with "operation not permitted" far from its cause.
            Fix: allow these syscalls (start from profiles/seccomp/default.json and remove what you do not need).
            """)

    static let essential = ["execve", "exit_group", "read", "write", "mmap", "brk"]

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let denied = essential.filter { !document.mayRun($0) }
        guard !denied.isEmpty else { return }
        let consequence =
            denied.contains("execve")
            ? "so no container could start (runc calls execve after installing the filter)"
            : "which every program needs (memory, I/O, exit): programs fail with EPERM far from the cause"
        sink.add(description, "\(denied.joined(separator: ", ")) \(denied.count == 1 ? "is" : "are") denied, \(consequence)", field: document.field("syscalls"))
    }
}
