extension Policy {
    /// Checks the user `securerun exec -u` asks for against the container's profile: never root, and
    /// with volumes mounted, the same host-id rule a new container gets (SR014): exec can never loosen what
    /// the container was started with.
    public static func checkExecUser(_ user: UserID, flag: String, volumes: [String], profile: Profile) throws(PolicyError) {
        func refuse(_ rule: PolicyViolation.Rule, _ flag: String, _ detail: String) -> PolicyError {
            .violation(PolicyViolation(rule: rule, flag: flag, profile: profile.name, detail: detail))
        }
        if user.isRoot { throw refuse(.nonRootUser, flag, "exec never runs as root (uid or gid 0)") }
        try RequestValidation.checkIDs(user, flag: flag)
        try VolumeUsers.enforce(user, origin: .flag(String(flag.dropFirst("--user ".count))), volumes: volumes, profile: profile, refuse: refuse)
    }
}
