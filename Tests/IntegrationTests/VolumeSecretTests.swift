import Foundation
import Glibc
import Testing

/// Volumes never hand a container the host's credentials, and with a volume its ids are not host system ids.
@Suite("securerun run: host credentials and host ids through volumes")
struct VolumeSecretTests {
    static let refusedSources: [(volume: String, flag: String, rule: String)] = [
        ("/etc/shadow:/s", "-v /etc/shadow:/s", "SR010"),
        ("/etc:/e", "-v /etc:/e", "SR010"),
        ("/root/.ssh:/x", "-v /root/.ssh:/x", "SR010"),
        ("/home:/h", "-v /home:/h", "SR010"),
        ("/etc/ssh:/k", "-v /etc/ssh:/k", "SR010"),
    ]

    @Test("a credential path or a directory containing one is refused as a volume", arguments: refusedSources.indices)
    func credentialVolumeRefused(_ index: Int) throws {
        guard let fixture = RunFixture.available() else { return }
        let (volume, flag, rule) = Self.refusedSources[index]
        let result = try fixture.run(["-v", volume], ["cat", "/s"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("securerun: \(flag) refused by profile \"unattested\": the host path "), "\(result.stderr)")
        #expect(result.stderr.contains("holds host credentials") && result.stderr.hasSuffix("[\(rule) safe-volumes]\n"), "\(result.stderr)")
    }

    @Test func aSymlinkToEtcIsRefusedAsEtc() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-link-to-etc")
        let link = temp.url.appendingPathComponent("link-to-etc")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc")
        let result = try fixture.run(["-v", "\(link.path):/e:ro"], ["cat", "/e/shadow"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains("the host path /etc contains /etc/"), "\(result.stderr)")
    }

    @Test func aSystemGroupWithAVolumeIsRefusedAndWithoutOneFollowsTheNonRootRule() throws {
        guard let fixture = RunFixture.available() else { return }
        let temp = try TemporaryDirectory("securerun-volume-ids")
        try "hello\n".write(to: temp.url.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let refused = try fixture.run(["-v", "\(temp.url.path):/d:ro", "--user", "65534:42"], ["id", "-G"])
        #expect(refused.status == 125, "\(refused)")
        #expect(
            refused.stderr.hasPrefix("securerun: --user 65534:42 refused by profile \"unattested\": with a volume mounted, the requested gid 42"),
            "\(refused.stderr)")
        #expect(refused.stderr.hasSuffix("[SR014 volume-host-ids]\n"))
        // The same ids without a volume: only SR001 applies, and the kernel reports exactly that gid, no others.
        let alone = try fixture.run(["--user", "65534:42"], ["sh", "-c", "id -u; id -G"])
        #expect(alone.status == 0, "\(alone)")
        #expect(alone.stdout == "65534\n42\n")
        // A harmless directory with ordinary ids is still mounted.
        let allowed = try fixture.run(["-v", "\(temp.url.path):/d:ro", "--user", "1000:1000"], ["cat", "/d/file"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stdout == "hello\n")
    }

    @Test("the host's shadow file cannot be read through any spelling securerun accepts")
    func shadowUnreadableThroughEverySpelling() throws {
        guard let fixture = RunFixture.available() else { return }
        let shadow = try String(contentsOfFile: "/etc/shadow", encoding: .utf8)
        let firstLine = try #require(shadow.split(separator: "\n").first.map(String.init))
        let temp = try TemporaryDirectory("securerun-shadow")
        let symlink = temp.url.appendingPathComponent("shadow-link")
        try FileManager.default.createSymbolicLink(atPath: symlink.path, withDestinationPath: "/etc/shadow")
        let etcLink = temp.url.appendingPathComponent("etc-link")
        try FileManager.default.createSymbolicLink(atPath: etcLink.path, withDestinationPath: "/etc")
        // A hard link and a bind mount reach the same inodes under innocent names.
        let hardLink = temp.url.appendingPathComponent("hard")
        #expect(link("/etc/shadow", hardLink.path) == 0, "link: errno \(errno)")
        defer { unlink(hardLink.path) }
        // The bind mount point lives outside the temporary directory, whose recursive removal must never
        // meet a mount; it is unmounted and removed with rmdir, which never descends.
        let bound = URL(fileURLWithPath: "/tmp/securerun-etc-bind-\(UUID().uuidString.prefix(8))")
        #expect(mkdir(bound.path, 0o700) == 0)
        let mounted = try CLI.exec("mount", ["--bind", "/etc", bound.path])
        #expect(mounted.status == 0, "\(mounted)")
        defer {
            _ = try? CLI.exec("umount", ["--lazy", bound.path])
            rmdir(bound.path)
        }

        let attempts: [(volume: String, read: String)] = [
            ("/etc/shadow:/s", "/s"), ("/etc//shadow:/s", "/s"), ("/etc/./shadow:/s", "/s"), ("/etc/../etc/shadow:/s", "/s"),
            ("\(symlink.path):/s", "/s"), ("\(etcLink.path):/e", "/e/shadow"), ("/etc:/e", "/e/shadow"), ("/:/h", "/h/etc/shadow"),
            ("\(hardLink.path):/s", "/s"), ("\(bound.path):/e", "/e/shadow"), ("\(bound.path)/shadow:/s", "/s"),
        ]
        for user in ["65534:42", "65534:65534"] {
            for attempt in attempts {
                let result = try fixture.run(["-v", "\(attempt.volume):ro", "--user", user], ["cat", attempt.read])
                #expect(!result.stdout.contains(firstLine), "\(attempt.volume) as \(user) printed the shadow file")
                #expect(result.status == 125, "\(attempt.volume) as \(user): \(result)")
                #expect(result.stderr.contains("[SR010 safe-volumes]"), "\(attempt.volume) as \(user): \(result.stderr)")
            }
        }
    }
}
