import Foundation
import Testing

/// The store after SIGKILL, beside a corrupt record, and under many commands at once.
@Suite("securerun image store: killed, corrupted and concurrent", .serialized)
struct ImageStoreFaultTests {
    /// A state root with a small busybox image already stored (it must come through every fault intact).
    func storeWithBusybox(_ temp: TemporaryDirectory) throws -> CLI {
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let tree = temp.url.appendingPathComponent("busybox")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: tree.appendingPathComponent("bin/busybox").path)
        let imported = try cli.run(["image", "import", "--rootfs", tree.path, "--tag", "kept/busybox:1"])
        guard imported.status == 0 else { throw TestFailure("import failed: \(imported)") }
        return cli
    }

    func entries(_ cli: CLI, _ directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: cli.root.appendingPathComponent(directory).path)) ?? []
    }

    // Fault: SIGKILL mid-import left tmp/import-* and a 380 MB rootfs/.tmp-* that no later command removed.
    @Test("SIGKILL while an import packs and while it unpacks: the next command leaves nothing behind and image check passes")
    func killedImportsAreSwept() throws {
        guard Requirements.met(tools: ["busybox", "python3"]) else { return }
        let temp = try TemporaryDirectory("securerun-fault-it")
        let cli = try storeWithBusybox(temp)
        let large = temp.url.appendingPathComponent("large")
        try StoreInspection.largeRootfs(at: large, files: 20_000)

        // Killed at two points: while the work area exists (packing), then while the rootfs is half unpacked.
        let points: [(String, (CLI) -> Bool)] = [
            ("tmp/import-*", { cli in self.entries(cli, "tmp").contains { $0.hasPrefix("import-") && !$0.hasSuffix(".lock") } }),
            ("rootfs/.tmp-import-*-unpack", { cli in self.entries(cli, "rootfs").contains { $0.hasPrefix(".tmp-import-") && $0.hasSuffix("-unpack") } }),
        ]
        for (index, (point, reached)) in points.enumerated() {
            let run = try BackgroundRun(
                ["image", "import", "--rootfs", large.path, "--tag", "large:\(index)"], root: cli.root, logDirectory: temp.url, name: "import-\(index)")
            #expect(StoreInspection.waitUntil { reached(cli) }, "the import never reached \(point)")
            run.killHard()
            #expect(!StoreInspection.leftovers(cli.root).isEmpty, "killed at \(point), something is left to sweep")

            let listed = try cli.run(["image", "ls"])
            #expect(listed.status == 0, "\(listed)")
            #expect(listed.stderr.contains("leftover"), "the sweep says what it removed: \(listed.stderr)")
            #expect(StoreInspection.leftovers(cli.root).isEmpty, "after a kill at \(point): \(StoreInspection.leftovers(cli.root))")
            #expect(!listed.stdout.contains("large"), "the killed import stored nothing")
            let checked = try cli.run(["image", "check"])
            #expect(checked.status == 0, "\(checked)")
        }

        let finished = try cli.run(["image", "import", "--rootfs", large.path, "--tag", "large:done"], timeout: 300)
        #expect(finished.status == 0, "\(finished)")
        let checked = try cli.run(["image", "check"], timeout: 300)
        #expect(checked.status == 0 && checked.stdout.split(separator: "\n").count == 2, "\(checked)")
        #expect(StoreInspection.leftovers(cli.root).isEmpty)
    }

    @Test("commands that sweep never touch an import still running in another process")
    func liveImportsAreNotSwept() throws {
        guard Requirements.met(tools: ["busybox", "python3"]) else { return }
        let temp = try TemporaryDirectory("securerun-fault-it")
        let cli = try storeWithBusybox(temp)
        let large = temp.url.appendingPathComponent("large")
        try StoreInspection.largeRootfs(at: large, files: 20_000)
        let run = try BackgroundRun(["image", "import", "--rootfs", large.path, "--tag", "large:1"], root: cli.root, logDirectory: temp.url, name: "live")
        let unpacking = { self.entries(cli, "rootfs").first { $0.hasPrefix(".tmp-import-") && $0.hasSuffix("-unpack") } }
        #expect(StoreInspection.waitUntil { unpacking() != nil })
        let before = unpacking()

        for arguments in [["image", "ls"], ["image", "rm", "kept/busybox:1"], ["image", "check"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(!result.stderr.contains("leftover"), "\(arguments) swept something: \(result.stderr)")
        }
        #expect(before != nil && unpacking() == before, "the unpack was still running after the sweeping commands")
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "the import finished: \(run.output)")
        let checked = try cli.run(["image", "check"], timeout: 300)
        #expect(checked.status == 0, "\(checked)")
        #expect(StoreInspection.leftovers(cli.root).isEmpty, "\(StoreInspection.leftovers(cli.root))")
    }

    // Fault: a single corrupt image record made `image ls` exit 125 and list nothing.
    @Test("a truncated record is listed as broken, with the reason, and every other image is still listed; exit 0")
    func brokenRecordsDoNotHideTheRest() throws {
        guard Requirements.met(tools: ["busybox"]) else { return }
        let temp = try TemporaryDirectory("securerun-fault-it")
        let cli = try storeWithBusybox(temp)
        let other = temp.url.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "x\n".write(to: other.appendingPathComponent("x"), atomically: true, encoding: .utf8)
        #expect(try cli.run(["image", "import", "--rootfs", other.path, "--tag", "broken/one:1"]).status == 0)
        let hex = try StoreInspection.digest("broken/one:1", cli)
        let record = cli.root.appendingPathComponent("images/by-digest/\(hex).json")
        let data = try Data(contentsOf: record)
        try data.prefix(data.count / 2).write(to: record)

        let listed = try cli.run(["image", "ls"])
        #expect(listed.status == 0, "\(listed)")
        let rows = listed.stdout.split(separator: "\n").map(String.init)
        #expect(rows.count == 3, "\(listed.stdout)")
        #expect(rows.contains { $0.hasPrefix("kept/busybox ") && $0.hasSuffix("none") })
        let broken = try #require(rows.first { $0.hasPrefix("broken/one ") })
        #expect(broken.contains(String(hex.prefix(12))), "\(broken)")
        #expect(broken.contains("BROKEN: invalid image \(record.path): cannot parse ImageRecord"), "\(broken)")

        let json = try cli.run(["image", "ls", "--json"])
        #expect(json.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 2)
        let entry = try #require(entries.first { $0["broken"] as? Bool == true })
        #expect(entry["manifestDigest"] as? String == "sha256:\(hex)")
        #expect(entry["names"] as? [String] == ["broken/one:1"])
        #expect((entry["reason"] as? String)?.contains("cannot parse ImageRecord") == true)
        #expect(entries.contains { ($0["names"] as? [String]) == ["kept/busybox:1"] && $0["attestation"] != nil })

        let checked = try cli.run(["image", "check"])
        #expect(checked.status == 1 && checked.stdout.contains("broken/one:1 \(hex.prefix(12)): image record"), "\(checked)")
        let removed = try cli.run(["image", "rm", "broken/one:1"])
        #expect(removed.status == 0, "a broken image can be removed: \(removed)")
        #expect(try cli.run(["image", "check"]).status == 0)
    }

    // Item 11: imports of one image mixed with removals of others and listings, all at once.
    @Test("16 concurrent imports of one image with removals of others and listings: right exit codes, a consistent store")
    func concurrentImportsRemovalsAndListings() throws {
        guard Requirements.met(tools: ["busybox"]) else { return }
        let temp = try TemporaryDirectory("securerun-fault-it")
        let cli = try storeWithBusybox(temp)
        let tree = temp.url.appendingPathComponent("same")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: tree.appendingPathComponent("bin/busybox").path)
        try "same\n".write(to: tree.appendingPathComponent("same"), atomically: true, encoding: .utf8)
        for index in 0..<4 {
            let other = temp.url.appendingPathComponent("other\(index)")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            try "\(index)\n".write(to: other.appendingPathComponent("file"), atomically: true, encoding: .utf8)
            #expect(try cli.run(["image", "import", "--rootfs", other.path, "--tag", "other:\(index)"]).status == 0)
        }
        let logs = temp.url.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var commands: [[String]] = (0..<16).map { ["image", "import", "--rootfs", tree.path, "--tag", "same:\($0)"] }
        commands += (0..<4).map { ["image", "rm", "other:\($0)"] }
        commands += (0..<4).map { _ in ["image", "ls"] }
        let results = try StoreInspection.concurrently(commands, root: cli.root, logs: logs)
        for (arguments, result) in zip(commands, results) {
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result)")
        }

        let listed = try cli.run(["image", "ls", "--json"])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(images.count == 2, "kept/busybox and same: \(listed.stdout)")
        #expect(images.contains { ($0["names"] as? [String])?.count == 16 })
        #expect(!images.contains { $0["broken"] != nil })
        let checked = try cli.run(["image", "check"])
        #expect(checked.status == 0, "\(checked)")
        #expect(StoreInspection.leftovers(cli.root).isEmpty, "\(StoreInspection.leftovers(cli.root))")
        #expect(StoreInspection.notRootOnly(cli.root).isEmpty)
    }
}
