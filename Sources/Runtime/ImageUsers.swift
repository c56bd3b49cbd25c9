import Foundation

/// Resolves user and group names against an image's /etc/passwd and /etc/group (as docker does),
/// so `--user nobody` and an image's `User: app` become numeric ids the policy can judge.
public enum ImageUsers {
    /// Turns `name[:group]`, `uid[:gid]` or mixes into `uid:gid`; nil if a name is not in the image.
    public static func numeric(_ spec: String, rootfs: URL) -> String? {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let userPart = parts.first, !userPart.isEmpty else { return nil }
        let passwd = entries("/etc/passwd", rootfs: rootfs)
        var uid: String
        var gid: String?
        if isNumber(userPart) {
            uid = userPart
            gid = passwd.first(where: { $0.count > 3 && $0[2] == userPart })?[3]
        } else {
            guard let entry = passwd.first(where: { $0.count > 3 && $0[0] == userPart }) else { return nil }
            uid = entry[2]
            gid = entry[3]
        }
        if parts.count == 2 {
            let groupPart = parts[1]
            if isNumber(groupPart) {
                gid = groupPart
            } else {
                let groups = entries("/etc/group", rootfs: rootfs)
                guard let entry = groups.first(where: { $0.count > 2 && $0[0] == groupPart }) else { return nil }
                gid = entry[2]
            }
        }
        return "\(uid):\(gid ?? uid)"
    }

    /// The gid of a group the image's /etc/group names, as text; nil when it has none of that name.
    public static func groupID(_ name: String, rootfs: URL) -> String? {
        entries("/etc/group", rootfs: rootfs).first(where: { $0.count > 2 && $0[0] == name && isNumber($0[2]) })?[2]
    }

    /// The colon-separated lines of an image file, read through the rootfs (never a host file).
    static func entries(_ path: String, rootfs: URL) -> [[String]] {
        guard let (hostPath, kind) = RootfsPath.resolve(path, in: rootfs), case .regularFile = kind,
            let text = try? String(contentsOfFile: hostPath, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }

    static func isNumber(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
    }
}
