import Policy

/// SR004: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoNewPrivileges: PolicyRule {
    public static let rule = PolicyViolation.Rule.noNewPrivileges
    public static let explanation = """
        --security-opt no-new-privileges=false would let setuid binaries and file capabilities raise privileges. \
        securerun refuses the request before anything starts.
        Fix: remove it; no-new-privileges is always on.
        """
}
