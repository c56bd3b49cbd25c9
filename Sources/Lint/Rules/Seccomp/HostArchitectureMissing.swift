import Seccomp

/// SR106: the profile's architectures leave out the host's. Its syscall names were then resolved for
/// another ABI's numbering, and with `archMap` moby and securerun pick no entry: none of the intended
/// compat ABIs are covered.
public enum HostArchitectureMissing: SeccompRule {
    public static let description = RuleDescription(
        id: "SR106", name: "seccomp-host-architecture-missing", severity: .warning, kinds: [.seccomp, .runtimeConfig],
        summary: "the profile covers the architecture of the host that lints it",
        explanation: """
            A profile lists architectures (or archMap entries) it was written for. On a host whose architecture is \
            not among them, runtimes still apply its rules to the native ABI, but nobody checked the names for it: \
            syscalls that only exist elsewhere do nothing, and ones the author never saw are left to the default.
            Fix: add the host's architecture (SCMP_ARCH_X86_64 or SCMP_ARCH_AARCH64) to archMap, or lint the profile \
            on the architecture it is meant for.
            """)

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        guard let native = SeccompArchitecture.native else { return }
        let profile = document.profile
        if let listed = profile.architectures, !listed.isEmpty, !listed.contains(native) {
            sink.add(description, "architectures leave out this host's \(native.rawValue)", field: document.field("architectures"))
        }
        if let map = profile.archMap, !map.isEmpty, !map.contains(where: { $0.architecture == native }) {
            sink.add(description, "archMap has no entry for this host's \(native.rawValue)", field: document.field("archMap"))
        }
    }
}
