import Capabilities
import Foundation
import Testing

@testable import Seccomp

@Suite struct DefaultProfileTests {
    /// Syscalls the shipped profile must deny even though Docker's default allows some of them; each is a
    /// known container-escape or host-tampering path (mount/namespace tricks, ptrace, bpf and perf, kernel
    /// keyrings, module and kexec loading, open_by_handle_at as in the 2014 "shocker" escape, userfaultfd as a
    /// race-widening primitive, clock and swap changes, the new mount API).
    static let denied = [
        "mount", "umount2", "unshare", "setns", "ptrace", "bpf", "keyctl", "add_key", "request_key", "kexec_load",
        "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at", "perf_event_open",
        "userfaultfd", "pivot_root", "swapon", "swapoff", "reboot", "acct", "quotactl", "lookup_dcookie", "iopl",
        "ioperm", "syslog", "vhangup", "nfsservctl", "move_mount", "open_tree", "fsopen", "fsmount", "fspick",
        "name_to_handle_at", "settimeofday", "clock_settime", "stime", "adjtimex",
    ]

    static let needed = [
        "read", "write", "execve", "openat", "exit_group", "futex", "mmap", "mprotect", "brk", "close", "fstat",
        "rt_sigaction", "socket", "bind", "listen", "accept4", "epoll_wait", "wait4", "pipe2", "dup2", "getpid",
    ]

    @Test func shippedProfileIsAnAllowListReturningEPERM() throws {
        let profile = try SeccompProfile.load(contentsOf: Fixture.shippedDefault)
        #expect(profile.defaultAction == .errno)
        #expect(profile.defaultErrnoRet == 1)
        #expect(profile.syscalls?.allSatisfy { $0.comment == nil } == true)
    }

    @Test func shippedProfileResolvesAndCompiles() throws {
        let filter = try Fixture.shippedDefaultResolved()
        let instructions = try filter.compile()
        #expect(instructions > 100)
        #expect(instructions <= LinuxSeccomp.maximumInstructions)
    }

    @Test(arguments: denied)
    func deniesWithoutCapabilities(syscall: String) throws {
        #expect(!(try Fixture.shippedDefaultResolved()).allowsSometimes(syscall))
    }

    @Test(arguments: denied)
    func deniesEvenWithEveryCapability(syscall: String) throws {
        let filter = try Fixture.shippedDefaultResolved(capabilities: Set(Capability.all))
        #expect(!filter.allowsSometimes(syscall))
    }

    @Test(arguments: needed)
    func allowsWhatShellsAndServersNeed(syscall: String) throws {
        let filter = try Fixture.shippedDefaultResolved()
        #expect(filter.allowsSometimes(syscall))
    }

    @Test(arguments: [Set<Capability>(), Set(Capability.all)])
    func cloneIsAllowedOnlyWithoutNamespaceFlags(capabilities: Set<Capability>) throws {
        // CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP: a new namespace is the first step of
        // most container escapes that need capabilities inside a fresh user namespace.
        let filter = try Fixture.shippedDefaultResolved(capabilities: capabilities)
        #expect(filter.rules(for: "clone").map(\.args) == [[SeccompArgument(index: 0, value: 0x7E02_0000, op: .maskedEqual)]])
        #expect(filter.rules(for: "clone3") == [.init(names: ["clone3"], action: .errno, errnoRet: 38)])
    }

    @Test func personalityIsLimitedToSafeValues() throws {
        let filter = try Fixture.shippedDefaultResolved()
        #expect(!filter.allowsUnconditionally("personality"))
        #expect(Set(filter.rules(for: "personality").compactMap { $0.args?.first?.value }) == [0, 8, 0x20000, 0x20008, 0xFFFF_FFFF])
    }
}
