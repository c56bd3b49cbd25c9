import Foundation
import Testing

@testable import Images

/// `secure()` runs after every command (`ps` included) on whatever `$SECURERUN_ROOT` names. Pointed at a
/// directory that is not a store (a typo, `SECURERUN_ROOT=/home`, or a predictable /tmp name another user
/// made a symlink to a root-owned directory), it must not take over that directory's contents.
@Suite struct StateRootMisuseTests {
    /// A directory that is not a store: entries of other users and public modes, one named like a store area.
    static func foreignDirectory(_ temp: TempDir) throws -> URL {
        let root = temp.path("not-a-store")
        try temp.write("not-a-store/hosts", "127.0.0.1 localhost\n", mode: 0o644)
        try temp.write("not-a-store/home1/notes", "mine\n", mode: 0o644)
        try temp.write("not-a-store/tmp/job/output", "work\n", mode: 0o644)
        for directory in ["", "/home1", "/tmp", "/tmp/job"] { chmod(root.path + directory, 0o755) }
        if geteuid() == 0 {
            chown(root.path + "/home1", 65534, 65534)
            chown(root.path + "/tmp/job/output", 65534, 65534)
        }
        return root
    }

    static func modeAndOwner(_ path: String) -> (mode: mode_t, uid: uid_t) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return (0, 0) }
        return (info.st_mode & 0o7777, info.st_uid)
    }

    @Test func secureNeverChmodsOrChownsTheEntriesOfADirectoryThatIsNotAStore() throws {
        let temp = TempDir()
        let root = try Self.foreignDirectory(temp)
        let before = ["", "/hosts", "/home1", "/tmp", "/tmp/job", "/tmp/job/output"].map { ($0, Self.modeAndOwner(root.path + $0)) }
        // Refusing is fine (one error naming the directory); taking it over is not.
        _ = try? ImageStore(root: root).secure()
        for (relative, was) in before {
            let now = Self.modeAndOwner(root.path + relative)
            #expect(
                now.mode == was.mode && now.uid == was.uid,
                "not-a-store\(relative): mode \(String(was.mode, radix: 8)) uid \(was.uid) became mode \(String(now.mode, radix: 8)) uid \(now.uid)")
        }
    }

    @Test func aSymlinkedStateRootThatPointsIntoAnotherRootOwnedDirectoryDoesNotTakeItOver() throws {
        let temp = TempDir()
        let target = try Self.foreignDirectory(temp)
        let link = temp.path("predictable-state-root")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let before = ["/hosts", "/home1", "/tmp/job/output"].map { ($0, Self.modeAndOwner(target.path + $0)) }
        _ = try? ImageStore(root: link).secure()
        for (relative, was) in before {
            let now = Self.modeAndOwner(target.path + relative)
            #expect(now.mode == was.mode && now.uid == was.uid, "\(relative) changed through the symlinked state root")
        }
    }
}
