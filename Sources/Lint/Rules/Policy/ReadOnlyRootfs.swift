import Policy

/// SR003: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum ReadOnlyRootfs: PolicyRule {
    public static let rule = PolicyViolation.Rule.readOnlyRootfs
    public static let explanation = """
        --read-only=false asks for a writable root filesystem, where an attacker can replace the image's binaries for every later exec. \
        securerun refuses the request before anything starts.
        Fix: remove it; write to --tmpfs /path:size=16m or a volume.
        """
}
