import Policy

/// SR024: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NotSupportedYet: PolicyRule {
    public static let rule = PolicyViolation.Rule.notSupported
    public static let explanation = """
        A flag securerun understands but cannot honour yet (--pull always, --log-driver, --health-start-interval, --blkio-*, AppArmor profiles, SELinux labels and others): it is refused, never ignored. \
        securerun refuses the request before anything starts.
        Fix: remove the flag; the message names what to use instead.
        """
}
