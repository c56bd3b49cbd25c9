import Foundation
import Testing

/// Looks at a state root from outside, the way an administrator (or an attacker) would.
enum StoreInspection {
    /// Every path below `root` outside the images' own rootfs trees, with its mode.
    static func entries(_ root: URL) -> [(path: String, mode: Int, isDirectory: Bool)] {
        var result: [(String, Int, Bool)] = []
        let rootfs = root.appendingPathComponent("rootfs").path + "/"
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        while let relative = walker.nextObject() as? String {
            let full = root.appendingPathComponent(relative).path
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            if full.hasPrefix(rootfs) && full.dropFirst(rootfs.count).contains("/") { continue }
            if full.hasPrefix(rootfs) && isDirectory { walker.skipDescendants() }
            result.append((relative, Int(info.st_mode & 0o7777), isDirectory))
        }
        return result
    }

    /// Entries that are not root-only: directories other than 0700, files other than 0600, except the
    /// image roots `rootfs/<hex>` (the container's `/`, 0755) and the directories a container's root in its
    /// user namespace passes through to its own root (`.`, `containers`, `containers/<id>`, its `volumes`: 0701).
    static func notRootOnly(_ root: URL) -> [String] {
        entries(root).compactMap { entry in
            if entry.path.hasPrefix("rootfs/") && entry.path.split(separator: "/").count == 2 && !entry.path.contains(".tmp-") {
                return entry.mode == 0o755 ? nil : "\(entry.path) \(String(entry.mode, radix: 8))"
            }
            let wanted = entry.isDirectory ? 0o700 : 0o600
            let parts = entry.path.split(separator: "/")
            let passable = entry.isDirectory && parts.first == "containers" && (parts.count <= 2 || (parts.count == 3 && parts[2] == "volumes"))
            return entry.mode == wanted || (passable && entry.mode == 0o701) ? nil : "\(entry.path) \(String(entry.mode, radix: 8))"
        } + ([0o700, 0o701].contains(mode(root)) ? [] : [". \(String(mode(root), radix: 8))"])
    }

    /// Makes a store look like one the previous securerun made: 0755 directories, 0644 files, and the
    /// empty marker it wrote (this version marks a store it has tightened all the way down).
    static func loosen(_ root: URL) {
        _ = truncate(root.appendingPathComponent(".securerun-state").path, 0)
        for entry in entries(root) {
            chmod(root.appendingPathComponent(entry.path).path, entry.isDirectory ? 0o755 : 0o644)
        }
        chmod(root.path, 0o755)
    }

    static func mode(_ url: URL) -> Int {
        var info = stat()
        return lstat(url.path, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
    }

    /// Temporary entries and work areas left in the store.
    static func leftovers(_ root: URL) -> [String] {
        var found: [String] = []
        for directory in ["rootfs", "blobs/sha256", "images/tags", "images/by-digest", "images/unpacked"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)) ?? []
            found += names.filter { $0.hasPrefix(".tmp-") }.map { "\(directory)/\($0)" }
        }
        found += ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path)) ?? []).map { "tmp/\($0)" }
        return found.sorted()
    }

    /// The image's manifest digest hex from `image inspect`.
    static func digest(_ reference: String, _ cli: CLI) throws -> String {
        let result = try cli.run(["image", "inspect", reference])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        guard let digest = object?["manifestDigest"] as? String else { throw TestFailure("no digest for \(reference): \(result)") }
        return String(digest.dropFirst("sha256:".count))
    }

    /// Runs every command at once (each a separate securerun process) and returns their results in order.
    static func concurrently(_ commands: [[String]], root: URL, logs: URL) throws -> [CLIResult] {
        var processes: [(Process, URL, URL)] = []
        for (index, arguments) in commands.enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(["SECURERUN_ROOT": root.path]) { $1 }
            let out = logs.appendingPathComponent("\(index).out")
            let err = logs.appendingPathComponent("\(index).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            processes.append((process, out, err))
        }
        for (process, _, _) in processes { try process.run() }
        return processes.map { process, out, err in
            process.waitUntilExit()
            return CLIResult(
                status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    /// Polls (up to `seconds`) until `condition` holds.
    static func waitUntil(seconds: Double = 60, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }

    /// A rootfs of `files` files of 4 KiB random bytes in 100 directories: big enough that packing and
    /// unpacking take a while, so a test can kill an import in the middle of either.
    static func largeRootfs(at directory: URL, files: Int) throws {
        let script = """
            import os, sys
            root, count = sys.argv[1], int(sys.argv[2])
            for d in range(100):
                os.makedirs(f"{root}/data/d{d}", exist_ok=True)
            for i in range(count):
                with open(f"{root}/data/d{i % 100}/f{i}", "wb") as f:
                    f.write(os.urandom(4096))
            """
        let result = try CLI.exec("python3", ["-c", script, directory.path, String(files)])
        guard result.status == 0 else { throw TestFailure("cannot make the large rootfs: \(result)") }
    }

    /// An OCI layout at `layout` whose one layer is a gzip bomb: a tar with one `megabytes` MiB file of
    /// zeros, written as concatenated gzip members (a valid gzip stream) so it takes milliseconds to make.
    /// Its config names a made-up diff_id: a limit must stop the import before the diff_id is compared.
    static func gzipBombLayout(at layout: URL, megabytes: Int) throws {
        let script = """
            import gzip, hashlib, json, os, sys, tarfile
            out, size = sys.argv[1], int(sys.argv[2]) << 20
            os.makedirs(out + "/blobs/sha256", exist_ok=True)
            def put(data):
                digest = hashlib.sha256(data).hexdigest()
                open(f"{out}/blobs/sha256/{digest}", "wb").write(data)
                return {"digest": "sha256:" + digest, "size": len(data)}
            info = tarfile.TarInfo("zeros"); info.size = size; info.mode = 0o644; info.mtime = 1700000000
            megabyte = gzip.compress(bytes(1 << 20), 9, mtime=0)
            layer = gzip.compress(info.tobuf(format=tarfile.PAX_FORMAT), 9, mtime=0) + megabyte * (size >> 20) + gzip.compress(bytes(1024), 9, mtime=0)
            config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}}
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **put(json.dumps(config).encode())),
                        "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **put(layer))]}
            top = dict(mediaType="application/vnd.oci.image.manifest.v1+json", **put(json.dumps(manifest).encode()))
            open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
            open(out + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [top]}))
            print(manifest["layers"][0]["digest"], manifest["layers"][0]["size"])
            """
        let result = try CLI.exec("python3", ["-c", script, layout.path, String(megabytes)])
        guard result.status == 0 else { throw TestFailure("cannot make the bomb layout: \(result)") }
    }
}
