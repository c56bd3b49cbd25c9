import ArgumentParser
import Foundation
import Images

/// `securerun image check`: re-hash every blob and compare every unpacked rootfs with its unpack record.
struct ImageCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check stored images against their digests and unpack records.",
        discussion: """
            Re-hashes every blob against its digest and compares each unpacked rootfs, path by path (type, \
            mode, owner, size, content hash, symlink target), with the record written when it was unpacked. \
            Prints one line per difference, naming the image. Exit status: 0 when everything matches, 1 when \
            something differs, 125 when the check itself fails (an unknown image, an unreadable store).
            """)

    @Argument(help: "Images to check (NAME[:TAG], NAME@sha256:…, or a (short) digest); default: every stored image.")
    var images: [String] = []

    @Flag(help: "Print the results as a JSON array.")
    var json = false

    func run() async throws {
        let results = try await reportingErrors { try openImageStore().check(images) }
        if json {
            print(try jsonString(results.map(CheckedImage.init)))
        } else {
            for result in results {
                let name = "\(result.names.first ?? "<none>") \(result.manifestDigest.dropFirst("sha256:".count).prefix(12))"
                for difference in result.differences { print("\(name): \(difference)") }
                for note in result.notes { printError("\(name): \(note)") }
                if result.ok { print("\(name): ok (\(result.blobs) blobs, \(result.paths) paths)") }
            }
        }
        if results.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}

/// One image in `image check --json`.
struct CheckedImage: Encodable {
    var names: [String]
    var manifestDigest: String
    var ok: Bool
    var blobs: Int
    var paths: Int
    var differences: [String]
    var notes: [String]

    init(_ result: ImageCheck) {
        names = result.names
        manifestDigest = result.manifestDigest
        ok = result.ok
        blobs = result.blobs
        paths = result.paths
        differences = result.differences
        notes = result.notes
    }
}
