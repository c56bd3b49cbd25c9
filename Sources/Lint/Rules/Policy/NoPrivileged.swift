import Policy

/// SR009: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoPrivileged: PolicyRule {
    public static let rule = PolicyViolation.Rule.privileged
    public static let explanation = """
        --privileged gives every capability, every host device, and no seccomp or AppArmor confinement: root on the host. \
        securerun refuses the request before anything starts.
        Fix: remove it; add the one capability the program needs with --cap-add (within the profile's allow-list).
        """
}
