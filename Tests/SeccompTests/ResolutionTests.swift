import Foundation
import Testing

@testable import Seccomp

@Suite struct ResolutionTests {
    @Test func oldFormatResolvesWithItsArchitectureList() throws {
        let filter = try Fixture.resolve("moby-fixture-default-old-format.json")
        #expect(filter.architectures == [.x86_64, .x86, .x32])
        #expect(filter.rules(for: "accept").first?.names == ["accept"])
        #expect(filter.allowsUnconditionally("read"))
    }

    @Test(arguments: ["podman-containers-common-default.json", "spo-security-profiles-operator.json", "spo-bpf-recorder.json"])
    func newFormatResolvesArchMapForTheNativeArchitecture(name: String) throws {
        let filter = try Fixture.resolve(name)
        #if arch(x86_64)
            #expect(filter.architectures == [.x86_64, .x86, .x32])
        #endif
        #expect(filter.syscalls?.isEmpty == false)
    }

    @Test func capabilityIncludeGrantsSyslogOnlyWithCapSyslog() throws {
        let without = try Fixture.resolve("moby-fixture-conditional-include.json")
        #expect(without.allowsUnconditionally("chmod"))
        #expect(!without.allowsSometimes("syslog"))
        let with = try Fixture.resolve("moby-fixture-conditional-include.json", capabilities: try capabilities("CAP_SYSLOG"))
        #expect(with.allowsUnconditionally("syslog"))
    }

    @Test func capabilityExcludeDropsPtraceWithCapSysAdmin() throws {
        let without = try Fixture.resolve("moby-fixture-conditional-include.json")
        #expect(without.allowsUnconditionally("ptrace"))
        let with = try Fixture.resolve("moby-fixture-conditional-include.json", capabilities: try capabilities("sys_admin"))
        #expect(!with.allowsSometimes("ptrace"))
        #expect(with.allowsUnconditionally("chmod"))
    }

    @Test func exampleKeepsErrnoRetAndMaskedArguments() throws {
        let filter = try Fixture.resolve("moby-fixture-example.json")
        #expect(filter.defaultErrnoRet == 1)
        #expect(filter.rules(for: "syslog") == [.init(names: ["syslog"], action: .errno, errnoRet: 12345, args: [])])
        #expect(filter.rules(for: "clone").first?.args == [SeccompArgument(index: 0, value: 2114060288, valueTwo: 0, op: .maskedEqual)])
        let json = String(decoding: try JSONEncoder().encode(filter), as: UTF8.self)
        #expect(json.contains(#""errnoRet":12345"#))
        #expect(json.contains(#""valueTwo":0"#))
    }

    @Test func unknownSyscallNamesFileFieldAndName() {
        let file = Fixture.path("invalid-unknown-syscall.json")
        let error = seccompError { _ = try Fixture.resolve("invalid-unknown-syscall.json") }
        #expect(error == .unknownSyscall(name: "definitely_not_a_syscall", file: file, field: "syscalls[1].names[1]"))
        #expect(error?.description.hasPrefix("unknown syscall \"definitely_not_a_syscall\" in \(file) (syscalls[1].names[1])") == true)
    }

    @Test func omittingUnknownSyscallsIsOnlyForBaselines() throws {
        let filter = try Fixture.resolve("invalid-unknown-syscall.json", unknownSyscalls: .omit)
        #expect(filter.rules(for: "exit_group").first?.names == ["exit_group"])
        // moby's current default names syscalls newer than libseccomp 2.5.4; strict resolution refuses it.
        let error = seccompError { _ = try Fixture.resolve("moby-default.json") }
        if case .unknownSyscall = error {} else { Issue.record("expected an unknown syscall error, got \(String(describing: error))") }
    }

    @Test func rulesEqualToTheDefaultAreDropped() throws {
        let profile = SeccompProfile(
            defaultAction: .errno,
            syscalls: [
                .init(names: ["read"], action: .allow),
                .init(names: ["mount"], action: .errno, errnoRet: 1),
                .init(names: ["umount2"], action: .errno),
                .init(names: ["clone3"], action: .errno, errnoRet: 38),
            ])
        let filter = try profile.resolve(capabilities: [], source: "inline.json")
        #expect(filter.syscalls?.flatMap(\.names) == ["read", "clone3"])
    }

    @Test func kernelAndArchitectureConditions() throws {
        let filter = try Fixture.resolve("kernel-and-arch-conditions.json")
        #expect(filter.allowsUnconditionally("uname"))
        #expect(!filter.allowsSometimes("getcpu"))
        #expect(!filter.allowsSometimes("sysinfo"))
        #if arch(x86_64)
            #expect(filter.allowsUnconditionally("arch_prctl"))
            #expect(!filter.allowsSometimes("cacheflush"))
        #endif
    }

    @Test func nameAndNamesTogetherAreRefused() {
        let profile = SeccompProfile(defaultAction: .errno, syscalls: [.init(name: "read", names: ["write"], action: .allow)])
        let error = seccompError { _ = try profile.resolve(capabilities: [], source: "inline.json") }
        #expect(error?.description == #"invalid seccomp profile inline.json: syscalls[0]: both "name" and "names" are set; use one"#)
    }

    @Test func argumentIndexAboveFiveIsRefused() {
        let profile = SeccompProfile(
            defaultAction: .errno,
            syscalls: [
                .init(names: ["socket"], action: .allow, args: [.init(index: 6, value: 1, op: .equal)])
            ])
        let error = seccompError { _ = try profile.resolve(capabilities: [], source: "inline.json") }
        #expect(error?.description.contains("syscalls[0].args[0].index") == true)
    }

    @Test func architecturesAndArchMapTogetherAreRefused() {
        let profile = SeccompProfile(
            defaultAction: .errno, architectures: [.x86_64], archMap: [.init(architecture: .x86_64, subArchitectures: [.x86])])
        let error = seccompError { _ = try profile.resolve(capabilities: [], source: "inline.json") }
        #expect(error?.description.contains("both \"architectures\" and \"archMap\"") == true)
    }

    @Test func misspelledCapabilityInAnExcludeIsRefused() {
        // A typo here would silently keep a rule meant to disappear with the capability.
        let profile = SeccompProfile(
            defaultAction: .errno,
            syscalls: [
                .init(names: ["ptrace"], action: .allow, excludes: .init(caps: ["CAP_SYS_ADMN"]))
            ])
        let error = seccompError { _ = try profile.resolve(capabilities: [], source: "inline.json") }
        #expect(error == .unknownCapability(name: "CAP_SYS_ADMN", file: "inline.json", field: "syscalls[0].excludes.caps[0]"))
    }

    @Test func kernelVersionParsing() {
        #expect(KernelVersion(parsing: "4.8") == KernelVersion(kernel: 4, major: 8))
        #expect(KernelVersion(parsing: "6.18.44-fc-v509") == KernelVersion(kernel: 6, major: 18))
        #expect(KernelVersion(parsing: "4") == nil)
        #expect(KernelVersion(parsing: "0.0") == nil)
        #expect(KernelVersion(kernel: 4, major: 10) > KernelVersion(kernel: 4, major: 8))
    }
}
