import Policy

/// SR014: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum VolumeHostIDs: PolicyRule {
    public static let rule = PolicyViolation.Rule.volumeIDs
    public static let explanation = """
        With a volume mounted, a uid, gid or --group-add below 1000 other than the profile's own. Containers share the host's ids, and ids below 1000 are host system accounts and groups (gid 42 shadow reads /etc/shadow). \
        securerun refuses the request before anything starts.
        Fix: run as ids of 1000 or more (--user 1000:1000), or list the id in the profile's volumes.allowedUids/allowedGids.
        """
}
