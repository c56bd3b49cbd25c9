import Policy

/// SR200: the profile does not load: securerun would refuse it on every run. The loader's own message,
/// placed at the field it names.
public enum ProfileInvalid: ProfileRule {
    public static let description = RuleDescription(
        id: "SR200", name: "profile-invalid", severity: .error, kinds: [.profile],
        summary: "the profile loads as securerun run loads it",
        explanation: """
            securerun validates a profile on every run: known fields only (a misspelt readOnlyRootFS must not pass \
            silently), values it can use, a seccomp file that resolves, nothing below the floor (a root user, \
            unlimited pids, seccomp unconfined). This finding is the loader's first refusal, so the profile cannot \
            be used until it is fixed.
            Fix: correct the field named in the message; profiles/default.yaml documents every field.
            """)

    public static func check(_ profile: ProfileSource, into sink: inout FindingSink) {
        do {
            _ = try ProfileLoader.parse(profile.text, file: profile.file, seccompCache: profile.seccompCache, composed: profile.root)
        } catch {
            let field: String?
            let reason: String
            switch error {
            case .invalidField(_, let name, let why):
                field = name == "(document)" ? nil : name
                reason = field.map { "\($0): \(why)" } ?? why
            case .unknownField(_, let name):
                field = name
                reason = "unknown field \(name) (check its spelling; profiles/default.yaml lists every field)"
            default:
                field = nil
                reason = error.description
            }
            if let field, sink.covers(field, except: description.id) { return }
            sink.add(description, reason, field: field ?? "")
        }
    }
}
