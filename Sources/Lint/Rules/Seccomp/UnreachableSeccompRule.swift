import Seccomp

/// SR105: a rule that can never change what happens: it does what the default action does, it repeats an
/// earlier rule, or an argument-free rule for the same syscall already decides every call. Such a rule is
/// usually a mistake in what the author meant (an allow that was meant to be a deny).
public enum UnreachableSeccompRule: SeccompRule {
    public static let description = RuleDescription(
        id: "SR105", name: "seccomp-rule-never-matters", severity: .warning, kinds: [.seccomp, .runtimeConfig],
        summary: "every rule can change the outcome of some syscall",
        explanation: """
            libseccomp drops a rule whose action equals the default action (so does crun), merges a repeated rule, \
            and lets a rule without argument conditions decide every call of its syscall, so a conditional rule \
            beside it never applies. The profile then does something other than what it reads as.
            Fix: delete the rule, or give it the action that was meant (often SCMP_ACT_ERRNO in an allow-list).
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let profile = document.profile
        var seen: [String: Int] = [:]
        var unconditional: [String: Int] = [:]
        for (offset, rule) in document.rules where rule.includes == nil && rule.excludes == nil {
            if (rule.args ?? []).isEmpty {
                for (name, _) in document.names(offset, rule) where unconditional[name] == nil { unconditional[name] = offset }
            }
        }
        for (offset, rule) in document.rules {
            if rule.action.behavesLike(profile.defaultAction, errnoRet: rule.errnoRet, otherErrnoRet: profile.defaultErrnoRet) {
                sink.add(
                    description,
                    "syscalls[\(offset)] does what the default action (\(profile.defaultAction.rawValue)) does, so it changes nothing; delete it or give it the action that was meant",
                    field: document.ruleField(offset, "action"))
                continue
            }
            let conditions = ConditionKey(rule)
            for (name, field) in document.names(offset, rule) {
                let key = "\(name)\u{0}\(conditions.text)"
                if let first = seen[key] {
                    sink.add(description, "\(name) is already listed with the same conditions in syscalls[\(first)]", field: field)
                    continue
                }
                seen[key] = offset
                if !(rule.args ?? []).isEmpty, rule.includes == nil, rule.excludes == nil, let decider = unconditional[name], decider != offset {
                    sink.add(
                        description,
                        "the argument conditions of syscalls[\(offset)] never apply to \(name): syscalls[\(decider)] already decides every call of it",
                        field: field)
                }
            }
        }
    }

    /// A rule's conditions as comparable text.
    struct ConditionKey {
        var text: String
        init(_ rule: SeccompProfile.Syscall) {
            let args = (rule.args ?? []).map { "\($0.index) \($0.op.rawValue) \($0.value) \($0.valueTwo ?? 0)" }.sorted()
            let includes = [rule.includes?.caps?.sorted().joined(separator: ","), rule.includes?.arches?.sorted().joined(separator: ",")]
            let excludes = [rule.excludes?.caps?.sorted().joined(separator: ","), rule.excludes?.arches?.sorted().joined(separator: ",")]
            text = "\(args) \(includes) \(excludes) \(rule.includes?.minKernel.map { "\($0)" } ?? "") \(rule.excludes?.minKernel.map { "\($0)" } ?? "")"
        }
    }
}
