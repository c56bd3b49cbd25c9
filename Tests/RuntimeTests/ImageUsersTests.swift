import Foundation
import Testing

@testable import Runtime

/// securerun reads an image's /etc/passwd and /etc/group as runc's libcontainer/user does, so the ids it
/// judges are the ids the runtime would pick; and it knows which supplementary gids the runtime would
/// look up again as other groups.
@Suite("ImageUsers: passwd and group read as runc reads them")
struct ImageUsersTests {
    /// A rootfs with these /etc/passwd and /etc/group.
    final class Rootfs {
        let url: URL
        init(passwd: String, group: String) throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("imageusers-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: url.appendingPathComponent("etc"), withIntermediateDirectories: true)
            try passwd.write(to: url.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
            try group.write(to: url.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    // The attack of issue 17: docker trims the line, so ` evil:x:0:0` is the first `evil`.
    @Test("a name is the first line of that name once lines are trimmed; comments and blank lines are skipped")
    func trimmedFirstMatch() throws {
        let rootfs = try Rootfs(
            passwd: " evil:x:0:0:e:/:/bin/sh\nevil:x:1000:1000:e:/:/bin/sh\n# app:x:0:0\n\n\tapp:x:1001:1001::/:/bin/sh\r\n",
            group: "root:x:0:app\n  staff:x:50:\n")
        #expect(ImageUsers.numeric("evil", rootfs: rootfs.url) == "0:0")
        #expect(ImageUsers.numeric("app", rootfs: rootfs.url) == "1001:1001")
        #expect(ImageUsers.numeric("app:staff", rootfs: rootfs.url) == "1001:50")
        #expect(ImageUsers.numeric("app:root", rootfs: rootfs.url) == "1001:0")
        #expect(ImageUsers.numeric("nobody", rootfs: rootfs.url) == nil)
    }

    @Test("a uid or gid field that is not a number is 0, as Go's strconv.Atoi error leaves it in runc")
    func unreadableNumbersAreRoot() throws {
        let rootfs = try Rootfs(passwd: "odd:x:10x0:1000::/:/bin/sh\nshort\nsigned:x:+1002:+1002::/:/bin/sh\n", group: "weird:x:abc:\n")
        #expect(ImageUsers.numeric("odd", rootfs: rootfs.url) == "0:1000")
        #expect(ImageUsers.numeric("short", rootfs: rootfs.url) == "0:0")
        #expect(ImageUsers.numeric("signed", rootfs: rootfs.url) == "1002:1002")
        #expect(ImageUsers.groupID("weird", rootfs: rootfs.url) == "0")
    }

    @Test("a supplementary gid that the group file names as another group, or a volume over the group file, is a problem")
    func renamedGroups() throws {
        let rootfs = try Rootfs(passwd: "", group: "root:x:0:\n1500:x:0:\n1600:x:1600:\n")
        #expect(ImageUsers.supplementaryGroupProblem([65534, 1600], rootfs: rootfs.url, volumeDestinations: ["/data"]) == nil)
        #expect(ImageUsers.supplementaryGroupProblem([65534, 1500], rootfs: rootfs.url, volumeDestinations: [])?.contains("gid 0") == true)
        for destination in ["/etc", "/etc/group", "/", "//etc/"] {
            #expect(ImageUsers.supplementaryGroupProblem([65534], rootfs: rootfs.url, volumeDestinations: [destination]) != nil, "\(destination)")
        }
    }

    @Test("a group file reached through a link is a problem once volumes could redirect it")
    func linkedGroupFile() throws {
        let rootfs = try Rootfs(passwd: "", group: "root:x:0:\n")
        let group = rootfs.url.appendingPathComponent("etc/group")
        try FileManager.default.removeItem(at: group)
        try FileManager.default.createSymbolicLink(atPath: group.path, withDestinationPath: "/data/group")
        #expect(ImageUsers.supplementaryGroupProblem([65534], rootfs: rootfs.url, volumeDestinations: []) == nil)
        #expect(ImageUsers.supplementaryGroupProblem([65534], rootfs: rootfs.url, volumeDestinations: ["/data"]) != nil)
    }
}
