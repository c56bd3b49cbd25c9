import Foundation

/// The mount points this process's mount namespace has, from /proc/self/mountinfo.
enum MountTable {
    /// Mount points in mount order (parents before the mounts made on top of or beneath them).
    static func mountPoints(mountinfo: String = "/proc/self/mountinfo") -> [String] {
        guard let text = try? String(contentsOfFile: mountinfo, encoding: .utf8) else { return [] }
        return parse(text)
    }

    /// Field 5 of each mountinfo line, with the kernel's octal escapes (`\040` for a space) decoded.
    static func parse(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            return fields.count > 4 ? unescape(String(fields[4])) : nil
        }
    }

    /// Mount points that are `directory` or lie beneath it, in mount order.
    static func mountPoints(under directory: String, mountinfo: String = "/proc/self/mountinfo") -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return mountPoints(mountinfo: mountinfo).filter { $0 == base || $0.hasPrefix(base + "/") }
    }

    /// Decodes `\ooo` escapes (the kernel writes space, tab, newline and backslash that way).
    static func unescape(_ field: String) -> String {
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
