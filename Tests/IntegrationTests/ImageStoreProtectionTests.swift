import Foundation
import Testing

/// The image store as a local non-root user, a careless umask, an older securerun and a hostile image
/// find it: root-only, checked, bounded, and never holding a setuid bit.
@Suite("securerun image store: root-only, checked, bounded", .serialized)
struct ImageStoreProtectionTests {
    /// A busybox rootfs with files the image itself makes world-writable and owned by uid 1000.
    func writableImageRootfs(in temp: URL) throws -> URL {
        let rootfs = temp.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("app"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("bin/busybox").path)
        try "echo trusted\n".write(to: rootfs.appendingPathComponent("app/run.sh"), atomically: true, encoding: .utf8)
        chmod(rootfs.appendingPathComponent("app/run.sh").path, 0o777)
        chown(rootfs.appendingPathComponent("app/run.sh").path, 1000, 1000)
        chmod(rootfs.appendingPathComponent("app").path, 0o777)
        try "su\n".write(to: rootfs.appendingPathComponent("bin/su"), atomically: true, encoding: .utf8)
        chmod(rootfs.appendingPathComponent("bin/su").path, 0o4755)
        return rootfs
    }

    /// Runs `command` as uid:gid 1000 with no supplementary groups.
    func asLocalUser(_ command: [String]) throws -> CLIResult {
        try CLI.exec("setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups"] + command)
    }

    // Attack: a local uid 1000 edited a 0777 file the image owns as 1000, and the next run executed it.
    @Test("a local user cannot read or change an admitted image or its blobs, even after an import under umask 000")
    func localUsersAreLockedOut() throws {
        guard Requirements.met(tools: ["busybox", "setpriv"]) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let rootfs = try writableImageRootfs(in: temp.url)
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let imported = try CLI.exec(
            "/bin/sh", ["-c", "umask 000; exec \"$0\" image import --rootfs \"$1\" --tag store/app:1", CLI.binary, rootfs.path],
            environment: ["SECURERUN_ROOT": cli.root.path])
        #expect(imported.status == 0, "\(imported)")
        #expect(StoreInspection.notRootOnly(cli.root).isEmpty, "\(StoreInspection.notRootOnly(cli.root))")

        let hex = try StoreInspection.digest("store/app:1", cli)
        let script = cli.root.appendingPathComponent("rootfs/\(hex)/app/run.sh").path
        var info = stat()
        #expect(lstat(script, &info) == 0 && info.st_mode & 0o7777 == 0o777 && info.st_uid == 1000, "the image's own modes and owners are kept")
        #expect(lstat(cli.root.appendingPathComponent("rootfs/\(hex)/bin/su").path, &info) == 0 && info.st_mode & 0o7777 == 0o755, "setuid stripped")

        let append = try asLocalUser(["/bin/sh", "-c", "echo 'id -u' >> \"$0\"", script])
        #expect(append.status != 0 && append.stderr.contains("Permission denied"), "\(append)")
        let read = try asLocalUser(["cat", script])
        #expect(read.status != 0 && read.stderr.contains("Permission denied"), "\(read)")
        let blob = try #require(try FileManager.default.contentsOfDirectory(atPath: cli.root.appendingPathComponent("blobs/sha256").path).first)
        let readBlob = try asLocalUser(["cat", cli.root.appendingPathComponent("blobs/sha256/\(blob)").path])
        #expect(readBlob.status != 0 && readBlob.stderr.contains("Permission denied"), "\(readBlob)")
        let list = try asLocalUser(["ls", cli.root.path])
        #expect(list.status != 0, "\(list)")
        #expect(try String(contentsOfFile: script, encoding: .utf8) == "echo trusted\n")
        #expect(try cli.run(["image", "check"]).status == 0)
    }

    // Attack: a store made by the previous version (0755 directories, 0644 blobs) stays open after the upgrade.
    @Test("a store made by the previous version is made root-only by whichever command runs first", arguments: ["ls", "inspect", "check", "verify"])
    func olderStoresAreTightened(_ command: String) throws {
        guard Requirements.met(tools: ["busybox"]) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let rootfs = try writableImageRootfs(in: temp.url)
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        #expect(try cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "old/app:1"]).status == 0)
        let hex = try StoreInspection.digest("old/app:1", cli)
        StoreInspection.loosen(cli.root)
        #expect(StoreInspection.notRootOnly(cli.root).count > 5)

        let arguments = command == "ls" ? ["image", "ls"] : ["image", command, "old/app:1"]
        let result = try cli.run(arguments)
        #expect(result.status == (command == "verify" ? 1 : 0), "\(result)")
        #expect(StoreInspection.notRootOnly(cli.root).isEmpty, "\(StoreInspection.notRootOnly(cli.root))")
        #expect(StoreInspection.mode(cli.root.appendingPathComponent("rootfs/\(hex)")) == 0o755)
        #expect(StoreInspection.mode(cli.root.appendingPathComponent("rootfs/\(hex)/app/run.sh")) == 0o777, "image files keep their modes")
    }

    @Test("image check names every edited, chmod'ed, chown'ed and added file and every altered blob; exit 1, 0 when clean, 125 when unknown")
    func checkNamesEveryDifference() throws {
        guard Requirements.met(tools: ["busybox"]) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let rootfs = try writableImageRootfs(in: temp.url)
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        #expect(try cli.run(["image", "import", "--rootfs", rootfs.path, "--tag", "check/app:1"]).status == 0)
        try "other\n".write(to: temp.url.appendingPathComponent("other.txt"), atomically: true, encoding: .utf8)
        let otherTree = temp.url.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: otherTree, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: otherTree.appendingPathComponent("busybox").path)
        #expect(try cli.run(["image", "import", "--rootfs", otherTree.path, "--tag", "check/other:1"]).status == 0)
        let clean = try cli.run(["image", "check"])
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stdout.split(separator: "\n").count == 2 && clean.stdout.contains("check/app:1 ") && clean.stdout.contains(": ok ("))

        let hex = try StoreInspection.digest("check/app:1", cli)
        let image = cli.root.appendingPathComponent("rootfs/\(hex)").path
        try "echo pwned\n".write(toFile: image + "/app/run.sh", atomically: false, encoding: .utf8)
        chmod(image + "/bin/busybox", 0o4755)
        chown(image + "/bin/su", 1000, 1000)
        try "new\n".write(toFile: image + "/app/added", atomically: false, encoding: .utf8)
        let manifest = try JSONSerialization.jsonObject(with: Data(try cli.run(["image", "inspect", "check/app:1"]).stdout.utf8)) as? [String: Any]
        let layer = try #require(((manifest?["layers"] as? [[String: Any]])?.first?["digest"] as? String)?.dropFirst(7))
        let blob = cli.root.appendingPathComponent("blobs/sha256/\(layer)")
        var bytes = try Data(contentsOf: blob)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: blob)

        let found = try cli.run(["image", "check"])
        #expect(found.status == 1, "\(found)")
        let prefix = "check/app:1 \(hex.prefix(12)): "
        let lines = found.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains(prefix + "rootfs /app/run.sh: content changed (13 bytes, now 11)"), "\(found)")
        #expect(lines.contains(prefix + "rootfs /bin/busybox: mode changed from 0755 to 4755 (setuid)"))
        #expect(lines.contains(prefix + "rootfs /bin/su: owner changed from 0:0 to 1000:1000"))
        #expect(lines.contains(prefix + "rootfs /app/added: added (file 0644 0:0, 4 bytes)"))
        #expect(lines.contains { $0.hasPrefix(prefix + "layer 1/1 blob sha256:\(layer) does not match its digest") })
        #expect(lines.contains { $0.hasPrefix("check/other:1 ") && $0.hasSuffix(")") && $0.contains(": ok (") }, "the other image is fine")
        #expect(lines.count == 6)

        let json = try cli.run(["image", "check", "--json", "check/app:1"])
        #expect(json.status == 1)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 1 && entries.first?["ok"] as? Bool == false && (entries.first?["differences"] as? [String])?.count == 5)

        let unknown = try cli.run(["image", "check", "nope:1"])
        #expect(unknown.status == 125)
        #expect(unknown.stderr.hasPrefix("securerun: no image 'nope:1' in the store"), "\(unknown)")
    }

    // Attack: a 1 MB gzip layer that expands to 1.1 GB fills the host's disk.
    @Test("a gzip bomb layer is refused while it streams: one line naming the layer and the limit, nothing stored, little memory")
    func gzipBombIsRefused() throws {
        guard Requirements.met(tools: ["python3", "time"]) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let layout = temp.url.appendingPathComponent("bomb")
        try StoreInspection.gzipBombLayout(at: layout, megabytes: 1100)
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let memory = temp.url.appendingPathComponent("rss")
        let result = try CLI.exec(
            "/usr/bin/time", ["-f", "%M", "-o", memory.path, CLI.binary, "image", "import", layout.path, "--tag", "bomb:1"],
            environment: ["SECURERUN_ROOT": cli.root.path])
        #expect(result.status == 125, "\(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("securerun: refusing layer sha256:"), "\(result.stderr)")
        #expect(result.stderr.contains("it expands past 128 MiB from 1.1 MiB compressed"), "\(result.stderr)")
        #expect(result.stderr.contains("raise store.maxExpansionRatio in the store: section of the profile given with --profile; nothing was stored"))
        #expect(StoreInspection.leftovers(cli.root).isEmpty, "\(StoreInspection.leftovers(cli.root))")
        for directory in ["blobs/sha256", "rootfs", "images/by-digest", "images/tags"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: cli.root.appendingPathComponent(directory).path)) ?? []
            #expect(names.isEmpty, "\(directory): \(names)")
        }
        let kilobytes =
            Int((try String(contentsOf: memory, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") ?? 0
        #expect(kilobytes > 0 && kilobytes < 150_000, "peak RSS \(kilobytes) KiB")
        let listed = try cli.run(["image", "ls", "--json"])
        #expect(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || listed.stdout.contains("[]"), "\(listed)")
    }

    // Attack: a layer of a million empty files compresses to almost nothing and exhausts the host's inodes.
    @Test("a file-count bomb is refused at the profile's store.maxFiles and the default profile still imports the tree")
    func fileCountBombIsRefused() throws {
        guard Requirements.met(tools: []) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let tree = temp.url.appendingPathComponent("many")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for index in 0..<3000 {
            _ = FileManager.default.createFile(atPath: tree.appendingPathComponent("f\(index)").path, contents: nil)
        }
        let profile = try RunFixture.writeProfile(in: temp.url, name: "small-store", extra: "store:\n  maxFiles: 1000")
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let refused = try cli.run(["image", "import", "--rootfs", tree.path, "--tag", "many:1", "--profile", profile])
        #expect(refused.status == 125)
        #expect(refused.stderr.hasPrefix("securerun: refusing layer sha256:"), "\(refused)")
        #expect(refused.stderr.contains("the image has more than 1000 entries (store.maxFiles 1000); if the image is genuine, raise store.maxFiles"))
        #expect(StoreInspection.leftovers(cli.root).isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: cli.root.appendingPathComponent("rootfs").path)) ?? []).isEmpty)
        let imported = try cli.run(["image", "import", "--rootfs", tree.path, "--tag", "many:1"])
        #expect(imported.status == 0, "\(imported)")
    }

    @Test("a profile that still sets keepSetuid is refused with one line saying why and what to do")
    func keepSetuidProfilesAreRefused() throws {
        guard Requirements.met(tools: [], needsRoot: false) else { return }
        let temp = try TemporaryDirectory("securerun-store-it")
        let profile = try RunFixture.writeProfile(in: temp.url, name: "old", extra: "keepSetuid: true")
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        for arguments in [
            ["image", "import", "--rootfs", temp.url.path, "--tag", "x:1", "--profile", profile],
            ["image", "pull", "--insecure", "--profile", profile, "127.0.0.1:1/x:1"],
        ] {
            let result = try cli.run(arguments)
            #expect(result.status == 125)
            #expect(
                result.stderr
                    == "securerun: \(profile): field keepSetuid: was removed: setuid and setgid bits are now always stripped when an image is unpacked (no-new-privileges makes them inert inside containers, and on the host a setuid-root file in the store is a local root hole); delete the line\n",
                "\(result)")
        }
    }
}
