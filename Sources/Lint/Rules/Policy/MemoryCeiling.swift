import Policy

/// SR006: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum MemoryCeiling: PolicyRule {
    public static let rule = PolicyViolation.Rule.memory
    public static let explanation = """
        -m, --memory-swap or --memory-reservation above the profile's, or docker's "unlimited" (-m 0, --memory-swap -1). A limit is never lowered silently: the profile is the contract. \
        securerun refuses the request before anything starts.
        Fix: ask for the profile's limit or less, or use a profile with more.
        """
}
