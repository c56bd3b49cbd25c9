import Policy

/// SR018: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NamespacedSysctls: PolicyRule {
    public static let rule = PolicyViolation.Rule.sysctls
    public static let explanation = """
        --sysctl outside the container's IPC namespace (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) and Kubernetes' safe network ones changes the host or its routing. \
        securerun refuses the request before anything starts.
        Fix: set it on the host.
        """
}
