import Policy

/// SR002: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum CapabilityAllowList: PolicyRule {
    public static let rule = PolicyViolation.Rule.capabilities
    public static let explanation = """
        --cap-add of a capability outside the profile's allow-list (the shipped profiles allow none). Each capability is a piece of root: see securerun lint --explain SR202 for what each gives. \
        securerun refuses the request before anything starts.
        Fix: remove --cap-add, or use a profile that allows exactly that capability.
        """
}
