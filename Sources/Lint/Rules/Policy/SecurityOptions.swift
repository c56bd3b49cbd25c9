import Policy

/// SR013: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum SecurityOptions: PolicyRule {
    public static let rule = PolicyViolation.Rule.securityOptions
    public static let explanation = """
        --security-opt label=disable, apparmor=unconfined, systempaths=unconfined or writable-cgroups=true switch confinement off: masked /proc and /sys paths, mandatory access control, a read-only cgroup filesystem. \
        securerun refuses the request before anything starts.
        Fix: remove the option.
        """
}
