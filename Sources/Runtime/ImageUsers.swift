import Foundation

/// Resolves user and group names against an image's /etc/passwd and /etc/group (as docker does),
/// so `--user nobody` and an image's `User: app` become numeric ids the policy can judge.
public enum ImageUsers {
    /// Turns `name[:group]`, `uid[:gid]` or mixes into `uid:gid`; nil if a name is not in the image.
    public static func numeric(_ spec: String, rootfs: URL) -> String? {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let userPart = parts.first, !userPart.isEmpty else { return nil }
        let passwd = entries(rootfs.appendingPathComponent("etc/passwd"))
        var uid: String
        var gid: String?
        if UInt32(userPart) != nil {
            uid = userPart
            gid = passwd.first(where: { $0.count > 3 && $0[2] == userPart })?[3]
        } else {
            guard let entry = passwd.first(where: { $0.count > 3 && $0[0] == userPart }) else { return nil }
            uid = entry[2]
            gid = entry[3]
        }
        if parts.count == 2 {
            let groupPart = parts[1]
            if UInt32(groupPart) != nil {
                gid = groupPart
            } else {
                let groups = entries(rootfs.appendingPathComponent("etc/group"))
                guard let entry = groups.first(where: { $0.count > 2 && $0[0] == groupPart }) else { return nil }
                gid = entry[2]
            }
        }
        return "\(uid):\(gid ?? uid)"
    }

    static func entries(_ file: URL) -> [[String]] {
        // Refuse to follow a symlink: the image's /etc/passwd could point at the host's.
        var info = stat()
        guard lstat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            let text = try? String(contentsOf: file, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }
}
