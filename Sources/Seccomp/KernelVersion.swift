import Glibc

/// A kernel version as Docker profiles write `minKernel`: `"<kernel>.<major>"`, such as `"4.8"`.
public struct KernelVersion: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The kernel number (the 4 in 4.8).
    public var kernel: UInt64
    /// The major revision (the 8 in 4.8).
    public var major: UInt64

    /// Wraps a version.
    public init(kernel: UInt64, major: UInt64) {
        self.kernel = kernel
        self.major = major
    }

    /// Parses `"4.8"`; like moby, anything after the second number (`"6.18.44-generic"`) is ignored.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let kernel = UInt64(parts[0]) else { return nil }
        let majorDigits = parts[1].prefix { $0.isASCII && $0.isNumber }
        guard !majorDigits.isEmpty, let major = UInt64(majorDigits) else { return nil }
        guard kernel != 0 || major != 0 else { return nil }
        self.init(kernel: kernel, major: major)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let version = KernelVersion(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid kernel version \"\(text)\", expected \"<kernel>.<major>\" such as \"4.8\"")
        }
        self = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String { "\(kernel).\(major)" }

    public static func < (lhs: KernelVersion, rhs: KernelVersion) -> Bool {
        (lhs.kernel, lhs.major) < (rhs.kernel, rhs.major)
    }

    /// The running kernel's version, from uname(2).
    public static func running() throws(SeccompError) -> KernelVersion {
        var names = utsname()
        guard uname(&names) == 0 else { throw .kernelVersionUnavailable(release: "") }
        let release = withUnsafeBytes(of: &names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard let version = KernelVersion(parsing: release) else { throw .kernelVersionUnavailable(release: release) }
        return version
    }
}
