import Admission
import ArgumentParser
import Foundation
import Images
import Orchestration
import Policy

/// `securerun image import`: store an image from a rootfs directory, an OCI layout, an OCI archive or a docker-save tar.
struct ImageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an image from an OCI layout, OCI archive, docker-save tar, or a rootfs directory (--rootfs).")

    @Argument(help: "An OCI layout directory (DIR or DIR:REF), OCI archive, docker-save tar, or docker-daemon:NAME.")
    var path: String?

    @Option(help: "Pack this root filesystem directory into a one-layer image.")
    var rootfs: String?

    @Option(help: "Name the image NAME[:TAG] (required with --rootfs).")
    var tag: String?

    @Option(help: "Platform to pick from a multi-platform index, os/arch (default linux/amd64).")
    var platform: String?

    @Flag(help: "Print the stored image as JSON.")
    var json = false

    @Option(
        help:
            "Hardening profile whose store: limits (unpacked size, files, expansion ratio) the import must respect (default: $SECURERUN_PROFILE, else default)."
    )
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
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            let store = try openImageStore(progress: terminalProgress(json: json), limits: loaded.unpackLimits)
            let image: StoredImage
            var carried: ImportedAttestations?
            if let rootfs, let tag {
                image = try store.importRootfs(directory: URL(fileURLWithPath: rootfs), tag: tag)
            } else if let path {
                let wanted = try platform.map { (text) throws(ImageError) in try Platform(parsing: text) } ?? .linuxAMD64
                let source = ImportSource(path)
                switch source {
                case .file(let file, let ref):
                    let imported = try store.importCarrying(at: file, tag: tag, platform: wanted, ref: ref)
                    image = imported.image
                    if !imported.attestations.isEmpty || !imported.warnings.isEmpty {
                        carried = try ImportedAttestations.store(imported, stateRoot: store.root, policy: loaded.admission)
                    }
                case .dockerDaemon(let name):
                    image = try DaemonImport.run(name: name, store: store, tag: tag)
                }
            } else {
                return
            }
            if json, let carried {
                print(try jsonString(ImportOutput(image: image, attestations: carried.stored)))
                for warning in carried.warnings { printError("warning: \(warning)") }
                return
            }
            try printImported(image, json: json)
            carried?.print()
        }
    }
}

/// `image import --json` of an archive that carried attestations: the image's fields and the files stored.
private struct ImportOutput: Encodable {
    var image: StoredImage
    var attestations: [String]

    enum CodingKeys: String, CodingKey { case attestations }

    func encode(to encoder: Encoder) throws {
        try image.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(attestations, forKey: .attestations)
    }
}

/// Prints a stored image after an import or pull: JSON, or one line for a person.
package func printImported(_ image: StoredImage, json: Bool) throws {
    if json {
        print(try jsonString(image))
    } else {
        let names = image.names.isEmpty ? "<untagged>" : image.names.joined(separator: ", ")
        print("\(names) \(image.manifestDigest)")
    }
}

/// Pretty, sorted JSON for printing.
package func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Progress lines for a person at a terminal; scripts get only the result line (or --json).
package func terminalProgress(json: Bool) -> (@Sendable (String) -> Void)? {
    guard isatty(STDOUT_FILENO) == 1, !json else { return nil }
    return { line in print(line) }
}

/// What `image import` was given: a file or directory (with an OCI layout's `:REF`), or an image in the
/// local Docker Engine (`docker-daemon:NAME`).
enum ImportSource: Equatable {
    case file(URL, ref: String?)
    case dockerDaemon(String)

    init(_ text: String) {
        if text.hasPrefix("docker-daemon:") {
            self = .dockerDaemon(String(text.dropFirst("docker-daemon:".count)))
            return
        }
        var path = text
        for prefix in ["oci:", "oci-archive:", "docker-archive:"] where path.hasPrefix(prefix) && !FileManager.default.fileExists(atPath: path) {
            path = String(path.dropFirst(prefix.count))
        }
        // DIR:REF, as skopeo and umoci write layouts; a path that exists as typed wins.
        if !FileManager.default.fileExists(atPath: path), let colon = path.lastIndex(of: ":") {
            let directory = String(path[..<colon])
            let ref = String(path[path.index(after: colon)...])
            if !ref.isEmpty, !ref.contains("/"), FileManager.default.fileExists(atPath: directory) {
                self = .file(URL(fileURLWithPath: directory), ref: ref)
                return
            }
        }
        self = .file(URL(fileURLWithPath: path), ref: nil)
    }
}
