import Foundation
import TestSupport
import Testing

@testable import Seccomp

/// The 32-bit and x32 ABIs against the shipped filter, checked in the kernel: a static 64-bit probe
/// (Tests/tools/compat-socket.c) calls socket() through `int $0x80` socketcall and through x32, under the
/// filter loaded as runc loads it. No root needed.
@Suite struct CompatABITests {
    /// Builds the probe with gcc (static and non-PIE, as the integration tests do); nil after recording
    /// why when gcc is missing.
    static func probe(in directory: URL) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") else {
            let reason = "gcc is not installed (apt-get install gcc libc6-dev); cannot build the compat-ABI probe"
            TestRun.skip(reason)
            return nil
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tools/compat-socket.c").path
        let output = directory.appendingPathComponent("compat-socket").path
        let gcc = Process()
        gcc.executableURL = URL(fileURLWithPath: "/usr/bin/gcc")
        gcc.arguments = ["-static", "-no-pie", "-O1", "-o", output, source]
        try gcc.run()
        gcc.waitUntilExit()
        guard gcc.terminationStatus == 0 else {
            Issue.record(Comment(rawValue: "gcc failed to build \(source)"))
            return nil
        }
        return output
    }

    static func lines(under program: [UInt8]?) throws -> [String]? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-compat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let probe = try probe(in: directory), let outcome = try EnforcementTests.runConfined([probe], program: program) else { return nil }
        #expect(outcome.status == 0, "\(outcome.output)")
        return outcome.output.split(separator: "\n").map(String.init)
    }

    #if arch(x86_64)
        @Test func shippedFilterCoversTheNativeABIOnlyAndNamesNoMultiplexer() throws {
            let filter = try Fixture.shippedDefaultResolved()
            #expect(filter.architectures == [.x86_64])
            #expect(!filter.allowsSometimes("socketcall"))
            #expect(!filter.allowsSometimes("ipc"))
        }

        @Test func i386SocketcallCannotCreateAVsockSocketPastTheSocketRule() throws {
            // The attack: socket() is allowed only for some address families (AF_VSOCK, 40, is not), but the
            // i386 socketcall multiplexer carries the family in memory, where no argument rule can see it.
            // libseccomp leaves the bad-architecture action at KILL and runc does not change it (the OCI spec
            // has no field for it), so a syscall from an ABI the filter does not list kills the caller with
            // SIGSYS (31): the socket is never made.
            guard let lines = try Self.lines(under: nil) else { return }
            #expect(
                lines == [
                    "i386 socketcall AF_VSOCK: killed by signal 31", "i386 socketcall AF_INET: killed by signal 31",
                    "x32 socket AF_VSOCK: killed by signal 31",
                ])
        }

        @Test func listingTheI386ABIWouldLetSocketcallReachVsockEvenWithSocketcallDenied() throws {
            // Why the shipped profile lists no compat ABI: with x86 in the filter, libseccomp also writes every
            // socket rule for socketcall(SYS_SOCKET), where arg0 is the call number and not the family, so the
            // family rule passes. socketcall is not named in the shipped profile, and still this succeeds.
            var profile = try SeccompProfile.load(contentsOf: Fixture.shippedDefault)
            profile.archMap = [.init(architecture: .x86_64, subArchitectures: [.x86, .x32])]
            let widened = try profile.resolve(capabilities: [], source: "widened.json")
            #expect(!widened.allowsSometimes("socketcall"))
            guard let lines = try Self.lines(under: try widened.bpfProgram()) else { return }
            #expect(lines.first == "i386 socketcall AF_VSOCK: ok")
        }
    #endif
}
