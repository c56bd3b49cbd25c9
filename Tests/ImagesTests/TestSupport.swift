import Foundation
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

/// Whether an external tool exists; when it does not, fails under CI=true, else prints why the test returns early.
func toolAvailable(_ path: String, for test: String) -> Bool {
    if FileManager.default.isExecutableFile(atPath: path) { return true }
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        Issue.record("\(path) is required for \(test) under CI=true")
    } else {
        print("skipping \(test): \(path) is not installed")
    }
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
