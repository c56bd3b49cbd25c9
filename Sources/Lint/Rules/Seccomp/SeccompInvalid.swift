import Seccomp

/// SR100: the profile cannot be used at all: not JSON, a field of the wrong type or spelling, both `name`
/// and `names`, an argument index above 5, an unknown capability in `includes`. securerun refuses to load
/// it, and runc would refuse it or, worse, read it differently.
public enum SeccompInvalid: SeccompRule {
    public static let description = RuleDescription(
        id: "SR100", name: "seccomp-invalid", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "a seccomp profile parses and resolves",
        explanation: """
            The profile must be strict JSON (no duplicate keys, valid UTF-8), in Docker's format (defaultAction, \
            archMap or architectures, syscalls with names, action, args, errnoRet, includes, excludes), with values \
            libseccomp and libcap understand. securerun resolves every profile before a container starts and refuses \
            one that does not resolve, so this finding is also a refusal.
            Fix: correct the field named in the message; `securerun seccomp diff` shows what a change permits.
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        do {
            _ = try document.profile.resolve(capabilities: [], source: sink.file, unknownSyscalls: .omit)
        } catch {
            let (field, reason) = describe(error)
            let placed = field.map(document.field)
            // Another rule explains this field better (delegation, unknown names).
            if let placed, sink.covers(placed, except: description.id) { return }
            sink.add(description, reason, field: placed ?? document.field(""))
        }
    }

    static func describe(_ error: SeccompError) -> (String?, String) {
        switch error {
        case .invalid(_, let field, let reason): return (field, "\(field): \(reason)")
        case .malformed(_, let field, let reason): return (field, field.map { "\($0): \(reason)" } ?? reason)
        case .unknownCapability(let name, _, let field): return (field, "\(field): unknown capability \"\(name)\"")
        case .unsupportedArchitecture(let name, _, let field):
            return (field, "\(field): architecture \(name) is not supported by libseccomp \(LibSeccomp.version)")
        case .unknownSyscall(let name, _, let field): return (field, "\(field): unknown syscall \"\(name)\"")
        default: return (nil, error.description)
        }
    }
}
