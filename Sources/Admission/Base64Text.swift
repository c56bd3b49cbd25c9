import Foundation

/// Base64 as DSSE allows it: standard or URL-safe alphabet, padded or not (DSSE protocol.md).
enum Base64Text {
    /// Decodes standard or URL-safe base64; nil if any character is outside both alphabets.
    static func decode(_ text: String) -> Data? {
        var normalized = String(text.filter { $0 != "\n" && $0 != "\r" })
        normalized = normalized.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = normalized.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { normalized += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: normalized)
    }
}
