/// SR209: no key can admit anything, or the threshold asks for more signatures than there are keys: every
/// image is refused, which teams then "fix" by switching admission off.
public enum AdmissionKeys: ProfileRule {
    public static let description = RuleDescription(
        id: "SR209", name: "profile-admission-keys", severity: .error, kinds: [.profile],
        summary: "trusted keys exist and the threshold can be met",
        explanation: """
            admission.trustedKeys lists key files or directories (plus keys added with `securerun key trust`); an \
            explicit empty list with no trusted keys in the store admits nothing. A threshold above the number of \
            key files listed (when every entry is a file) can never be met.
            Fix: list the CI signing key (or a directory of keys) and set threshold to at most the number of keys.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        guard let node = profile.root.at("admission") else { return }
        let keys = node.at("trustedKeys")?.sequence.map { Array($0).compactMap(\.text) }
        let threshold = node.at("threshold")?.text.flatMap { Int($0) } ?? 1
        if let keys, keys.isEmpty {
            sink.add(
                description, "admission.trustedKeys is empty: only keys added with securerun key trust can admit images; name the CI key",
                field: "admission.trustedKeys", severity: .warning)
        }
        // Only files count as one key each; a directory may hold any number.
        if let keys, !keys.isEmpty, keys.allSatisfy({ $0.hasSuffix(".pub") || $0.hasSuffix(".pem") }), threshold > keys.count {
            sink.add(
                description,
                "admission.threshold \(threshold) is above the \(keys.count) key file\(keys.count == 1 ? "" : "s") listed: no image can be admitted",
                field: "admission.threshold")
        }
    }
}
