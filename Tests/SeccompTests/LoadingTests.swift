import Foundation
import Testing

@testable import Seccomp

@Suite struct LoadingTests {
    @Test(arguments: Fixture.referenceProfiles)
    func everyReferenceProfileLoads(name: String) throws {
        let profile = try SeccompProfile.load(contentsOf: Fixture.path(name))
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixture.path(name)))) as? [String: Any]
        let rawRules = raw?["syscalls"] as? [Any] ?? []
        #expect((profile.syscalls ?? []).count == rawRules.count)
    }

    @Test func oldFormatKeepsArchitecturesAndSingleNames() throws {
        let profile = try SeccompProfile.load(contentsOf: Fixture.path("moby-fixture-default-old-format.json"))
        #expect(profile.architectures == [.x86_64, .x86, .x32])
        #expect(profile.archMap == nil)
        #expect(profile.syscalls?.first?.name == "accept")
        #expect(profile.syscalls?.first?.names == nil)
    }

    @Test func newFormatKeepsArchMapAndConditions() throws {
        let profile = try SeccompProfile.load(contentsOf: Fixture.path("moby-default.json"))
        #expect(profile.defaultAction == .errno)
        #expect(profile.defaultErrnoRet == 1)
        #expect(profile.archMap?.first == .init(architecture: .x86_64, subArchitectures: [.x86, .x32]))
        #expect(profile.archMap?.contains { $0.architecture == .riscv64 && $0.subArchitectures == nil } == true)
        let ptrace = profile.syscalls?.first { $0.names == ["process_vm_readv", "process_vm_writev", "ptrace"] }
        #expect(ptrace?.includes?.minKernel == KernelVersion(kernel: 4, major: 8))
        let clone3 = profile.syscalls?.first { $0.names == ["clone3"] }
        #expect(clone3?.errnoRet == 38)
        #expect(clone3?.excludes?.caps == ["CAP_SYS_ADMIN"])
    }

    @Test func malformedJSONNamesTheFile() {
        let file = Fixture.path("invalid-truncated.json")
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: file) }
        #expect(error?.description.contains(file) == true)
        #expect(error?.description.contains("not valid JSON at line") == true)
    }

    @Test func unknownActionNamesTheField() {
        let file = Fixture.path("invalid-bad-action.json")
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: file) }
        #expect(error == .malformed(file: file, field: "syscalls[1].action", reason: error.map(reason) ?? ""))
        #expect(error?.description.contains("syscalls[1].action") == true)
        #expect(error?.description.contains("\"SCMP_ACT_ALOW\"") == true)
        #expect(error?.description.contains(file) == true)
    }

    @Test func unknownOperatorNamesTheField() {
        let file = Fixture.path("invalid-bad-operator.json")
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: file) }
        #expect(error?.description.contains("syscalls[0].args[0].op") == true)
        #expect(error?.description.contains("SCMP_CMP_BETWEEN") == true)
    }

    @Test func wrongTypeNamesTheField() {
        let json = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": "EPERM"}]}"#
        let error = seccompError { _ = try SeccompProfile.decode(Data(json.utf8), source: "inline.json") }
        #expect(error?.description == "invalid seccomp profile inline.json: syscalls[0].errnoRet: expected a whole number, found a string (line 1, column 110)")
    }

    @Test func missingDefaultActionIsReported() {
        let error = seccompError { _ = try SeccompProfile.decode(Data(#"{"syscalls": []}"#.utf8), source: "inline.json") }
        #expect(error?.description == "invalid seccomp profile inline.json: required field defaultAction is missing (line 1, column 1)")
    }

    @Test func missingFileIsReported() {
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: "/nonexistent/seccomp.json") }
        #expect(error == .unreadable(file: "/nonexistent/seccomp.json", reason: "no such file"))
    }

    private func reason(_ error: SeccompError) -> String {
        if case .malformed(_, _, let reason) = error { return reason }
        return ""
    }
}

/// Size, depth and one-reading limits on seccomp profiles, which callers supply (`--security-opt seccomp=FILE`).
@Suite struct LoadingLimitTests {
    @Test func profileNested200000LevelsIsOneLineNotACrash() {
        let depth = 200_000
        let json = #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let error = seccompError { _ = try SeccompProfile.decode(Data(json.utf8), source: "deep.json") }
        #expect(error?.description == "invalid seccomp profile deep.json: values nest more than 32 levels deep at line 1, column 80")
    }

    @Test func duplicateKeysAreRefusedHoweverEscaped() {
        // Two readers would disagree on which defaultAction applies (Foundation keeps one, jq the last).
        let json = #"{"defaultAction": "SCMP_ACT_ERRNO", "default\u0041ction": "SCMP_ACT_ALLOW"}"#
        let error = seccompError { _ = try SeccompProfile.decode(Data(json.utf8), source: "dup.json") }
        #expect(error?.description.hasPrefix("invalid seccomp profile dup.json: duplicate key \"defaultAction\"") == true)
    }

    @Test func hugeProfileFileIsRefusedWithoutReadingItAll() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-huge-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(repeating: 0x20, count: SeccompProfile.limits.maxBytes + 1).write(to: file)
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: file.path) }
        #expect(error == .malformed(file: file.path, field: nil, reason: "the file is larger than 4194304 bytes; a seccomp profile is a few kilobytes"))
    }

    @Test func endlessDeviceIsRefusedUnread() {
        // A device is never read at all (it used to be read up to the size limit).
        let error = seccompError { _ = try SeccompProfile.load(contentsOf: "/dev/zero") }
        #expect(error?.description == "cannot read seccomp profile /dev/zero: not a regular file (a FIFO, device or socket is never read)")
    }

    @Test func directoryIsNamed() {
        #expect(seccompError { _ = try SeccompProfile.load(contentsOf: "/tmp") } == .unreadable(file: "/tmp", reason: "is a directory"))
    }
}
