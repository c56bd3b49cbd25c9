import Policy

/// SR010: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum SafeVolumes: PolicyRule {
    public static let rule = PolicyViolation.Rule.volumes
    public static let explanation = """
        -v/--mount of a host path that exposes the host or its credentials (/, /etc, /proc, /sys, /dev, /run, sockets, ~/.ssh and the like), a writable bind where the profile does not allow one, named or anonymous volumes, z/Z relabelling, shared propagation. \
        securerun refuses the request before anything starts.
        Fix: -v HOST-DIR:CTR:ro of a directory of its own.
        """
}
