import Policy

/// SR001: the policy's rule, as lint reports it for `docker run` lines and compose services.
public enum NonRootUser: PolicyRule {
    public static let rule = PolicyViolation.Rule.nonRootUser
    public static let explanation = """
        -u 0, -u root, --group-add 0 (however spelt: 00, a name whose passwd entry says 0) ask for root. Containers have no user namespace, so that is the host's root for every mounted file and every escape. \
        securerun refuses the request before anything starts.
        Fix: leave -u out (the profile's non-root user applies) or name a non-root uid:gid such as -u 1000:1000.
        """
}
