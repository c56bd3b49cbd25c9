import ContentDigest
import Foundation
import Images

/// An attestation to push with an image: the envelope's exact bytes and what kind of document it is.
public struct OutgoingAttestation: Sendable, Equatable {
    /// The envelope or bundle, byte for byte as stored.
    public var data: Data
    /// ``AttestationMediaType/dsseEnvelope`` or a Sigstore bundle type.
    public var mediaType: String
    /// The in-toto predicate type, for the annotations cosign writes (a hint to readers, never trusted).
    public var predicateType: String?

    /// An attestation to push.
    public init(data: Data, mediaType: String, predicateType: String?) {
        self.data = data
        self.mediaType = mediaType
        self.predicateType = predicateType
    }
}

/// Where a push put an image's attestations.
public struct PushedAttestations: Sendable, Equatable, Encodable {
    /// How many envelopes were pushed.
    public var count = 0
    /// cosign's legacy tag (`registry/repository:sha256-<hex>.att`) holding the DSSE envelopes.
    public var attTag: String?
    /// The OCI 1.1 referrer manifests, one per envelope (`registry/repository@sha256:…`).
    public var referrers: [String] = []
    /// The referrers fallback index tag, written because the registry has no referrers API.
    public var referrersTag: String?
}

extension RegistryClient {
    /// cosign's annotation on an attestation layer (empty: the signature is inside the envelope).
    static let cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
    /// The annotation cosign 3 puts on a bundle referrer.
    static let bundlePredicateAnnotation = "dev.sigstore.bundle.predicateType"
    /// The OCI 1.1 empty config of artifact manifests, `{}`.
    static let emptyConfigType = "application/vnd.oci.empty.v1+json"

    /// Pushes `attestations` of the image `subject` (already pushed to `repository`) the ways cosign keeps
    /// them: the DSSE envelopes as layers of the image at the legacy tag `sha256-<hex>.att` (appended to
    /// what it already holds, as cosign appends), and each envelope or bundle as an OCI 1.1 referrer
    /// (artifact manifest with `subject`), listed in the fallback index at tag `sha256-<hex>` (merged with
    /// its entries) when the registry does not say it indexes referrers itself.
    public func pushAttestations(_ attestations: [OutgoingAttestation], repository: String, subject: Descriptor) async throws(ImageError)
        -> PushedAttestations
    {
        var result = PushedAttestations()
        guard !attestations.isEmpty else { return result }
        result.count = attestations.count
        let envelopes = attestations.filter { $0.mediaType == AttestationMediaType.dsseEnvelope }
        if !envelopes.isEmpty {
            result.attTag = try await pushAttTag(envelopes, repository: repository, subject: subject.digest)
        }
        let empty = try await uploadBlob(repository: repository, data: Data("{}".utf8), mediaType: Self.emptyConfigType)
        var entries: [ArtifactDescriptor] = []
        var fallback = false
        for attestation in attestations {
            let layer = try await uploadBlob(repository: repository, data: attestation.data, mediaType: attestation.mediaType)
            let annotations = attestation.predicateType.map { [Self.bundlePredicateAnnotation: $0] }
            let manifest = ReferrerManifest(
                artifactType: attestation.mediaType, config: ArtifactDescriptor(empty),
                layers: [ArtifactDescriptor(layer, annotations: attestation.predicateType.map { ["predicateType": $0] })], subject: subject,
                annotations: annotations)
            let data = try CanonicalJSON.encode(manifest)
            let put = try await putManifest(repository: repository, reference: Digest.of(data).description, data: data, mediaType: MediaType.ociManifest)
            fallback = fallback || !put.subjectIndexed
            entries.append(
                ArtifactDescriptor(
                    mediaType: MediaType.ociManifest, digest: put.digest, size: Int64(data.count), artifactType: attestation.mediaType, annotations: annotations
                ))
            result.referrers.append("\(registry)/\(repository)@\(put.digest)")
        }
        if fallback {
            result.referrersTag = try await mergeFallbackIndex(entries, repository: repository, subject: subject.digest)
        }
        return result
    }

    /// Appends the envelopes the `.att` image lacks (by digest) and puts it back; returns its reference.
    private func pushAttTag(_ envelopes: [OutgoingAttestation], repository: String, subject: Digest) async throws(ImageError) -> String {
        let tag = "sha256-\(subject.hex).att"
        let origin = "\(registry)/\(repository):\(tag)"
        var layers: [ArtifactDescriptor] = []
        if let existing = try await manifestIfPresent(repository: repository, reference: tag) {
            guard MediaType.manifests.contains(existing.mediaType) else {
                throw .registry(host: registry, reason: "\(origin) is a \(existing.mediaType), not cosign's attestation image; left as it is")
            }
            layers = try Self.strict(ArtifactManifest.self, from: existing.data, source: origin).layers
        }
        var added = false
        for envelope in envelopes where !layers.contains(where: { $0.digest == Digest.of(envelope.data) }) {
            let blob = try await uploadBlob(repository: repository, data: envelope.data, mediaType: AttestationMediaType.dsseEnvelope)
            var annotations = [Self.cosignSignatureAnnotation: ""]
            if let predicateType = envelope.predicateType { annotations["predicateType"] = predicateType }
            layers.append(ArtifactDescriptor(blob, annotations: annotations))
            added = true
        }
        guard added else { return origin }
        // cosign's config of an attestation image: an empty image whose diff_ids are its layers' digests.
        let config = AttestationImageConfig(rootfs: .init(diff_ids: layers.map(\.digest)))
        let configBlob = try await uploadBlob(repository: repository, data: try CanonicalJSON.encode(config), mediaType: MediaType.ociConfig)
        let manifest = AttestationImageManifest(config: ArtifactDescriptor(configBlob), layers: layers)
        try await putManifest(repository: repository, reference: tag, data: try CanonicalJSON.encode(manifest), mediaType: MediaType.ociManifest)
        return origin
    }

    /// Adds `entries` to the index at tag `sha256-<hex>` (keeping what it lists) and returns its reference.
    private func mergeFallbackIndex(_ entries: [ArtifactDescriptor], repository: String, subject: Digest) async throws(ImageError) -> String {
        let tag = "sha256-\(subject.hex)"
        let origin = "\(registry)/\(repository):\(tag)"
        var manifests: [ArtifactDescriptor] = []
        if let existing = try await manifestIfPresent(repository: repository, reference: tag) {
            guard MediaType.indexes.contains(existing.mediaType) else {
                throw .registry(host: registry, reason: "\(origin) is a \(existing.mediaType), not a referrers index; left as it is")
            }
            manifests = try Self.strict(ArtifactIndex.self, from: existing.data, source: origin).manifests
        }
        let missing = entries.filter { entry in !manifests.contains { $0.digest == entry.digest } }
        guard !missing.isEmpty else { return origin }
        let index = ReferrersIndex(manifests: manifests + missing)
        try await putManifest(repository: repository, reference: tag, data: try CanonicalJSON.encode(index), mediaType: MediaType.ociIndex)
        return origin
    }
}

extension ArtifactDescriptor {
    init(_ descriptor: Descriptor, annotations: [String: String]? = nil) {
        self.init(mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, artifactType: nil, annotations: annotations)
    }
}

/// cosign's attestation image manifest (tag `sha256-<hex>.att`).
struct AttestationImageManifest: Encodable {
    var schemaVersion = 2
    var mediaType = MediaType.ociManifest
    var config: ArtifactDescriptor
    var layers: [ArtifactDescriptor]
}

/// The config of cosign's attestation image, as go-containerregistry writes it for an empty image.
struct AttestationImageConfig: Encodable {
    struct RootFS: Encodable {
        var type = "layers"
        var diff_ids: [Digest]
    }
    var architecture = ""
    var os = ""
    var created = "0001-01-01T00:00:00Z"
    var config: [String: String] = [:]
    var rootfs: RootFS
}

/// An OCI 1.1 artifact manifest whose `subject` is the image it attests.
struct ReferrerManifest: Encodable {
    var schemaVersion = 2
    var mediaType = MediaType.ociManifest
    var artifactType: String
    var config: ArtifactDescriptor
    var layers: [ArtifactDescriptor]
    var subject: Descriptor
    var annotations: [String: String]?
}

/// The referrers fallback index.
struct ReferrersIndex: Encodable {
    var schemaVersion = 2
    var mediaType = MediaType.ociIndex
    var manifests: [ArtifactDescriptor]
}
