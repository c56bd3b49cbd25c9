import Policy

/// SR021: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NoVolumesFrom: PolicyRule {
    public static let rule = PolicyViolation.Rule.volumesFrom
    public static let explanation = """
        --volumes-from mounts another container's volumes, which this request's policy check never sees. \
        securerun refuses the request before anything starts.
        Fix: name each host directory with -v …:ro.
        """
}
