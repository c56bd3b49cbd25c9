extension Policy {
    /// Checks the user `securerun exec -u` asks for against the container's request and profile: never
    /// root, and with volumes mounted the same host-id rule a new container gets (SR014), so exec can never
    /// loosen what the container was started with. `typed` is the flag as typed (`--user 1000`).
    public static func checkExecUser(_ user: UserID, typed: String, request: RunRequest, profile: Profile) throws(PolicyError) {
        let judge = Judge(profile: profile.name)
        let origin = FlagOrigin(flag: "--user", typed: typed, index: nil)
        if user.isRoot { throw judge.refuse(.nonRootUser, origin, "exec never runs as root (uid or gid 0)") }
        try RequestValidation.checkIDs(user, origin: origin, judge: judge)
        try VolumeUsers.enforce(user, origin: .flag(origin), groups: [], request: request, profile: profile, judge: judge)
    }
}
