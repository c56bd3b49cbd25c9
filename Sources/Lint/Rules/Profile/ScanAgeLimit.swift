import Admission

/// SR211: scans may be older than 30 days, or of any age. A scan is a snapshot: vulnerabilities found after
/// it are not in it, so an old passing scan admits an image with known holes.
public enum ScanAgeLimit: ProfileRule {
    public static let description = RuleDescription(
        id: "SR211", name: "profile-scan-age", severity: .warning, kinds: [.profile],
        summary: "scans are at most 30 days old",
        explanation: """
            admission.maxScanAge bounds how old a scan may be when a container starts (and when securerun audit \
            runs). unlimited, or more than 30 days, lets images run on scans that predate a month of disclosures.
            Fix: maxScanAge: 30d or less (production uses 7d), and re-scan deployed images on a schedule.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        guard let text = profile.scalar("admission.maxScanAge") else { return }
        if text == AdmissionPolicy.unlimitedScanAge {
            sink.add(description, "admission.maxScanAge unlimited admits scans of any age", field: "admission.maxScanAge")
        } else if let age = try? ScanAge(text), age.seconds > 30 * 86_400 {
            sink.add(description, "admission.maxScanAge \(text) is over 30 days", field: "admission.maxScanAge")
        }
    }
}
