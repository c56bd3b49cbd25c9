import Admission
import Foundation

/// SR210: a vulnerability knowingly accepted without saying why, or whose acceptance has expired. The
/// reason is the record a reviewer reads; an expired entry no longer applies and only misleads.
public enum AdmissionIgnoreEntries: ProfileRule {
    public static let description = RuleDescription(
        id: "SR210", name: "profile-admission-ignore", severity: .warning, kinds: [.profile],
        summary: "every ignored vulnerability has a reason and a future expiry",
        explanation: """
            admission.ignore lets an image with that vulnerability run. Each entry needs a reason (why it does not \
            apply: the vulnerable code is not reachable, a mitigation) and an expiry, after which the decision is \
            made again. An expired entry is ignored by securerun already.
            Fix: write the reason; renew or delete expired entries.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        for (offset, entry) in (profile.list("admission.ignore") ?? []).enumerated() {
            let id = entry.at("id")?.text ?? "entry \(offset)"
            let field = "admission.ignore[\(offset)]"
            if (entry.at("reason")?.text ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                sink.add(description, "the ignore entry for \(id) gives no reason", field: field)
            }
            if let expires = entry.at("expires")?.text, let date = Timestamp.parse(expires), date < Date() {
                sink.add(description, "the ignore entry for \(id) expired on \(expires); renew it or delete it", field: "\(field).expires")
            }
        }
    }
}
