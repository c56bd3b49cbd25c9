import Seccomp

/// SR104: argument filters a compat ABI walks around. With x86 (32-bit) filtered too, `socketcall` and
/// `ipc` are single syscalls that multiplex socket(), connect(), shmget() and the rest; a filter on
/// socket()'s address family does not look inside socketcall's arguments, so an `int 0x80` program gets
/// the sockets the filter meant to deny (reproduced here for AF_VSOCK).
public enum CompatABIBypass: SeccompRule {
    public static let description = RuleDescription(
        id: "SR104", name: "seccomp-compat-abi-bypass", severity: .error, kinds: [.seccomp, .runtimeConfig],
        summary: "argument filters are not bypassed through a compat ABI's multiplexer syscalls",
        explanation: """
            On x86_64 the kernel also runs 32-bit (x86) programs. A profile that lists x86 (in architectures, or \
            as a subArchitecture in archMap) and allows socketcall or ipc lets such a program reach socket(), \
            bind(), shmget() and the rest through the multiplexer, whose first argument is a call number: the \
            address-family condition written for socket() never applies (libseccomp only rewrites a rule for \
            socketcall on kernels without direct socket syscalls for x86, and never checks the arguments behind \
            its pointer).
            Fix: filter the native architecture only (securerun's default does: the 32-bit ABI then meets the \
            bad-architecture action and is killed), or deny socketcall and ipc.
            """)

    static let socketFamily: Set<String> = [
        "socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg", "recvmsg",
        "setsockopt", "getsockopt", "shutdown", "sendmmsg", "recvmmsg",
    ]
    static let ipcFamily: Set<String> = [
        "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop", "msgget", "msgsnd", "msgrcv", "msgctl",
    ]

    public static func check(_ document: SeccompDocument, into sink: inout FindingSink) {
        let architectures = document.listedArchitectures
        guard architectures.contains(.x86) else { return }
        for (multiplexer, family) in [("socketcall", socketFamily), ("ipc", ipcFamily)] {
            guard let permit = document.unconditionalPermits(of: multiplexer).first else { continue }
            let filtered = document.rules.first { entry in
                !(entry.rule.args ?? []).isEmpty && document.names(entry.offset, entry.rule).contains { family.contains($0.name) }
            }
            guard let filtered else { continue }
            let names = document.names(filtered.offset, filtered.rule).map(\.name).filter(family.contains)
            let field = document.names(permit, document.rules[permit].rule).first { $0.name == multiplexer }?.field ?? document.ruleField(permit)
            sink.add(
                description,
                "\(multiplexer) is allowed while x86 is filtered too: 32-bit programs reach \(names.joined(separator: ", ")) through it, around the argument conditions of syscalls[\(filtered.offset)]; filter the native architecture only or deny \(multiplexer)",
                field: field)
        }
    }
}
