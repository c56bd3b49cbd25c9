/// One line of /proc/self/mountinfo.
public struct MountEntry: Sendable, Equatable {
    /// The mount's unique id (field 1), as statx(2) reports it in `stx_mnt_id`.
    public var id: UInt64
    /// The parent mount's id (field 2).
    public var parentID: UInt64
    /// Where it is mounted (field 5), octal escapes decoded.
    public var mountPoint: String
}

/// The mounts of this process's mount namespace, read from /proc/self/mountinfo to the end.
public enum MountTable {
    /// Every mount in mount order (parents before what is mounted on or beneath them). Throws when the
    /// table cannot be read, so a caller deciding whether something is mounted fails closed.
    public static func entries(mountinfo: String = "/proc/self/mountinfo") throws(SystemError) -> [MountEntry] {
        parse(try FileContents.text(mountinfo))
    }

    /// Parses mountinfo text.
    public static func parse(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, let id = UInt64(fields[0]), let parent = UInt64(fields[1]) else { return nil }
            return MountEntry(id: id, parentID: parent, mountPoint: unescape(String(fields[4])))
        }
    }

    /// Mount points that are `directory` or lie beneath it, in mount order.
    public static func mountPoints(under directory: String, mountinfo: String = "/proc/self/mountinfo") throws(SystemError) -> [String] {
        let base = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return try entries(mountinfo: mountinfo).map(\.mountPoint).filter { $0 == base || $0.hasPrefix(base + "/") }
    }

    /// Decodes `\ooo` escapes (the kernel writes space, tab, newline and backslash that way).
    public static func unescape(_ field: String) -> String {
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count {
                let digits = raw[(index + 1)...(index + 3)]
                if digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }),
                    let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8)
                {
                    bytes.append(value)
                    index += 4
                    continue
                }
            }
            bytes.append(raw[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
