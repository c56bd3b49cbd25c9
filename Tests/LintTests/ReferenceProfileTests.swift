import Foundation
import Seccomp
import TestSupport
import Testing

@testable import Lint

/// Real seccomp profiles (Docker's, Podman's, the security-profiles-operator's, Kubernetes' tutorial ones)
/// lint without a crash, and what they get is recorded here: each finding as its rule and the syscall or
/// field it names, in file order. The record is what a reviewer would say of each profile: Docker's and
/// Podman's defaults let 32-bit programs reach socket through socketcall, Podman's allows mount, setns and
/// reboot to any container, the deny-everything tutorials could not start a program, allow-all is allow-all.
@Suite("Lint: real seccomp profiles")
struct ReferenceProfileTests {
    /// Syscalls moby's default names that are newer than libseccomp 2.5.4 (Debian 12's): unknown there,
    /// so securerun would refuse the profile on such a host, and lint says so.
    static let newerThan254 = [
        "getxattrat", "listmount", "listxattrat", "mseal", "removexattrat", "riscv_hwprobe", "setxattrat", "statmount", "uretprobe",
        "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr",
    ]

    static let podmanDefault = [
        "SR103 clone", "SR103 clone3", "SR103 keyctl", "SR103 mount", "SR103 name_to_handle_at", "SR103 pivot_root", "SR103 process_vm_readv",
        "SR103 process_vm_writev", "SR103 ptrace", "SR103 reboot", "SR103 setns", "SR104 socketcall", "SR103 umount", "SR103 umount2",
        "SR103 unshare", "SR105 socket",
    ]

    /// File → its findings (SR102 left out: which names are unknown depends on the host's libseccomp).
    static let expected: [String: [String]] = [
        "docker-labs-allow.json": ["SR101 defaultAction"],
        "docker-labs-default-no-chmod.json": ["SR107 defaultAction", "SR103 chroot"],
        "docker-labs-deny.json": ["SR107 defaultAction", "SR109 execve"],
        "jessfraz-chrome.json": [
            "SR107 defaultAction", "SR103 chroot", "SR103 clone", "SR103 name_to_handle_at", "SR103 open_by_handle_at", "SR103 setns",
            "SR103 unshare",
        ],
        "k8s-website-violation.json": ["SR109 execve", "SR107 defaultAction"],
        "moby-default.json": ["SR103 name_to_handle_at", "SR104 socketcall", "SR103 process_vm_readv", "SR103 process_vm_writev", "SR103 ptrace"],
        "moby-fixture-conditional-include.json": ["SR107 defaultAction", "SR109 execve", "SR103 ptrace"],
        "moby-fixture-default-old-format.json": ["SR107 defaultAction", "SR103 chroot"],
        "moby-fixture-example.json": ["SR109 execve"],
        "podman-containers-common-default.json": podmanDefault,
        "spo-baseprofile-runc.yaml": ["SR107 defaultAction"],
        "spo-bpf-recorder.json": ["SR107 defaultAction", "SR109 exit_group", "SR103 bpf", "SR103 clone", "SR103 clone3", "SR103 perf_event_open"],
        "spo-example-allowed-syscalls-validation.yaml": [
            "SR107 defaultAction", "SR109 execve", "SR107 defaultAction", "SR109 execve", "SR103 bpf", "SR105 syscalls[1]", "SR107 syscalls[1]",
            "SR101 defaultAction", "SR109 execve", "SR107 defaultAction",
        ],
        "spo-example-seccompprofile.yaml": [
            "SR109 execve", "SR107 defaultAction", "SR101 defaultAction", "SR108 defaultAction", "SR101 defaultAction", "SR101 defaultAction",
            "SR108 defaultAction", "SR107 syscalls[1]",
        ],
        "spo-security-profiles-operator.json": ["SR107 defaultAction", "SR103 clone", "SR103 clone3", "SR103 unshare"],
    ]

    /// A finding as `RULE subject`: the syscall an SR102 message quotes, else the message's first word.
    static func summary(_ finding: Finding) -> String {
        if finding.rule == "SR102" { return "SR102 " + (finding.message.split(separator: "\"").dropFirst().first.map(String.init) ?? "") }
        let word = finding.message.split(whereSeparator: { " ,:".contains($0) }).first.map(String.init) ?? ""
        return "\(finding.rule) \(word)"
    }

    @Test("each profile in Fixtures/reference gets the recorded findings, every one placed", arguments: expected.keys.sorted())
    func recorded(_ name: String) throws {
        let url = try LintFixtures.directory("reference/\(name)")
        let report = try LintFixtures.linter().lintFile(url.path, explicit: true)
        #expect(report.problem == nil)
        #expect(report.kind == .seccomp)
        #expect(report.findings.allSatisfy { $0.position != nil })
        let found = report.findings.map(Self.summary)
        #expect(found.filter { !$0.hasPrefix("SR102 ") } == Self.expected[name], "\(name): \(found)")
        let unknown = found.filter { $0.hasPrefix("SR102 ") }.map { String($0.dropFirst(6)) }
        if name == "moby-default.json" {
            // Only names really newer than the host's libseccomp; on 2.5.4 exactly the recorded ones.
            #expect(Set(unknown).isSubset(of: Self.newerThan254), "\(unknown)")
            if LibSeccomp.version == "2.5.4" { #expect(unknown == Self.newerThan254, "\(unknown)") }
        } else {
            #expect(unknown.isEmpty, "\(name): \(unknown)")
        }
    }

    @Test("what a reviewer reads: the reasons, with the fix where there is one")
    func messages() throws {
        let podman = try LintFixtures.linter().lintFile(LintFixtures.directory("reference/podman-containers-common-default.json").path, explicit: true)
        let messages = podman.findings.map(\.message)
        #expect(messages.contains("mount is allowed for every container and argument: it mounts filesystems over the container's view of the host"))
        #expect(messages.contains { $0.hasPrefix("socketcall is allowed while x86 is filtered too: 32-bit programs reach socket through it") })
        #expect(podman.findings.first { $0.rule == "SR103" && $0.message.hasPrefix("mount ") }?.severity == .error)
        #expect(podman.findings.first { $0.rule == "SR103" && $0.message.hasPrefix("clone ") }?.severity == .warning)
        let allow = try LintFixtures.linter().lintFile(LintFixtures.directory("reference/docker-labs-allow.json").path, explicit: true)
        #expect(allow.findings.map(\.position) == [SourcePosition(line: 2, column: 2)])
        let deny = try LintFixtures.linter().lintFile(LintFixtures.directory("reference/docker-labs-deny.json").path, explicit: true)
        #expect(deny.findings.contains { $0.message.hasPrefix("execve, exit_group, read, write, mmap, brk are denied, so no container could start") })
        if LibSeccomp.version == "2.5.4" {
            let moby = try LintFixtures.linter().lintFile(LintFixtures.directory("reference/moby-default.json").path, explicit: true)
            #expect(moby.findings.contains { $0.message.hasPrefix("unknown syscall \"getxattrat\": libseccomp 2.5.4 does not know it") })
        }
    }

    /// Podman's profile as Debian's containers-common installs it (a different version from the fixture's).
    @Test("Debian's /usr/share/containers/seccomp.json")
    func installedPodman() throws {
        let path = "/usr/share/containers/seccomp.json"
        guard FileManager.default.fileExists(atPath: path) else {
            let message = "\(path) is missing (scripts/test installs golang-github-containers-common)"
            TestRun.skip(message)
            return
        }
        let report = try LintFixtures.linter().lintFile(path, explicit: true)
        #expect(report.problem == nil)
        #expect(report.kind == .seccomp)
        #expect(report.findings.map(Self.summary) == Self.podmanDefault)
    }
}
