import Admission
import ArgumentParser
import ContentDigest
import Foundation
import Images

/// `securerun image save`: write a stored image, with its attestations, to an archive.
struct ImageSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write a stored image and its attestations to an OCI archive or a docker-save tar.",
        discussion: """
            The archive holds the image's exact blobs (so its manifest digest and config digest stay the same) and, \
            under securerun/attestations/sha256-<image hex>/, the attestation envelopes stored with it; \
            `securerun image import` of the archive stores them again. FILE is written atomically, mode 0600, and \
            never through a symlink; an existing FILE is refused unless --force is given.
            """)

    @Argument(help: "NAME[:TAG], NAME@sha256:…, or a (short) digest.")
    var image: String

    @Option(name: [.short, .customLong("output")], help: "The archive to write.")
    var output: String

    @Option(help: "oci-archive (default) or docker-archive (what docker load reads).")
    var format: ArchiveFormat = .ociArchive

    @Flag(help: "Replace FILE if it exists (atomically: it stays as it was if the save fails).")
    var force = false

    func run() async throws {
        try await reportingErrors {
            let store = try openImageStore()
            let stored = try store.resolve(image)
            let exported = AttestationStore(root: store.root).exports(for: try Digest(parsing: stored.manifestDigest))
            for warning in exported.warnings { printError("warning: \(warning)") }
            let saved = try store.save(image, to: URL(fileURLWithPath: output), format: format, attestations: exported.attestations.map(\.data), replace: force)
            let count = "\(saved.attestations) attestation\(saved.attestations == 1 ? "" : "s")"
            print("saved \(saved.name ?? image) (\(saved.image.manifestDigest)) to \(output) as \(format.rawValue) with \(count)")
        }
    }
}

extension ArchiveFormat: ExpressibleByArgument {}
