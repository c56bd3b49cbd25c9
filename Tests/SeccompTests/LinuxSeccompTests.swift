import Foundation
import Testing

@testable import Seccomp

@Suite struct LinuxSeccompTests {
    @Test func encodesRuntimeSpecNamesAndOmitsNilFields() throws {
        let filter = LinuxSeccomp(
            defaultAction: .errno, defaultErrnoRet: 1, architectures: [.x86_64],
            syscalls: [
                .init(names: ["read"], action: .allow),
                .init(names: ["clone"], action: .allow, args: [.init(index: 0, value: 2114060288, valueTwo: 0, op: .maskedEqual)]),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(filter), as: UTF8.self)
        #expect(
            json
                == #"{"architectures":["SCMP_ARCH_X86_64"],"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read"]},{"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_MASKED_EQ","value":2114060288,"valueTwo":0}],"names":["clone"]}]}"#
        )
        #expect(try JSONDecoder().decode(LinuxSeccomp.self, from: Data(json.utf8)) == filter)
    }

    @Test func decodesTheRuntimeSpecExampleConfig() throws {
        struct Config: Decodable { struct Linux: Decodable { var seccomp: LinuxSeccomp }; var linux: Linux }
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("oci-config-good-spec-example.json")))
        let seccomp = try JSONDecoder().decode(Config.self, from: data).linux.seccomp
        #expect(
            seccomp
                == LinuxSeccomp(
                    defaultAction: .allow, architectures: [.x86, .x32],
                    syscalls: [
                        .init(names: ["getcwd", "chmod"], action: .errno)
                    ]))
        #expect(try seccomp.compile() > 0)
    }

    @Test func compilesResolvedReferenceProfiles() throws {
        for name in ["moby-fixture-default-old-format.json", "podman-containers-common-default.json", "jessfraz-chrome.json", "spo-bpf-recorder.json"] {
            let instructions = try Fixture.resolve(name).compile()
            #expect(instructions > 10, "\(name)")
            #expect(instructions <= LinuxSeccomp.maximumInstructions, "\(name)")
        }
    }

    @Test func moreRulesCompileToALongerProgram() throws {
        let small = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read"], action: .allow)])
        var large = small
        large.syscalls?.append(.init(names: ["write", "openat", "close", "fstat"], action: .allow))
        #expect(try large.compile() > small.compile())
    }

    @Test func compileRefusesUnknownSyscallNames() {
        let filter = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read", "not_a_syscall"], action: .allow)])
        let error = seccompError { _ = try filter.compile(source: "config.json") }
        #expect(error == .unknownSyscall(name: "not_a_syscall", file: "config.json", field: "syscalls[0].names[1]"))
    }

    @Test func libseccompRefusalsBecomeTypedErrors() throws {
        // moby's example fixture returns errno 12345 for syslog; the kernel caps errno at 4095 and libseccomp
        // refuses it, so this profile parses but could never run.
        let example = try Fixture.resolve("moby-fixture-example.json")
        let error = seccompError { _ = try example.compile(source: "example.json") }
        #expect(
            error
                == .libseccomp(
                    function: "seccomp_rule_add_array", errno: 22, context: "syscalls[3] (syslog, SCMP_ACT_ERRNO errnoRet 12345) in example.json"))
        #expect(
            error?.description
                == "libseccomp seccomp_rule_add_array failed for syscalls[3] (syslog, SCMP_ACT_ERRNO errnoRet 12345) in example.json: invalid argument (errno 22)"
        )
    }

    @Test func notifyTraceAndListenersAreRefusedEvenWhenBuiltDirectly() {
        // The compile path refuses them too, whatever made the filter (not only a Docker profile on disk).
        let notifyDefault = LinuxSeccomp(defaultAction: .notify)
        #expect(
            seccompError { _ = try notifyDefault.compile() }?.description
                == "invalid seccomp profile linux.seccomp: defaultAction: SCMP_ACT_NOTIFY is refused: it hands the syscall to a listener process outside the container; securerun never delegates syscall decisions"
        )
        var withListener = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["mount"], action: .notify)])
        withListener.listenerPath = "/run/seccomp-agent.sock"
        #expect(seccompError { _ = try withListener.compile() }?.description.contains("listenerPath: \"/run/seccomp-agent.sock\" is refused") == true)
        let trace = LinuxSeccomp(defaultAction: .errno, syscalls: [.init(names: ["read"], action: .allow), .init(names: ["mount"], action: .trace)])
        #expect(seccompError { _ = try trace.compile() }?.description.contains("syscalls[1].action: SCMP_ACT_TRACE is refused") == true)
    }

    @Test func sameArgumentTwiceBecomesSeparateRulesAsInRunc() throws {
        let filter = LinuxSeccomp(
            defaultAction: .errno,
            syscalls: [
                .init(
                    names: ["personality"], action: .allow,
                    args: [
                        .init(index: 0, value: 0, op: .equal), .init(index: 0, value: 8, op: .equal),
                    ])
            ])
        #expect(try filter.compile() > 0)
    }

    @Test func oversizedErrnoIsRefused() {
        let filter = LinuxSeccomp(defaultAction: .allow, syscalls: [.init(names: ["mount"], action: .errno, errnoRet: 70000)])
        let error = seccompError { _ = try filter.compile() }
        #expect(error?.description.contains("syscalls[0].errnoRet") == true)
    }
}
