import Policy

/// SR005: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum SeccompAtLeastAsStrict: PolicyRule {
    public static let rule = PolicyViolation.Rule.seccomp
    public static let explanation = """
        --security-opt seccomp=unconfined, or a seccomp file that permits something the profile's filter does not. Every container runs under a filter at least as strict as its profile's. \
        securerun refuses the request before anything starts.
        Fix: remove the option, or name a file that is stricter (securerun seccomp diff PROFILE FILE shows what it opens).
        """
}
