import Crypto
import Foundation
import HostSystem

/// A `sha256:<64 lower-case hex>` content digest: the one type for manifests, configs, blobs and the
/// subjects of attestations (the only algorithm securerun accepts, as the OCI spec writes it).
public struct Digest: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The 64 lower-case hex characters.
    public let hex: String

    /// Parses `sha256:<64 hex>`; anything else is refused (it would otherwise name a path in the store).
    public init(parsing text: String) throws(DigestError) {
        guard text.hasPrefix("sha256:") else { throw DigestError(text: text, reason: "a digest starts with sha256:") }
        let hex = String(text.dropFirst("sha256:".count))
        guard Digest.isHex(hex, count: 64) else {
            throw DigestError(text: text, reason: "a digest is sha256: followed by 64 lower-case hex characters")
        }
        self.hex = hex
    }

    package init(hex: String) { self.hex = hex }

    /// The digest of `data`.
    public static func of(_ data: Data) -> Digest {
        Digest(hex: SHA256.hash(data: data).hexString)
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:" + hex }

    /// The name of a directory or file for it (`sha256-<hex>`: no colon in file names).
    public var directoryName: String { "sha256-\(hex)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Digest(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    package static func isHex(_ text: String, count: Int? = nil) -> Bool {
        if let count, text.utf8.count != count { return false }
        return !text.isEmpty && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

extension Sequence where Element == UInt8 {
    package var hexString: String { HexText.encode(self) }
}

extension SHA256.Digest {
    package var hexString: String { Array(self).hexString }
}

/// Text that is not a digest securerun accepts.
public struct DigestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What a digest must be.
    public var reason: String

    public var description: String { "invalid digest '\(text)': \(reason)" }
}
