import Foundation

/// An image manifest digest, `sha256:<64 lowercase hex>`.
public struct ImageDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 64 lowercase hex digits.
    public let hex: String

    /// Parses `sha256:<hex>`; upper-case hex is accepted and lowered.
    public init(_ text: String) throws {
        let prefix = "sha256:"
        guard text.hasPrefix(prefix) else { throw AdmissionError.invalidDigest(text) }
        let hex = text.dropFirst(prefix.count).lowercased()
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { throw AdmissionError.invalidDigest(text) }
        self.hex = hex
    }

    /// The `sha256:<hex>` form.
    public var description: String { "sha256:\(hex)" }

    /// The directory name used in the store, `sha256-<hex>` (no colon in file names).
    public var directoryName: String { "sha256-\(hex)" }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
