extension LinuxSeccomp {
    /// Whether this filter permits nothing that `baseline` forbids: the tighten-only rule. A filter whose
    /// default action lets syscalls run is never as strict as an allow-list baseline.
    public func isAtLeastAsStrict(as baseline: LinuxSeccomp) -> Bool {
        loosening(comparedTo: baseline).isEmpty
    }

    /// Why this filter is looser than `baseline`, one sentence each, empty when it is not: a more permissive
    /// default action or extra architecture, syscalls it permits that the baseline denies, syscalls it permits
    /// unconditionally where the baseline had argument conditions, and argument restrictions it drops.
    ///
    /// The comparison is conservative: argument conditions count as the same only when written the same,
    /// so a narrower but differently written condition is reported too.
    public func loosening(comparedTo baseline: LinuxSeccomp) -> [String] {
        var reasons: [String] = []
        if defaultAction.permissiveness > baseline.defaultAction.permissiveness {
            reasons.append(
                "default action \(defaultAction.rawValue) is more permissive than the baseline's \(baseline.defaultAction.rawValue)")
        }
        reasons += architectureLoosening(comparedTo: baseline)
        if flags?.contains(.specAllow) == true && baseline.flags?.contains(.specAllow) != true {
            reasons.append(
                "sets \(SeccompFlag.specAllow.rawValue), turning off the speculative store bypass mitigation the baseline keeps")
        }
        let mine = SyscallBehaviours(self)
        let theirs = SyscallBehaviours(baseline)
        var names = mine.names.union(theirs.names)
        if defaultAction.permissiveness > baseline.defaultAction.permissiveness {
            names.formUnion(LibSeccomp.nativeSyscallNames())
        }
        for name in names.sorted() {
            reasons += mine.behaviour(of: name).loosening(comparedTo: theirs.behaviour(of: name), syscall: name)
        }
        return reasons
    }

    private func architectureLoosening(comparedTo baseline: LinuxSeccomp) -> [String] {
        let native = SeccompArchitecture.native
        func covered(_ filter: LinuxSeccomp) -> Set<SeccompArchitecture> {
            var set = Set(filter.architectures ?? [])
            if let native { set.insert(native) }
            return set
        }
        let baselineCovers = covered(baseline)
        return covered(self).subtracting(baselineCovers).map(\.rawValue).sorted().map {
            "covers architecture \($0), whose syscalls the baseline kills"
        }
    }
}

/// What one filter does with one syscall: the action without conditions (or the default), and the most
/// permissive action for each distinct set of argument conditions.
struct SyscallBehaviour {
    var base: SeccompAction
    var conditional: [ConditionSet: SeccompAction]

    func loosening(comparedTo baseline: SyscallBehaviour, syscall: String) -> [String] {
        var reasons: [String] = []
        if base.permissiveness > baseline.base.permissiveness {
            let conditionallyPermitted = baseline.conditional.values.contains { $0.permissiveness >= base.permissiveness }
            if base == .trace || base == .notify {
                reasons.append(
                    "hands \(syscall) to another process (\(base.rawValue)), which may run or rewrite it; the baseline answers it itself (\(baseline.base.rawValue))"
                )
            } else if conditionallyPermitted {
                reasons.append("permits \(syscall) unconditionally (\(base.rawValue)); the baseline permits it only with argument conditions")
            } else {
                reasons.append("permits \(syscall) (\(base.rawValue)); the baseline denies it (\(baseline.base.rawValue))")
            }
        }
        for (conditions, action) in conditional.sorted(by: { $0.key.description < $1.key.description })
        where action.permissiveness > baseline.base.permissiveness && action.permissiveness > base.permissiveness {
            // The baseline's rules whose conditions these imply (a narrower `arg0 < 16` under `arg0 < 38`).
            let implied = baseline.conditional.filter { conditions.implies($0.key) }.map(\.value.permissiveness).max()
            let theirs = max(implied ?? baseline.base.permissiveness, baseline.base.permissiveness)
            if action.permissiveness > theirs {
                reasons.append("permits \(syscall) when \(conditions) (\(action.rawValue)); the baseline does not")
            }
        }
        for (conditions, action) in baseline.conditional.sorted(by: { $0.key.description < $1.key.description })
        where action.permissiveness < baseline.base.permissiveness {
            let mine = conditional[conditions]?.permissiveness ?? base.permissiveness
            if mine > action.permissiveness {
                reasons.append("drops the baseline's \(action.rawValue) for \(syscall) when \(conditions)")
            }
        }
        return reasons
    }
}

/// A rule's argument conditions in a canonical order, so equal sets compare equal.
struct ConditionSet: Hashable, CustomStringConvertible {
    var arguments: [SeccompArgument]

    init(_ arguments: [SeccompArgument]) {
        self.arguments =
            arguments
            .map { SeccompArgument(index: $0.index, value: $0.value, valueTwo: $0.valueTwo ?? 0, op: $0.op) }
            .sorted { ($0.index, $0.op.rawValue, $0.value, $0.valueTwo ?? 0) < ($1.index, $1.op.rawValue, $1.value, $1.valueTwo ?? 0) }
    }

    /// Whether every call these conditions match also matches `other`'s: each of `other`'s comparisons has
    /// one here on the same argument whose values lie within its values. Only comparisons that match one
    /// range of values can be reasoned about (`!=` and scattered masks cannot; they count as no match).
    func implies(_ other: ConditionSet) -> Bool {
        if self == other { return true }
        return other.arguments.allSatisfy { wanted in
            guard let outer = Self.range(wanted) else { return false }
            return arguments.contains { mine in
                guard mine.index == wanted.index, let inner = Self.range(mine) else { return false }
                return outer.contains(inner.lowerBound) && outer.contains(inner.upperBound)
            }
        }
    }

    /// The values a comparison matches, when they are one range.
    static func range(_ argument: SeccompArgument) -> ClosedRange<UInt64>? {
        let value = argument.value
        switch argument.op {
        case .equal: return value...value
        case .lessThan: return value == 0 ? nil : 0...(value - 1)
        case .lessThanOrEqual: return 0...value
        case .greaterThan: return value == .max ? nil : (value + 1)...UInt64.max
        case .greaterThanOrEqual: return value...UInt64.max
        case .maskedEqual:
            // A mask of leading ones over all 64 bits with a datum inside it: datum … datum | ~mask.
            let low = ~value
            let datum = argument.valueTwo ?? 0
            guard low & (low &+ 1) == 0, datum & low == 0 else { return nil }
            return datum...(datum | low)
        default: return nil
        }
    }

    var description: String {
        arguments.map { argument in
            let value = "0x" + String(argument.value, radix: 16)
            if argument.op == .maskedEqual {
                return "arg\(argument.index) & \(value) == 0x\(String(argument.valueTwo ?? 0, radix: 16))"
            }
            return "arg\(argument.index) \(argument.op.rawValue) \(value)"
        }.joined(separator: " and ")
    }
}

/// Every syscall's behaviour under one filter.
struct SyscallBehaviours {
    private var defaultAction: SeccompAction
    private var unconditional: [String: SeccompAction] = [:]
    private var conditional: [String: [ConditionSet: SeccompAction]] = [:]

    init(_ filter: LinuxSeccomp) {
        defaultAction = filter.defaultAction
        let defaultEffect = filter.effectiveDefault
        for rule in filter.syscalls ?? [] where rule.action.effective(errnoRet: rule.errnoRet) != defaultEffect {
            let args = rule.args ?? []
            for name in rule.names {
                if args.isEmpty {
                    unconditional[name] = SyscallBehaviours.moreLenient(unconditional[name], rule.action)
                } else {
                    let key = ConditionSet(args)
                    conditional[name, default: [:]][key] = SyscallBehaviours.moreLenient(conditional[name]?[key], rule.action)
                }
            }
        }
    }

    var names: Set<String> { Set(unconditional.keys).union(conditional.keys) }

    func behaviour(of name: String) -> SyscallBehaviour {
        SyscallBehaviour(base: unconditional[name] ?? defaultAction, conditional: conditional[name] ?? [:])
    }

    // When rules disagree, assume the more permissive one wins: a safe guess for a strictness check.
    private static func moreLenient(_ existing: SeccompAction?, _ new: SeccompAction) -> SeccompAction {
        guard let existing else { return new }
        return new.permissiveness > existing.permissiveness ? new : existing
    }
}
