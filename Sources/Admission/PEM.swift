import Foundation

/// PEM armour (RFC 7468): one `-----BEGIN LABEL-----` block of base64 DER.
struct PEMBlock: Equatable {
    /// The label between `BEGIN ` and the dashes, e.g. `PUBLIC KEY`.
    let label: String
    /// The decoded DER bytes.
    let der: Data

    /// Reads the first PEM block of `text`; `source` names the file in errors.
    init(text: String, source: String) throws {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }) else {
            throw AdmissionError.invalidKey(path: source, detail: "no pem block (-----BEGIN …-----)")
        }
        let label = String(lines[begin].dropFirst("-----BEGIN ".count).dropLast(5))
        guard let end = lines[begin...].firstIndex(of: "-----END \(label)-----") else {
            throw AdmissionError.invalidKey(path: source, detail: "pem block \(label) has no end line")
        }
        let body = lines[(begin + 1)..<end].filter { !$0.contains(":") }.joined()
        guard let der = Data(base64Encoded: body), !der.isEmpty else {
            throw AdmissionError.invalidKey(path: source, detail: "pem block \(label) is not valid base64")
        }
        self.label = label
        self.der = der
    }

    /// Builds a block to print.
    init(label: String, der: Data) {
        self.label = label
        self.der = der
    }

    /// The armoured text, 64 base64 characters a line, ending in a newline.
    var text: String {
        let encoded = der.base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[start..<end]))
            start = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }
}
