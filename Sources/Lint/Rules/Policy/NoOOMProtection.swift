import Policy

/// SR017: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoOOMProtection: PolicyRule {
    public static let rule = PolicyViolation.Rule.oomProtection
    public static let explanation = """
        --oom-kill-disable or a negative --oom-score-adj make the kernel kill host processes instead of the container. \
        securerun refuses the request before anything starts.
        Fix: remove it; the memory limit keeps the container small.
        """
}
