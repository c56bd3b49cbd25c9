import Policy

/// SR015: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoHostNamespaces: PolicyRule {
    public static let rule = PolicyViolation.Rule.hostNamespaces
    public static let explanation = """
        --pid, --ipc, --uts, --userns or --cgroupns host, the container: forms, --ipc shareable: the host's or another container's processes, shared memory, hostname or cgroups. \
        securerun refuses the request before anything starts.
        Fix: leave them out: each container gets its own.
        """
}
