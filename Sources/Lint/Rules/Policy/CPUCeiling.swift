import Policy

/// SR007: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum CPUCeiling: PolicyRule {
    public static let rule = PolicyViolation.Rule.cpu
    public static let explanation = """
        --cpus, --cpu-quota/--cpu-period, --cpu-shares above the profile's, --cpus 0, --cpu-quota -1, --cpu-rt-*, or --cpuset-cpus outside the host's CPUs. \
        securerun refuses the request before anything starts.
        Fix: ask for the profile's CPU share or less.
        """
}
