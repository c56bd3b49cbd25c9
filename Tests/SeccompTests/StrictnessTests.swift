import Testing

@testable import Seccomp

@Suite struct StrictnessTests {
    @Test func shippedDefaultIsAtLeastAsStrictAsDockers() throws {
        let moby = try Fixture.resolve("moby-default.json", unknownSyscalls: .omit)
        let shipped = try Fixture.shippedDefaultResolved()
        #expect(shipped.loosening(comparedTo: moby) == [])
        #expect(shipped.isAtLeastAsStrict(as: moby))
        // Docker's default allows ptrace (kernel >= 4.8) and more, which securerun's does not.
        let reasons = moby.loosening(comparedTo: shipped)
        #expect(reasons.contains("permits ptrace (SCMP_ACT_ALLOW); the baseline denies it (SCMP_ACT_ERRNO)"))
        #expect(!moby.isAtLeastAsStrict(as: shipped))
    }

    @Test func allowAllProfileIsNotAsStrictAndSaysWhy() throws {
        let allowAll = try Fixture.resolve("docker-labs-allow.json")
        let shipped = try Fixture.shippedDefaultResolved()
        #expect(!allowAll.isAtLeastAsStrict(as: shipped))
        let reasons = allowAll.loosening(comparedTo: shipped)
        #expect(reasons.first == "default action SCMP_ACT_ALLOW is more permissive than the baseline's SCMP_ACT_ERRNO")
        #expect(reasons.contains("permits mount (SCMP_ACT_ALLOW); the baseline denies it (SCMP_ACT_ERRNO)"))
        #expect(reasons.contains("permits clone unconditionally (SCMP_ACT_ALLOW); the baseline permits it only with argument conditions"))
        #expect(!reasons.contains { $0.hasPrefix("permits read ") })
    }

    @Test func removingSyscallsIsStricter() throws {
        let baseline = try Fixture.shippedDefaultResolved()
        var tighter = baseline
        let removed: Set = ["chmod", "fchmod", "fchmodat", "socket"]
        tighter.syscalls = baseline.syscalls?.compactMap { rule in
            var rule = rule
            rule.names.removeAll { removed.contains($0) }
            return rule.names.isEmpty ? nil : rule
        }
        #expect(tighter.isAtLeastAsStrict(as: baseline))
        let reasons = baseline.loosening(comparedTo: tighter)
        #expect(reasons.contains("permits chmod (SCMP_ACT_ALLOW); the baseline denies it (SCMP_ACT_ERRNO)"))
        #expect(reasons.contains { $0.hasPrefix("permits socket when arg0 SCMP_CMP_LT 0x10") })
    }

    @Test("a narrower condition written otherwise is as strict: arg0 < 16, == 17 and masked ranges inside arg0 < 38; not a wider one or !=")
    func narrowerConditionsAreCovered() {
        func socket(_ args: [SeccompArgument]) -> LinuxSeccomp.Syscall { .init(names: ["socket"], action: .allow, args: args) }
        let baseline = LinuxSeccomp(defaultAction: .errno, syscalls: [socket([.init(index: 0, value: 38, op: .lessThan)])])
        let narrower = LinuxSeccomp(
            defaultAction: .errno,
            syscalls: [
                socket([.init(index: 0, value: 16, op: .lessThan)]), socket([.init(index: 0, value: 17, op: .equal)]),
                socket([.init(index: 0, value: ~UInt64(7), valueTwo: 24, op: .maskedEqual)]),
                socket([.init(index: 0, value: 16, op: .equal), .init(index: 2, value: 9, op: .notEqual)]),
            ])
        #expect(narrower.loosening(comparedTo: baseline) == [])
        let wider = LinuxSeccomp(defaultAction: .errno, syscalls: [socket([.init(index: 0, value: ~UInt64(63), valueTwo: 0, op: .maskedEqual)])])
        #expect(wider.loosening(comparedTo: baseline).count == 1, "0…63 is not inside 0…37")
        // A 32-bit mask leaves the upper bits free: a value above 38 matches it, so it is not covered.
        let upperFree = LinuxSeccomp(defaultAction: .errno, syscalls: [socket([.init(index: 0, value: 0xFFFF_FFFE, valueTwo: 18, op: .maskedEqual)])])
        #expect(upperFree.loosening(comparedTo: baseline).count == 1)
        let notEqual = LinuxSeccomp(defaultAction: .errno, syscalls: [socket([.init(index: 0, value: 40, op: .notEqual)])])
        #expect(notEqual.loosening(comparedTo: baseline).count == 1)
    }

    @Test func droppingArgumentConditionsIsLooser() {
        let baseline = LinuxSeccomp(
            defaultAction: .errno,
            syscalls: [
                .init(names: ["personality"], action: .allow, args: [.init(index: 0, value: 0, op: .equal)])
            ])
        let unconditional = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["personality"], action: .allow)])
        #expect(
            unconditional.loosening(comparedTo: baseline)
                == ["permits personality unconditionally (SCMP_ACT_ALLOW); the baseline permits it only with argument conditions"])
        #expect(baseline.isAtLeastAsStrict(as: unconditional))
    }

    @Test func droppingADenyRuleFromADenyListIsLooser() {
        let baseline = LinuxSeccomp(
            defaultAction: .allow,
            syscalls: [
                .init(names: ["mount"], action: .errno),
                .init(names: ["socket"], action: .errno, args: [.init(index: 0, value: 40, op: .equal)]),
            ])
        let looser = LinuxSeccomp(defaultAction: .allow, syscalls: [])
        #expect(
            looser.loosening(comparedTo: baseline) == [
                "permits mount (SCMP_ACT_ALLOW); the baseline denies it (SCMP_ACT_ERRNO)",
                "drops the baseline's SCMP_ACT_ERRNO for socket when arg0 SCMP_CMP_EQ 0x28",
            ])
        #expect(baseline.isAtLeastAsStrict(as: looser))
    }

    @Test func differentErrnoOrKillIsNotLooser() {
        let baseline = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read"], action: .allow)])
        let killing = LinuxSeccomp(defaultAction: .killProcess, syscalls: [.init(names: ["read"], action: .allow)])
        let enosys = LinuxSeccomp(defaultAction: .errno, defaultErrnoRet: 38, syscalls: [.init(names: ["read"], action: .allow)])
        #expect(killing.isAtLeastAsStrict(as: baseline))
        #expect(enosys.isAtLeastAsStrict(as: baseline))
    }

    @Test func extraArchitecturesAndSpecAllowAreLooser() {
        let baseline = LinuxSeccomp(defaultAction: .errno, architectures: [.x86_64])
        let wider = LinuxSeccomp(defaultAction: .errno, architectures: [.x86_64, .x86], flags: [.specAllow])
        #expect(
            wider.loosening(comparedTo: baseline) == [
                "covers architecture SCMP_ARCH_X86, whose syscalls the baseline kills",
                "sets SECCOMP_FILTER_FLAG_SPEC_ALLOW, turning off the speculative store bypass mitigation the baseline keeps",
            ])
    }

    @Test func logCountsAsPermitting() {
        let baseline = LinuxSeccomp(defaultAction: .errno)
        let logging = LinuxSeccomp(defaultAction: .log)
        #expect(!logging.isAtLeastAsStrict(as: baseline))
    }
}

/// Filters built directly (not loaded, so the loading refusal of trace and notify does not apply): the
/// comparison alone must never call handing a syscall to another process "stricter" than allowing it.
@Suite struct DelegationStrictnessTests {
    static let baseline = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read", "openat"], action: .allow)])

    @Test(arguments: [SeccompAction.notify, .trace])
    func delegatingAnAllowedSyscallIsNotStricter(action: SeccompAction) {
        let delegating = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read"], action: .allow), .init(names: ["openat"], action: action)])
        #expect(
            delegating.loosening(comparedTo: Self.baseline) == [
                "hands openat to another process (\(action.rawValue)), which may run or rewrite it; the baseline answers it itself (SCMP_ACT_ALLOW)"
            ])
    }

    @Test(arguments: [SeccompAction.notify, .trace, .log, .allow])
    func aPermissiveDefaultActionIsNotStricter(action: SeccompAction) {
        let filter = LinuxSeccomp(defaultAction: action, syscalls: [])
        #expect(!filter.isAtLeastAsStrict(as: Self.baseline))
    }

    @Test func loggingAnAllowedSyscallPermitsNothingMore() {
        let logging = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read", "openat"], action: .log)])
        #expect(logging.isAtLeastAsStrict(as: Self.baseline))
    }
}
