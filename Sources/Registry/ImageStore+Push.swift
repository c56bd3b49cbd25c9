import Foundation
import Images

/// What `image push` did.
public struct PushedImage: Sendable, Equatable, Encodable {
    /// The reference pushed to, fully qualified (`registry/repository:tag`).
    public var reference: String
    /// The manifest digest, the same as in the store (the exact bytes are pushed).
    public var manifestDigest: String
    /// Blobs uploaded.
    public var uploaded: [String]
    /// Blobs the registry already had (not uploaded again).
    public var existing: [String]
    /// Where the attestations went.
    public var attestations: PushedAttestations
}

extension ImageStore {
    /// Pushes the stored image `source` to `target` (`registry/repository[:tag]`, no digest): each blob the
    /// registry lacks (HEAD) is uploaded (see ``RegistryClient/uploadBlob(repository:descriptor:file:chunkSize:)``),
    /// then the exact manifest bytes are put by tag, then `attestations` are pushed the cosign ways (see
    /// ``RegistryClient/pushAttestations(_:repository:subject:)``). `allowedRegistries`, when given, refuses
    /// another registry before any request. The image's blobs are pinned while they are read, so a
    /// concurrent `image rm` cannot pull them away. A failure after the image is pushed but before its
    /// attestations are says so.
    public func push(
        _ source: String, to target: String, insecure: Bool = false, credentials: RegistryCredentials? = nil, allowedRegistries: [String]? = nil,
        attestations: [OutgoingAttestation] = [], client: RegistryClient? = nil, chunkSize: Int64 = RegistryClient.defaultChunkSize,
        progress: (@Sendable (String) -> Void)? = nil
    ) async throws(ImageError) -> PushedImage {
        let progress = progress ?? self.progress
        let destination = try ImageReference(parsing: target)
        guard destination.digest == nil else {
            throw .invalidReference(reference: target, reason: "push names the destination by tag (REGISTRY/NAME:TAG), not by digest")
        }
        let client = try Self.registryClient(
            for: destination, allowedRegistries: allowedRegistries, insecure: insecure, credentials: credentials, given: client)
        let pinned = try pin(source, kind: "push")
        defer { pinned.close() }
        let repository = destination.repository
        var result = PushedImage(
            reference: destination.description, manifestDigest: pinned.digest.description, uploaded: [], existing: [], attestations: PushedAttestations())
        for (number, blob) in pinned.blobs.enumerated() {
            if try await client.hasBlob(repository: repository, digest: blob.digest) {
                progress?("blob \(blob.digest) is already in \(destination.name)")
                result.existing.append(blob.digest.description)
                continue
            }
            progress?("uploading \(blob.digest) (\(blob.size) bytes, \(number + 1)/\(pinned.blobs.count))")
            try await client.uploadBlob(repository: repository, descriptor: blob, file: try pinned.file(blob.digest), chunkSize: chunkSize)
            result.uploaded.append(blob.digest.description)
        }
        progress?("putting manifest \(pinned.digest) as \(destination.familiarString)")
        try await client.putManifest(
            repository: repository, reference: destination.tag ?? "latest", data: pinned.manifestData, mediaType: pinned.descriptor.mediaType)
        guard !attestations.isEmpty else { return result }
        progress?("pushing \(attestations.count) attestation\(attestations.count == 1 ? "" : "s")")
        do {
            result.attestations = try await client.pushAttestations(attestations, repository: repository, subject: pinned.descriptor)
        } catch {
            var detail = "\(error)"
            if case .registry(_, let reason) = error { detail = reason }
            throw .registry(
                host: destination.registry,
                reason: "pushed \(destination.familiarString) (\(pinned.digest)) but not its attestations: \(detail); push again to retry")
        }
        return result
    }
}
