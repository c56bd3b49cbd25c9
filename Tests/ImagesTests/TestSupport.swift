import ContentDigest
import Foundation
import TestSupport
import Testing

@testable import Images

/// A temporary directory removed when the value is dropped at the end of a test.
final class TempDir {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-images-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes a text file, creating parent directories.
    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws -> URL {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        return file
    }
}

/// Runs a program and returns its exit status and combined output.
@discardableResult
func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let inputPipe = Pipe()
    process.standardInput = inputPipe
    try process.run()
    if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try? inputPipe.fileHandleForWriting.close()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Whether an external tool exists; when it does not, the test cannot run (`TestRun.skip`: a failure under CI).
func toolAvailable(_ path: String, for test: String) -> Bool {
    if FileManager.default.isExecutableFile(atPath: path) { return true }
    TestRun.skip("\(path) is required for \(test) and is not installed")
    return false
}

/// A small rootfs: a shell script, a symlink, a hard link, a nested directory.
func makeSampleRootfs(in temp: TempDir, name: String = "rootfs") throws -> URL {
    try temp.write("\(name)/bin/sh", "#!/bin/true\n", mode: 0o755)
    try temp.write("\(name)/etc/hostname", "sample\n")
    try temp.write("\(name)/usr/share/doc/readme", "hello\n")
    try FileManager.default.createSymbolicLink(atPath: temp.path("\(name)/bin/ash").path, withDestinationPath: "/bin/sh")
    try FileManager.default.linkItem(at: temp.path("\(name)/etc/hostname"), to: temp.path("\(name)/etc/hostname.link"))
    return temp.path(name)
}

/// Writes an OCI layout whose one layer is `layer` (gzip) and whose config names `diffID` (default: the
/// real diff_id is not computed, a limit must fire before it is compared).
func makeLayout(layer: URL, diffID: Digest? = nil, at layout: URL) throws -> Digest {
    let blobs = layout.appendingPathComponent("blobs/sha256")
    try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
    func put(_ data: Data) throws -> (Digest, Int) {
        let digest = Digest.of(data)
        try data.write(to: blobs.appendingPathComponent(digest.hex))
        return (digest, data.count)
    }
    let (layerDigest, layerSize) = try put(try Data(contentsOf: layer))
    let diff = diffID?.description ?? "sha256:" + String(repeating: "0", count: 64)
    let (configDigest, configSize) = try put(Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(diff)"]}}"#.utf8))
    let manifest = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":\(configSize)},\
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layerDigest)","size":\(layerSize)}]}
        """
    let (manifestDigest, manifestSize) = try put(Data(manifest.utf8))
    try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
    let index =
        #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(manifestDigest)","size":\#(manifestSize)}]}"#
    try Data(index.utf8).write(to: layout.appendingPathComponent("index.json"))
    return manifestDigest
}

/// Every path below `root` (relative), files and directories, skipping the trees of unpacked images.
func storeEntries(_ root: URL) -> [(path: String, mode: Int, isDirectory: Bool)] {
    var result: [(String, Int, Bool)] = []
    let rootfs = root.appendingPathComponent("rootfs").path + "/"
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
    while let relative = walker.nextObject() as? String {
        let full = root.appendingPathComponent(relative).path
        var info = stat()
        guard lstat(full, &info) == 0 else { continue }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        if full.hasPrefix(rootfs) && full.dropFirst(rootfs.count).contains("/") {
            continue  // inside an image's rootfs: the image's own modes
        }
        if full.hasPrefix(rootfs) && isDirectory { walker.skipDescendants() }
        result.append((relative, Int(info.st_mode & 0o7777), isDirectory))
    }
    return result
}

/// Every `.tmp-*` entry and `tmp/` work area left in a store.
func leftovers(_ root: URL) -> [String] {
    var found: [String] = []
    for directory in ["rootfs", "blobs/sha256", "images/tags", "images/by-digest", "images/unpacked"] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)) ?? []
        found += names.filter { $0.hasPrefix(".tmp-") }.map { "\(directory)/\($0)" }
    }
    found += ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path)) ?? []).map { "tmp/\($0)" }
    return found.sorted()
}
