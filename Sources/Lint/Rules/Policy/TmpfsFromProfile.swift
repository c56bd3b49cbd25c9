import Policy

/// SR011: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum TmpfsFromProfile: PolicyRule {
    public static let rule = PolicyViolation.Rule.tmpfs
    public static let explanation = """
        --tmpfs or --mount type=tmpfs beyond the profile's extraTmpfs (path, size, count, total over the memory limit), with exec, suid or dev, or --shm-size over 64m. \
        securerun refuses the request before anything starts.
        Fix: --tmpfs PATH:size=N within the profile's extraTmpfs.maxSize.
        """
}
