import Foundation
import Testing

@testable import Policy

/// A profile or seccomp file that is a FIFO (or a /proc file that streams) must be refused at once:
/// `securerun run --profile FIFO` used to wait for a writer for ever.
@Suite("profiles: files that are not plain files are refused, never waited on")
struct ProfileFIFOAttackTests {
    @Test func attackAProfileThatIsAFIFOIsRefusedWithoutBlocking() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("profile.yaml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        #expect {
            _ = try ProfileLoader.load(file: fifo)
        } throws: { error in
            "\(error)".contains("not a regular file")
        }
    }

    @Test func attackASeccompFileThatIsAFIFOIsRefusedWithoutBlocking() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("seccomp.json")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let profile = directory.appendingPathComponent("p.yaml")
        try "name: fifo\nseccomp: \(fifo.path)\n".write(to: profile, atomically: true, encoding: .utf8)
        #expect {
            _ = try ProfileLoader.load(file: profile)
        } throws: { error in
            "\(error)".contains("not a regular file")
        }
    }

    @Test func attackAProcFileThatStreamsIsRefused() throws {
        #expect(throws: PolicyError.self) { _ = try ProfileLoader.load(file: URL(fileURLWithPath: "/proc/kmsg")) }
    }

    @Test func aProfileNamedThroughASymlinkStillLoads() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = directory.appendingPathComponent("real.yaml")
        try "name: linked\nseccomp: default\n".write(to: real, atomically: true, encoding: .utf8)
        let link = directory.appendingPathComponent("link.yaml")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        #expect(try ProfileLoader.load(file: link).name == "linked")
    }
}
