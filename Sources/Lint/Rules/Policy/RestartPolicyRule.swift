import Policy

/// SR033: the policy's restart rule, as lint reports it for `docker run` lines and compose services.
public enum RestartPolicyRule: PolicyRule {
    public static let rule = PolicyViolation.Rule.restartPolicy
    public static let explanation = """
        --restart (compose: restart) must name a policy the profile's restart.allowed lists (the shipped profiles allow on-failure \
        and unless-stopped). securerun's monitor restarts the container, with docker's back-off, and takes the whole start decision \
        again each time: a container whose image lost its admission (a stale scan, a withdrawn key) or that the profile now refuses \
        stays down, and ps and its log say why. The Docker Engine restarts containers by itself with no such decision, so a restart \
        policy is refused on the docker backend and in creates the engine plugin judges.
        Fix: use a policy the profile allows (or --restart no), and --runtime runc or crun.
        """
}
