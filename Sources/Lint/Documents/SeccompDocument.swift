import Seccomp

/// A seccomp profile as lint reads it: the decoded profile and where its fields are. `prefix` places it
/// inside a larger document (`linux.seccomp` of a runtime config, `spec` of a Kubernetes `SeccompProfile`).
public struct SeccompDocument: Sendable {
    /// The profile.
    public var profile: SeccompProfile
    /// Its field path inside the file ("" when it is the whole file).
    public var prefix: String

    /// A document.
    public init(profile: SeccompProfile, prefix: String = "") {
        self.profile = profile
        self.prefix = prefix
    }

    /// The file-level path of a field of the profile.
    func field(_ path: String) -> String {
        if prefix.isEmpty { return path }
        return path.isEmpty ? prefix : "\(prefix).\(path)"
    }

    /// The rules with their positions in `syscalls`.
    var rules: [(offset: Int, rule: SeccompProfile.Syscall)] {
        Array((profile.syscalls ?? []).enumerated()).map { ($0.offset, $0.element) }
    }

    /// A rule's names, each with its field (`syscalls[3].names[0]`, or `syscalls[3].name` in the old format).
    func names(_ offset: Int, _ rule: SeccompProfile.Syscall) -> [(name: String, field: String)] {
        if let name = rule.name { return [(name, field("syscalls[\(offset)].name"))] }
        return (rule.names ?? []).enumerated().map { ($0.element, field("syscalls[\(offset)].names[\($0.offset)]")) }
    }

    /// The field of rule `offset` itself, or of one of its members.
    func ruleField(_ offset: Int, _ member: String? = nil) -> String {
        field("syscalls[\(offset)]" + (member.map { ".\($0)" } ?? ""))
    }

    /// Every architecture the file names (old `architectures`, and each `archMap` entry with its compat ABIs).
    var listedArchitectures: [SeccompArchitecture] {
        var result = profile.architectures ?? []
        for entry in profile.archMap ?? [] {
            result.append(entry.architecture)
            result += entry.subArchitectures ?? []
        }
        var seen = Set<SeccompArchitecture>()
        return result.filter { seen.insert($0).inserted }
    }

    /// The architectures filtered on this host: the old list as it is, or the host's `archMap` entry (moby's
    /// choice), the host's own always.
    var hostArchitectures: [SeccompArchitecture] {
        guard let native = SeccompArchitecture.native else { return profile.architectures ?? [] }
        var result = profile.architectures ?? []
        for entry in profile.archMap ?? [] where entry.architecture == native {
            result.append(entry.architecture)
            result += entry.subArchitectures ?? []
        }
        if !result.contains(native) { result.insert(native, at: 0) }
        return result
    }

    /// Whether the rule applies on this host whatever the container's capabilities: no `includes.caps`,
    /// and its `arches` conditions hold for the host (a `minKernel` condition is taken as met).
    func appliesToEveryContainer(_ rule: SeccompProfile.Syscall) -> Bool {
        if let caps = rule.includes?.caps, !caps.isEmpty { return false }
        return appliesOnHost(rule)
    }

    /// Whether the rule's `arches` conditions hold for this host.
    func appliesOnHost(_ rule: SeccompProfile.Syscall) -> Bool {
        guard let native = SeccompArchitecture.native?.goArch else { return true }
        if let arches = rule.excludes?.arches, arches.contains(native) { return false }
        if let arches = rule.includes?.arches, !arches.isEmpty, !arches.contains(native) { return false }
        return true
    }

    /// Whether the rule lets the syscall run (allow, log, or a hand-over to another process).
    static func permits(_ action: SeccompAction) -> Bool { action.permissiveness > 0 }

    /// The rules that let `name` run for every container and every argument, with their offsets.
    func unconditionalPermits(of name: String) -> [Int] {
        rules.filter { entry in
            Self.permits(entry.rule.action) && (entry.rule.args ?? []).isEmpty && appliesToEveryContainer(entry.rule)
                && names(entry.offset, entry.rule).contains { $0.name == name }
        }.map(\.offset)
    }

    /// Whether `name` can run at all on this host for a container without capabilities (by the default
    /// action or a rule, with or without argument conditions).
    func mayRun(_ name: String) -> Bool {
        let listing = rules.filter { entry in appliesToEveryContainer(entry.rule) && names(entry.offset, entry.rule).contains { $0.name == name } }
        if Self.permits(profile.defaultAction) {
            return !listing.contains { !Self.permits($0.rule.action) && ($0.rule.args ?? []).isEmpty }
        }
        return listing.contains { Self.permits($0.rule.action) }
    }
}
