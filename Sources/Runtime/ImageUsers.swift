import Foundation
import HostSystem

/// Resolves user and group names against an image's /etc/passwd and /etc/group, read exactly as the
/// runtimes read them (runc's libcontainer/user, which dockerd uses too), so `--user nobody` and an image's
/// `User: app` become the numeric ids the runtime would pick, and the policy judges those.
public enum ImageUsers {
    /// One line of /etc/passwd or /etc/group as libcontainer/user parses it.
    struct Entry {
        /// The first field, compared byte for byte.
        var name: [UInt8]
        /// The third field (uid or gid) and the fourth (passwd: gid), as Go's strconv.Atoi reads them: a field
        /// that is missing or not a number counts as 0.
        var id: Int
        var fourth: Int
    }

    /// The most of /etc/passwd or /etc/group securerun reads; a larger file is judged unreadable.
    static let fileLimit = 16 << 20

    /// Turns `name[:group]`, `uid[:gid]` or mixes into `uid:gid`; nil if a name is not in the image.
    public static func numeric(_ spec: String, rootfs: URL) -> String? {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let userPart = parts.first, !userPart.isEmpty else { return nil }
        guard let passwd = entries("/etc/passwd", rootfs: rootfs) else { return nil }
        var uid: String
        var gid: String?
        if isNumber(userPart) {
            uid = userPart
            gid = passwd.first(where: { $0.id == Int(userPart) }).map { String($0.fourth) }
        } else {
            // The first line of that name wins, as in runc: ` evil:x:0:0` (the line trimmed) before
            // `evil:x:1000:1000` is root.
            guard let entry = passwd.first(where: { $0.name.elementsEqual(userPart.utf8) }) else { return nil }
            uid = String(entry.id)
            gid = String(entry.fourth)
        }
        if parts.count == 2 {
            let groupPart = parts[1]
            if isNumber(groupPart) {
                gid = groupPart
            } else {
                guard let gidText = groupID(groupPart, rootfs: rootfs) else { return nil }
                gid = gidText
            }
        }
        return "\(uid):\(gid ?? uid)"
    }

    /// The gid of a group the image's /etc/group names, as text; nil when it has none of that name.
    public static func groupID(_ name: String, rootfs: URL) -> String? {
        entries("/etc/group", rootfs: rootfs)?.first(where: { $0.name.elementsEqual(name.utf8) }).map { String($0.id) }
    }

    /// Why the runtime could give a process other supplementary groups than `gids`, or nil when it gives
    /// exactly those. runc (and dockerd before it, for `GroupAdd` and for the primary gid it always adds)
    /// looks every supplementary gid up again, after the mounts, in the container's /etc/group by name *or*
    /// id (libcontainer/user.GetAdditionalGroups): a line `1000:x:0:` makes gid 1000 group 0. So the group
    /// file must be the image's own (no volume over it, no link a volume could redirect), and it may name
    /// no group after one of `gids` with another id.
    public static func supplementaryGroupProblem(_ gids: [UInt32], rootfs: URL, volumeDestinations: [String]) -> String? {
        for destination in volumeDestinations {
            let normal = "/" + destination.split(separator: "/").joined(separator: "/")
            if ["/", "/etc", "/etc/group"].contains(normal) {
                return "a volume at \(destination) would replace the /etc/group the runtime looks supplementary groups up in"
            }
        }
        if !volumeDestinations.isEmpty, RootfsPath.resolve("/etc/group", in: rootfs)?.hostPath != rootfs.path + "/etc/group" {
            var info = stat()
            let linked = ["/etc", "/etc/group"].contains { lstat(rootfs.path + $0, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK }
            if linked {
                return "the image's /etc/group is reached through a symbolic link, which a volume could point at another file; remove the link or the volumes"
            }
        }
        guard let groups = entries("/etc/group", rootfs: rootfs) else {
            return "the image's /etc/group is not a regular file of at most \(fileLimit >> 20) MiB, so securerun cannot read it as the runtime would"
        }
        for gid in gids {
            let text = String(gid)
            if let line = groups.first(where: { $0.name.elementsEqual(text.utf8) && $0.id != Int(gid) }) {
                return
                    "the image's /etc/group names a group \"\(text)\" with gid \(line.id): the runtime looks supplementary groups up by name as well as by id, so gid \(gid) would become group \(line.id)"
            }
        }
        return nil
    }

    /// The lines of an image file, read through the rootfs (never a host file), as libcontainer/user reads
    /// them: each line trimmed of white space, blank lines and `#` comments skipped, fields split at `:`.
    /// A missing file has no lines; nil when it is there but not a regular file securerun can read whole.
    static func entries(_ path: String, rootfs: URL) -> [Entry]? {
        guard let (hostPath, kind) = RootfsPath.resolve(path, in: rootfs) else { return [] }
        guard case .regularFile = kind, let data = try? FileContents.read(hostPath, limit: fileLimit) else { return nil }
        var result: [Entry] = []
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = trimmed(raw)
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map(Array.init)
            func field(_ index: Int) -> [UInt8] { index < fields.count ? fields[index] : [] }
            result.append(Entry(name: field(0), id: atoi(field(2)), fourth: atoi(field(3))))
        }
        return result
    }

    /// Go's bytes.TrimSpace for the ASCII white space a passwd line can hold.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let space: Set<UInt8> = [9, 10, 11, 12, 13, 32]
        var slice = bytes
        while let first = slice.first, space.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, space.contains(last) { slice = slice.dropLast() }
        return slice
    }

    /// strconv.Atoi as libcontainer/user uses it: an optional sign and decimal digits; anything else
    /// (and an empty field) is 0, which is root.
    static func atoi(_ bytes: [UInt8]) -> Int {
        var digits = bytes[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }), let value = Int(String(decoding: digits, as: UTF8.self)) else { return 0 }
        return negative ? -value : value
    }

    static func isNumber(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) }
    }
}
