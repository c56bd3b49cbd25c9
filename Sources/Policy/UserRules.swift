/// `-u/--user` and `--group-add`: never root, however spelt.
enum UserRules {
    /// The user and group to run as, and where they came from.
    static func enforceUser(_ request: RunRequest, profile: Profile, image: ImageDefaults, judge: Judge) throws(PolicyError) -> (UserID, UserOrigin) {
        if let entry = request.user {
            let spec = entry.value
            let refusal = judge.refuse(
                .nonRootUser, entry.origin,
                "containers run as a non-root uid and gid (the profile's is \(profile.user)); name another user, such as -u 1000:1000")
            if spec.namesRoot { throw refusal }
            guard let user = UserID(parsing: spec.description) else {
                throw judge.invalid(entry.origin, "expected uid[:gid] in numbers, or a user and group named in the image's /etc/passwd and /etc/group")
            }
            // Judged on the parsed ids: "00", "1000:00" and names whose passwd entry says 0 are all root.
            if user.isRoot { throw refusal }
            try RequestValidation.checkIDs(user, origin: entry.origin, judge: judge)
            return (user, .flag(entry.origin))
        }
        // The image's User is honoured only when it is a non-root numeric id; root images run as the profile's user.
        if let text = image.user, let user = UserID(parsing: text), !user.isRoot {
            return (user, .image)
        }
        return (profile.user, .profile)
    }

    /// The supplementary groups (already numeric), each with its origin; 0 and `root` are refused.
    static func enforceGroups(_ request: RunRequest, judge: Judge) throws(PolicyError) -> [Flagged<UInt32>] {
        var groups: [Flagged<UInt32>] = []
        for entry in request.groupAdd {
            let refusal = judge.refuse(.nonRootUser, entry.origin, "group 0 is root's group: its files and devices would be the container's")
            if entry.value == "root" { throw refusal }
            guard !entry.value.isEmpty, entry.value.utf8.allSatisfy({ (48...57).contains($0) }), let gid = UInt32(entry.value) else {
                throw judge.invalid(entry.origin, "expected a group id, or a group named in the image's /etc/group")
            }
            if gid == 0 { throw refusal }
            if gid == UInt32.max { throw judge.invalid(entry.origin, "4294967295 is (gid_t)-1, not a usable id") }
            if !groups.contains(where: { $0.value == gid }) { groups.append(Flagged(gid, entry.origin)) }
        }
        return groups
    }
}
