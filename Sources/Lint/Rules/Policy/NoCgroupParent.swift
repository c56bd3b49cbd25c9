import Policy

/// SR019: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoCgroupParent: PolicyRule {
    public static let rule = PolicyViolation.Rule.cgroupParent
    public static let explanation = """
        --cgroup-parent moves the container out of securerun's cgroup, where its limits are set. \
        securerun refuses the request before anything starts.
        Fix: remove it; containers live under /securerun.
        """
}
