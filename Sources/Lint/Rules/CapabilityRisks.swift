import Capabilities

/// What each capability gives a container, for the profile and runtime-config rules. The safe set is
/// Kubernetes' "restricted" one: NET_BIND_SERVICE only. The ones below are errors; any other is a warning.
enum CapabilityRisks {
    static let safe: Set<String> = ["CAP_NET_BIND_SERVICE"]

    static let dangerous: [String: String] = [
        "CAP_SYS_ADMIN": "mount, namespaces, BPF and most of the kernel's administration: effectively root on the host",
        "CAP_NET_ADMIN": "reconfigures interfaces, routes and firewall rules, and reaches netlink code that has had many exploits",
        "CAP_SYS_PTRACE": "traces and rewrites other processes, and reads their memory",
        "CAP_SYS_MODULE": "loads kernel modules: arbitrary code in the host kernel",
        "CAP_DAC_READ_SEARCH": "reads any file and opens files by handle around the mount namespace (the \"shocker\" escape)",
        "CAP_DAC_OVERRIDE": "ignores file permissions on everything it can see",
        "CAP_SYS_RAWIO": "raw I/O ports and /dev/mem: the host's memory and devices",
        "CAP_BPF": "loads BPF programs into the kernel",
        "CAP_PERFMON": "reads performance data of the kernel and other processes",
        "CAP_SYS_BOOT": "reboots the host and loads new kernels",
        "CAP_SYS_TIME": "sets the host's clock",
        "CAP_MAC_ADMIN": "changes the mandatory access control policy",
        "CAP_MAC_OVERRIDE": "overrides mandatory access control",
        "CAP_SYSLOG": "reads the kernel log, with the kernel addresses exploits need",
        "CAP_SYS_RESOURCE": "raises resource limits and uses reserved space",
        "CAP_SETUID": "becomes any user, root included",
        "CAP_SETGID": "joins any group, root's included",
        "CAP_SETFCAP": "gives files capabilities that programs gain when run",
        "CAP_SETPCAP": "changes its own and others' capability sets",
        "CAP_MKNOD": "creates device nodes",
        "CAP_LINUX_IMMUTABLE": "changes immutable and append-only files",
        "CAP_CHECKPOINT_RESTORE": "restores processes with chosen ids and state",
        "CAP_AUDIT_CONTROL": "changes the kernel audit rules",
        "CAP_SYS_PACCT": "switches process accounting for the host",
        "CAP_NET_RAW": "raw sockets: spoofed packets and ARP or DNS poisoning of neighbours",
    ]

    /// The canonical name (`CAP_SYS_ADMIN`) of a capability spelt any way docker accepts, or nil.
    static func canonical(_ text: String) -> String? {
        var upper = text.uppercased()
        if upper == "ALL" { return "ALL" }
        if !upper.hasPrefix("CAP_") { upper = "CAP_" + upper }
        return (try? Capability(parsing: upper))?.name ?? (dangerous[upper] != nil ? upper : nil)
    }

    /// The severity and reason for allowing `name`, or nil when it is in the safe set.
    static func risk(_ name: String) -> (Severity, String)? {
        if name == "ALL" { return (.error, "every capability: root on the host in all but name") }
        if safe.contains(name) { return nil }
        if let reason = dangerous[name] { return (.error, reason) }
        return (.warning, "is outside the safe set (NET_BIND_SERVICE); grant it only if the program fails without it")
    }
}
