/// SR208: admission is off: `allowUnattested: true` admits images with no valid, signed scan attestation,
/// which is the one check securerun adds to a container start that nothing else makes.
public enum AdmissionOff: ProfileRule {
    public static let description = RuleDescription(
        id: "SR208", name: "profile-admission-off", severity: .error, kinds: [.profile],
        summary: "images need a signed, passing, recent scan attestation",
        explanation: """
            With admission.allowUnattested an image nobody scanned, or whose attestation was signed by an \
            untrusted key, starts anyway (image verify only warns). An attacker who can push a tag then runs code.
            Fix: remove allowUnattested (or set it false) and attest images in CI with `securerun image attest`.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        if profile.flag("admission.allowUnattested") == true {
            sink.add(description, "admission.allowUnattested admits images without a valid signed scan", field: "admission.allowUnattested")
        }
    }
}
