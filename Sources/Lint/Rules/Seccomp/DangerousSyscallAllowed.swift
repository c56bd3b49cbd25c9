/// SR103: a syscall that reaches past the container's walls is allowed for every container and every
/// argument. Docker's own default allows most of these only with the capability that makes them useful
/// (`includes.caps`) or with argument conditions (clone's namespace flags, personality's values).
public enum DangerousSyscallAllowed: SeccompRule {
    public static let description = RuleDescription(
        id: "SR103", name: "seccomp-dangerous-syscall", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "syscalls that reach the host or other processes are allowed only with a condition",
        explanation: """
            mount, umount2, pivot_root, chroot, unshare and setns rebuild the container's view of the host; ptrace, \
            process_vm_readv/writev read and write other processes; bpf, perf_event_open, userfaultfd, keyctl, \
            add_key, request_key and io_uring_* are the kernel interfaces most container escapes of the last years \
            went through; kexec_load, kexec_file_load, init_module, finit_module, delete_module, reboot, swapon, \
            swapoff, acct, clock_settime and settimeofday act on the whole host; open_by_handle_at and \
            name_to_handle_at walked out of containers (the 2014 "shocker" exploit); personality without an \
            argument filter can switch off address-space randomisation; clone without a filter on its namespace \
            flags, and clone3 (whose flags live in memory a filter cannot read), create namespaces.
            Fix: remove the name from the allow rule, or allow it only with the capability that guards it \
            ("includes": {"caps": ["CAP_SYS_ADMIN"]}) or with argument conditions, as Docker's default profile does; \
            let clone3 fail with ENOSYS ("errnoRet": 38) so libc falls back to clone.
            """)

    /// Why each is dangerous, and whether it is an error (host-wide or escape) or a warning (a wide attack surface).
    static let dangerous: [String: (Severity, String)] = [
        "mount": (.error, "mounts filesystems over the container's view of the host"),
        "umount2": (.error, "unmounts what hides host paths (masked /proc entries)"),
        "umount": (.error, "unmounts what hides host paths (masked /proc entries)"),
        "pivot_root": (.error, "changes the root filesystem"),
        "chroot": (.warning, "changes the root directory, a step in many escapes"),
        "unshare": (.warning, "creates namespaces (a user namespace gives a full capability set inside it)"),
        "setns": (.error, "joins other namespaces"),
        "ptrace": (.warning, "reads and writes other processes and their memory"),
        "process_vm_readv": (.warning, "reads other processes' memory"),
        "process_vm_writev": (.warning, "writes other processes' memory"),
        "bpf": (.error, "loads programs into the kernel"),
        "perf_event_open": (.warning, "exposes kernel and other processes' performance data, a frequent exploit path"),
        "userfaultfd": (.warning, "lets a process stall the kernel at chosen points, the usual tool of race exploits"),
        "keyctl": (.warning, "reaches the kernel keyring, which is not namespaced"),
        "add_key": (.warning, "adds to the kernel keyring, which is not namespaced"),
        "request_key": (.warning, "reads the kernel keyring, which is not namespaced"),
        "kexec_load": (.error, "replaces the running kernel"),
        "kexec_file_load": (.error, "replaces the running kernel"),
        "init_module": (.error, "loads kernel modules"),
        "finit_module": (.error, "loads kernel modules"),
        "delete_module": (.error, "unloads kernel modules"),
        "open_by_handle_at": (.error, "opens host files by handle, around the mount namespace (the \"shocker\" escape)"),
        "name_to_handle_at": (.warning, "makes the file handles open_by_handle_at uses"),
        "swapon": (.error, "changes the host's swap"),
        "swapoff": (.error, "changes the host's swap"),
        "reboot": (.error, "reboots the host or starts a kexec kernel, with CAP_SYS_BOOT from the host's pid namespace"),
        "acct": (.error, "switches process accounting for the host"),
        "clock_settime": (.error, "sets the host's clock"),
        "clock_settime64": (.error, "sets the host's clock"),
        "settimeofday": (.error, "sets the host's clock"),
        "stime": (.error, "sets the host's clock"),
        "personality": (.warning, "can switch off address-space randomisation (ADDR_NO_RANDOMIZE) unless its argument is filtered"),
        "clone": (.warning, "creates namespaces (CLONE_NEWUSER and the like) unless its flags are filtered"),
        "clone3": (.warning, "creates namespaces with flags a seccomp filter cannot read; answer it with ENOSYS (errnoRet 38)"),
        "io_uring_setup": (.warning, "sets up io_uring, which runs I/O around seccomp and has been the source of many kernel exploits"),
        "io_uring_enter": (.warning, "drives io_uring, which runs I/O around seccomp and has been the source of many kernel exploits"),
        "io_uring_register": (.warning, "configures io_uring, which runs I/O around seccomp and has been the source of many kernel exploits"),
    ]

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        for (offset, rule) in document.rules where SeccompDocument.permits(rule.action) && document.appliesToEveryContainer(rule) {
            let conditioned = !(rule.args ?? []).isEmpty
            for (name, field) in document.names(offset, rule) {
                guard let (severity, reason) = dangerous[name] else { continue }
                // Argument conditions are a real restriction for all but clone3, whose flags are out of reach.
                if conditioned && name != "clone3" { continue }
                let how = conditioned ? "with argument conditions that cannot see its flags" : "for every container and argument"
                sink.add(description, "\(name) is allowed \(how): it \(reason)", field: field, severity: severity)
            }
        }
    }
}
