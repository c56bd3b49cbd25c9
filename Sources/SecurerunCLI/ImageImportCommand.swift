import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image import`: store an image from a rootfs directory, an OCI layout, an OCI archive or a docker-save tar.
struct ImageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an image from an OCI layout, OCI archive, docker-save tar, or a rootfs directory (--rootfs).")

    @Argument(help: "An OCI layout directory, OCI archive or docker-save tar.")
    var path: String?

    @Option(help: "Pack this root filesystem directory into a one-layer image.")
    var rootfs: String?

    @Option(help: "Name the image NAME[:TAG] (required with --rootfs).")
    var tag: String?

    @Option(help: "Platform to pick from a multi-platform index, os/arch (default linux/amd64).")
    var platform: String?

    @Flag(help: "Print the stored image as JSON.")
    var json = false

    @Option(help: "Hardening profile whose store: limits (unpacked size, files, expansion ratio) the import must respect (default: default).")
    var profile: String?

    func validate() throws {
        guard (path == nil) != (rootfs == nil) else {
            throw ValidationError("give either a PATH or --rootfs DIR")
        }
        if rootfs != nil && tag == nil {
            throw ValidationError("--rootfs needs --tag NAME[:TAG]")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let limits = try ProfileLoader.load(profile).unpackLimits
            let store = try openImageStore(progress: terminalProgress(json: json), limits: limits)
            let image: StoredImage
            if let rootfs, let tag {
                image = try store.importRootfs(directory: URL(fileURLWithPath: rootfs), tag: tag)
            } else if let path {
                let wanted = try platform.map { (text) throws(ImageError) in try Platform(parsing: text) } ?? .linuxAMD64
                image = try store.importImage(at: URL(fileURLWithPath: path), tag: tag, platform: wanted)
            } else {
                return
            }
            try printImported(image, json: json)
        }
    }
}

/// Prints a stored image after an import or pull: JSON, or one line for a person.
func printImported(_ image: StoredImage, json: Bool) throws {
    if json {
        print(try jsonString(image))
    } else {
        let names = image.names.isEmpty ? "<untagged>" : image.names.joined(separator: ", ")
        print("\(names) \(image.manifestDigest)")
    }
}

/// Pretty, sorted JSON for printing.
func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Progress lines for a person at a terminal; scripts get only the result line (or --json).
func terminalProgress(json: Bool) -> (@Sendable (String) -> Void)? {
    guard isatty(STDOUT_FILENO) == 1, !json else { return nil }
    return { line in print(line) }
}
