/// Makes the errors of one enforcement: refusals name the flag as typed, the profile and the rule.
struct Judge {
    /// The profile being enforced.
    let profile: String

    /// A refusal of what was typed as `origin`.
    func violation(_ rule: PolicyViolation.Rule, _ origin: FlagOrigin, _ detail: String) -> PolicyViolation {
        PolicyViolation(rule: rule, origin: origin, profile: profile, detail: detail)
    }

    /// The same refusal as an error.
    func refuse(_ rule: PolicyViolation.Rule, _ origin: FlagOrigin, _ detail: String) -> PolicyError {
        .violation(violation(rule, origin, detail))
    }

    /// A value that is malformed whatever the profile says.
    func invalid(_ origin: FlagOrigin, _ reason: String) -> PolicyError {
        .invalidRequest(flag: origin.typed, reason: reason, origin: origin)
    }
}
