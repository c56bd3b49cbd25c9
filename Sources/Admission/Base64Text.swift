import Foundation

/// Base64 as DSSE allows it: standard or URL-safe alphabet, padded or not (DSSE protocol.md).
enum Base64Text {
    /// Decodes standard or URL-safe base64; nil if any character is outside both alphabets.
    static func decode(_ text: String) -> Data? {
        // Most envelopes are standard, padded base64 on one line: decode those without copying the text.
        let utf8 = text.utf8
        if utf8.count % 4 == 0,
            !utf8.contains(where: { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == 0x0A || $0 == 0x0D })
        {
            return Data(base64Encoded: text)
        }
        var normalized = String(text.filter { $0 != "\n" && $0 != "\r" })
        normalized = normalized.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = normalized.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { normalized += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: normalized)
    }
}
