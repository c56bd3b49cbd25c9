import Glibc

/// Which uids and gids a container may run as while host directories are mounted into it.
///
/// Containers have no user namespace, so their ids are host ids: with `-v DIR:/d --user 65534:42` the
/// container holds host group 42's access (`shadow` on Debian) to whatever DIR contains. Ids below 1000 are
/// host system accounts and groups (login.defs' UID_MIN and GID_MIN), so with any volume the container's
/// uid and gid must each be 1000 or more, the profile's own user's, or listed in the profile's
/// `volumes.allowedUids` / `volumes.allowedGids`. Without volumes the container reaches no host files
/// through its ids, and the usual non-root rule (SR001) applies alone.
public struct VolumeIDs: Sendable, Equatable {
    /// The lowest id that is not a host system account or group.
    public static let lowestOrdinaryID: UInt32 = 1000

    /// Further uids the profile allows with volumes.
    public var uids: [ClosedRange<UInt32>]
    /// Further gids the profile allows with volumes.
    public var gids: [ClosedRange<UInt32>]

    /// No further ids: 1000 and above and the profile's own user only.
    public init(uids: [ClosedRange<UInt32>] = [], gids: [ClosedRange<UInt32>] = []) {
        self.uids = uids
        self.gids = gids
    }

    /// Whether a container may run with `uid` while volumes are mounted, under a profile whose user is `own`.
    public func allowsUID(_ uid: UInt32, own: UserID) -> Bool {
        uid >= Self.lowestOrdinaryID || uid == own.uid || uids.contains { $0.contains(uid) }
    }

    /// Whether a container may run with `gid` while volumes are mounted.
    public func allowsGID(_ gid: UInt32, own: UserID) -> Bool {
        gid >= Self.lowestOrdinaryID || gid == own.gid || gids.contains { $0.contains(gid) }
    }

    /// Parses a profile's list: whole numbers and `LOW-HIGH` ranges, never including 0 (root).
    static func parseRanges(_ entries: [String]?, field: String, path: String) throws(PolicyError) -> [ClosedRange<UInt32>] {
        var ranges: [ClosedRange<UInt32>] = []
        for (index, entry) in (entries ?? []).enumerated() {
            let bounds = entry.split(separator: "-", omittingEmptySubsequences: false)
            let numbers = bounds.map { part -> UInt32? in
                guard !part.isEmpty, part.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
                return UInt32(part)
            }
            guard (1...2).contains(bounds.count), let low = numbers.first ?? nil, let high = numbers.last ?? nil, low <= high, high < UInt32.max
            else {
                throw .invalidField(path: path, field: "\(field)[\(index)]", reason: "\"\(entry)\" is not an id or a range such as 33 or 2000-2999")
            }
            if low == 0 {
                throw .invalidField(path: path, field: "\(field)[\(index)]", reason: "\"\(entry)\" includes 0, which is root; root is never allowed")
            }
            ranges.append(low...high)
        }
        return ranges
    }
}

/// Where the container's user came from, for refusals that name what to change.
enum UserOrigin {
    /// `--user` (names already resolved to ids).
    case flag(FlagOrigin)
    /// The image's `User`.
    case image
    /// The profile's `user`.
    case profile
}

/// The rule itself, applied once the user, the groups and the volumes are known.
enum VolumeUsers {
    static func enforce(
        _ user: UserID, origin: UserOrigin, groups: [Flagged<UInt32>], request: RunRequest, profile: Profile, judge: Judge
    ) throws(PolicyError) {
        guard let firstVolume = request.binds.first else { return }
        let allowed = profile.volumeIDs
        let advice =
            "(no user namespace: container ids are host ids, and ids below 1000 are system accounts and groups); run as ids of 1000 or more (--user 1000:1000), as the profile's user \(profile.user), or list the id in the profile's volumes.allowedUids/allowedGids"
        for group in groups where !allowed.allowsGID(group.value, own: profile.user) {
            throw judge.refuse(
                .volumeIDs, group.origin,
                "with a volume mounted, the supplementary gid \(group.value)\(groupName(gid: group.value)) is a host system group \(advice)")
        }
        let problem: String
        if !allowed.allowsUID(user.uid, own: profile.user) {
            problem = "uid \(user.uid)\(accountName(uid: user.uid))"
        } else if !allowed.allowsGID(user.gid, own: profile.user) {
            problem = "gid \(user.gid)\(groupName(gid: user.gid))"
        } else {
            return
        }
        let flag: FlagOrigin
        let whose: String
        switch origin {
        case .flag(let typed):
            flag = typed
            whose = "the requested"
        case .image, .profile:
            flag = firstVolume.origin
            whose = "the image's user's"
        }
        throw judge.refuse(.volumeIDs, flag, "with a volume mounted, \(whose) \(problem) is a host system id \(advice)")
    }

    /// ` ("name" on this host)` for a host account, or empty.
    static func accountName(uid: UInt32) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "" }
        return " (\"\(String(cString: name))\" on this host)"
    }

    /// ` ("name" on this host)` for a host group, or empty.
    static func groupName(gid: UInt32) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return "" }
        return " (\"\(String(cString: name))\" on this host)"
    }
}
