import Foundation
import HostSystem
import Testing

/// `FileContents.readRegular`, the one bounded read of a file securerun did not make itself.
@Suite("HostSystem: bounded reads of regular files")
struct RegularFileReadTests {
    let directory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-read-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    @Test func aRegularFileIsReadToItsEnd() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("f")
        try Data(repeating: 7, count: 200_000).write(to: file)
        #expect(try FileContents.readRegular(file.path, limit: 200_000).count == 200_000)
    }

    @Test func attackAFIFOWhereAFileWasExpectedDoesNotHangTheReader() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect {
            _ = try FileContents.readRegular(fifo, limit: 1024)
        } throws: { error in
            if case .notRegular = error as? FileContents.RegularFileError { return true }
            return false
        }
    }

    @Test func attackASymlinkIsNotFollowed() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/hostname")
        #expect {
            _ = try FileContents.readRegular(link.path, limit: 1024)
        } throws: { error in
            if case .notRegular = error as? FileContents.RegularFileError { return true }
            return false
        }
    }

    @Test func attackAFileOverTheLimitIsRefusedNotTruncated() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big")
        try Data(repeating: 1, count: 4097).write(to: file)
        #expect {
            _ = try FileContents.readRegular(file.path, limit: 4096)
        } throws: { error in
            if case .tooLarge = error as? FileContents.RegularFileError { return true }
            return false
        }
    }

    @Test func aDeviceIsNotARegularFile() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            _ = try FileContents.readRegular("/dev/zero", limit: 1024)
        } throws: { error in
            if case .notRegular = error as? FileContents.RegularFileError { return true }
            return false
        }
    }
}
