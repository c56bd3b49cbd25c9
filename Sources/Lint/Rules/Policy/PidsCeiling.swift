import Policy

/// SR008: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum PidsCeiling: PolicyRule {
    public static let rule = PolicyViolation.Rule.pids
    public static let explanation = """
        --pids-limit above the profile's, or 0 and -1 (unlimited in docker): a fork bomb then takes every pid on the host. \
        securerun refuses the request before anything starts.
        Fix: --pids-limit within the profile's pidsLimit, or leave it out.
        """
}
