import Policy

/// SR023: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum UlimitsLowerOnly: PolicyRule {
    public static let rule = PolicyViolation.Rule.ulimits
    public static let explanation = """
        --ulimit with a hard limit above securerun's own: runc runs as root and could raise it. \
        securerun refuses the request before anything starts.
        Fix: ask for lower limits only.
        """
}
