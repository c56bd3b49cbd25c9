import Policy

/// SR012: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NetworkMode: PolicyRule {
    public static let rule = PolicyViolation.Rule.network
    public static let explanation = """
        --network other than the profile's, -p, -P, --expose, --dns*, --add-host, --link, --ip and the other network flags where the profile has no network. \
        securerun refuses the request before anything starts.
        Fix: leave the network flags out, or use a profile with a private network.
        """
}
