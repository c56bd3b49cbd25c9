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
        parse(try FileContents.read(mountinfo))
    }

    /// Parses mountinfo text.
    public static func parse(_ text: String) -> [MountEntry] {
        parse(Array(text.utf8))
    }

    /// Parses mountinfo bytes. Fields are split on bytes, not Characters: the table is read on every
    /// start and tear-down, and grapheme-aware splitting cost milliseconds each time.
    public static func parse(_ bytes: [UInt8]) -> [MountEntry] {
        var entries: [MountEntry] = []
        forEachLine(bytes) { fields in
            guard let id = number(fields[0]), let parent = number(fields[1]) else { return }
            entries.append(MountEntry(id: id, parentID: parent, mountPoint: unescape(fields[4])))
        }
        return entries
    }

    /// Mount points that are `directory` or lie beneath it, in mount order.
    public static func mountPoints(under directory: String, mountinfo: String = "/proc/self/mountinfo") throws(SystemError) -> [String] {
        let base = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let prefix = Array(base.utf8)
        var points: [String] = []
        forEachLine(try FileContents.read(mountinfo)) { fields in
            let point = unescapedBytes(fields[4])
            // `base` itself, or beneath it: the next byte after the prefix is a slash (or base is "/").
            guard point.starts(with: prefix),
                point.count == prefix.count || prefix == [UInt8(ascii: "/")] || point[prefix.count] == UInt8(ascii: "/")
            else { return }
            points.append(String(decoding: point, as: UTF8.self))
        }
        return points
    }

    /// Calls `body` with the first five space-separated fields of each line that has them.
    private static func forEachLine(_ bytes: [UInt8], _ body: ([ArraySlice<UInt8>]) -> Void) {
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: false)
            if fields.count > 4 { body(Array(fields.prefix(5))) }
        }
    }

    private static func number(_ field: ArraySlice<UInt8>) -> UInt64? {
        guard !field.isEmpty, field.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in field {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }

    /// Decodes `\ooo` escapes (the kernel writes space, tab, newline and backslash that way).
    public static func unescape(_ field: String) -> String {
        unescape(Array(field.utf8)[...])
    }

    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: unescapedBytes(field), as: UTF8.self)
    }

    static func unescapedBytes(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.endIndex {
                let digits = raw[(index + 1)...(index + 3)]
                if digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                    if value <= 0xFF {
                        bytes.append(UInt8(value))
                        index += 4
                        continue
                    }
                }
            }
            bytes.append(raw[index])
            index += 1
        }
        return bytes
    }
}
