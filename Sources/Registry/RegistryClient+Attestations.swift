import ContentDigest
import Foundation
import Images
import StrictJSON

/// Media types under which registries keep attestations.
public enum AttestationMediaType {
    /// A DSSE envelope (cosign's legacy `.att` layers, and OCI 1.1 referrers of that artifact type).
    public static let dsseEnvelope = "application/vnd.dsse.envelope.v1+json"
    /// A Sigstore bundle v0.3, what cosign 3 pushes as an OCI 1.1 referrer by default.
    public static let sigstoreBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"

    /// Whether `type` names an envelope or bundle: DSSE, in-toto (`application/vnd.in-toto…`) or a Sigstore
    /// bundle (`…bundle.v0.3+json` or the older `application/vnd.dev.sigstore.bundle+json;version=0.x`).
    public static func isAttestation(_ type: String) -> Bool {
        type == dsseEnvelope || type.hasPrefix("application/vnd.in-toto")
            || type.hasPrefix("application/vnd.dev.sigstore.bundle")
    }
}

/// One attestation found in a registry: the exact bytes of a DSSE envelope or Sigstore bundle, checked
/// against its blob digest and nothing else. Fetching trusts nothing; the admission gate verifies it.
public struct RegistryAttestation: Sendable, Equatable {
    /// Where in the registry it was found.
    public enum Location: String, Sendable, Codable {
        /// cosign's legacy tag `sha256-<hex>.att`: one envelope per layer.
        case attTag = "att-tag"
        /// The OCI 1.1 referrers API, `GET /v2/<name>/referrers/<digest>`.
        case referrers
        /// The referrers fallback index at tag `sha256-<hex>`, for registries without the API.
        case referrersTag = "referrers-tag"
    }

    /// The blob's bytes as served (and as they must be stored: never re-serialised).
    public var data: Data
    /// The blob's media type (`application/vnd.dsse.envelope.v1+json`, a Sigstore bundle type, …).
    public var mediaType: String
    /// `sha256` of `data`, equal to the descriptor's digest.
    public var digest: Digest
    /// The predicate type the registry's annotations claim (unsigned: a hint for skipping, never for trust).
    public var predicateType: String?
    /// How it was found.
    public var location: Location
    /// Where, for messages: `registry/repository:tag` or `registry/repository@digest`.
    public var origin: String
}

/// What looking for attestations found, and what it skipped (one lower-case line each).
public struct RegistryAttestationScan: Sendable {
    /// The envelopes and bundles, each once.
    public var attestations: [RegistryAttestation] = []
    /// Why something was skipped or could not be looked up.
    public var warnings: [String] = []
}

extension RegistryClient {
    /// The largest attestation blob fetched (the size the attestation store keeps at most).
    public static let attestationSizeLimit: Int64 = AttestationIntakeLimits.maxBytes
    /// The most attestation bytes one lookup fetches in all, so a registry cannot make a pull hold gigabytes.
    public static let attestationTotalLimit: Int64 = AttestationIntakeLimits.maxTotalBytes
    /// How many referrers, and how many layers of the `.att` image, are followed at most.
    public static let referrerLimit = 64

    /// Decodes a registry document strictly (duplicate keys refused, bounded size and depth).
    static func strict<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws(ImageError) -> T {
        do {
            return try StrictJSONDecoder(limits: JSONLimits(maxBytes: manifestSizeLimit, maxDepth: 32)).decode(type, from: data)
        } catch {
            throw .invalidImage(source: source, reason: "cannot read it: \(error)")
        }
    }

    /// The attestations `repository` keeps for `subject`, in cosign's three places: the legacy tag
    /// `sha256-<hex>.att`, OCI 1.1 referrers, and (when the referrers API answers 404) the fallback index
    /// at tag `sha256-<hex>`. None found is not an error; anything unreadable becomes a warning.
    public func attestations(repository: String, for subject: Digest) async -> RegistryAttestationScan {
        var scan = RegistryAttestationScan()
        var seen: Set<Digest> = []
        var budget = Self.attestationTotalLimit
        func add(_ found: [RegistryAttestation]) {
            for attestation in found where seen.insert(attestation.digest).inserted {
                scan.attestations.append(attestation)
            }
        }

        let legacyTag = "sha256-\(subject.hex).att"
        do {
            if let manifest = try await manifestIfPresent(repository: repository, reference: legacyTag) {
                add(
                    try await envelopes(
                        in: manifest, repository: repository, location: .attTag, origin: "\(registry)/\(repository):\(legacyTag)",
                        warnings: &scan.warnings, budget: &budget))
            }
        } catch {
            scan.warnings.append("cannot read attestations at \(registry)/\(repository):\(legacyTag): \(error)")
        }

        let (entries, location, listing) = await referrers(repository: repository, subject: subject, warnings: &scan.warnings)
        if entries.count > Self.referrerLimit {
            scan.warnings.append("\(listing) lists \(entries.count) referrers; only the first \(Self.referrerLimit) are read")
        }
        for entry in entries.prefix(Self.referrerLimit) {
            if let type = entry.artifactType, !AttestationMediaType.isAttestation(type) { continue }
            let origin = "\(registry)/\(repository)@\(entry.digest)"
            do {
                let manifest = try await manifest(repository: repository, reference: entry.digest.description)
                add(
                    try await envelopes(
                        in: manifest, repository: repository, location: location, origin: origin, warnings: &scan.warnings, budget: &budget,
                        entry: entry))
            } catch {
                scan.warnings.append("skipped referrer \(origin) (from \(listing)): \(error)")
            }
        }
        return scan
    }

    // MARK: - Referrers

    /// The referrers of `subject`: from the API, else from the fallback tag; with where they came from.
    private func referrers(repository: String, subject: Digest, warnings: inout [String])
        async -> (entries: [ArtifactDescriptor], location: RegistryAttestation.Location, listing: String)
    {
        let api = "\(registry)/\(repository) referrers of \(subject)"
        do {
            if let response = try await getIfPresent(
                "/v2/\(repository)/referrers/\(subject)", repository: repository, accept: [MediaType.ociIndex], sink: .memory(limit: Self.manifestSizeLimit))
            {
                return (try Self.strict(ArtifactIndex.self, from: response.body, source: api).manifests, .referrers, api)
            }
        } catch {
            warnings.append("cannot read the \(api): \(error)")
            return ([], .referrers, api)
        }
        // No referrers API (HTTP 404): the OCI 1.1 fallback is an index tagged with the digest.
        let tag = "sha256-\(subject.hex)"
        let fallback = "\(registry)/\(repository):\(tag)"
        do {
            guard let index = try await manifestIfPresent(repository: repository, reference: tag) else { return ([], .referrersTag, fallback) }
            guard MediaType.indexes.contains(index.mediaType) else {
                throw ImageError.unsupportedMediaType(mediaType: index.mediaType, digest: index.digest.description)
            }
            return (try Self.strict(ArtifactIndex.self, from: index.data, source: fallback).manifests, .referrersTag, fallback)
        } catch {
            warnings.append("cannot read the referrers index at \(fallback): \(error)")
            return ([], .referrersTag, fallback)
        }
    }

    // MARK: - Envelopes

    /// The envelope and bundle layers of one attestation manifest, each blob checked against its
    /// descriptor; other layers (signatures, SBOM files) are passed over, unreadable ones become warnings.
    private func envelopes(
        in fetched: FetchedManifest, repository: String, location: RegistryAttestation.Location, origin: String,
        warnings: inout [String], budget: inout Int64, entry: ArtifactDescriptor? = nil
    ) async throws(ImageError) -> [RegistryAttestation] {
        guard MediaType.manifests.contains(fetched.mediaType) else {
            throw .unsupportedMediaType(mediaType: fetched.mediaType, digest: fetched.digest.description)
        }
        let manifest = try Self.strict(ArtifactManifest.self, from: fetched.data, source: origin)
        if let type = manifest.artifactType ?? entry?.artifactType, !AttestationMediaType.isAttestation(type) { return [] }
        let annotations = (entry?.annotations ?? [:]).merging(manifest.annotations ?? [:]) { $1 }
        var found: [RegistryAttestation] = []
        var layers = manifest.layers.filter { AttestationMediaType.isAttestation($0.mediaType) }
        if layers.count > Self.referrerLimit {
            // cosign appends to the .att image, so its last layers are the newest.
            warnings.append(
                "\(origin) has \(layers.count) attestation layers; only the last \(Self.referrerLimit) are read (skipped "
                    + layers.dropLast(Self.referrerLimit).map(\.digest.description).joined(separator: ", ") + ")")
            layers = Array(layers.suffix(Self.referrerLimit))
        }
        for layer in layers.reversed() {
            let claimed = layer.annotations?["predicateType"] ?? annotations["dev.sigstore.bundle.predicateType"]
            // Other predicate types (SBOM, provenance) are not fetched at all: the gate reads only vuln scans.
            if let claimed, claimed != Self.vulnPredicateType { continue }
            guard layer.size <= Self.attestationSizeLimit else {
                warnings.append("skipped attestation \(layer.digest) in \(origin): \(layer.size) bytes is over the limit of \(Self.attestationSizeLimit) bytes")
                continue
            }
            guard layer.size <= budget else {
                warnings.append(
                    "skipped attestation \(layer.digest) in \(origin): the attestations read so far already reach the limit of "
                        + "\(Self.attestationTotalLimit) bytes per pull")
                continue
            }
            budget -= layer.size
            do {
                let descriptor = Descriptor(mediaType: layer.mediaType, digest: layer.digest, size: layer.size)
                let data = try await blob(repository: repository, descriptor: descriptor)
                found.append(
                    RegistryAttestation(
                        data: data, mediaType: layer.mediaType, digest: layer.digest, predicateType: claimed, location: location, origin: origin))
            } catch {
                warnings.append("skipped attestation \(layer.digest) in \(origin): \(error)")
            }
        }
        return found
    }
}

extension RegistryClient {
    /// cosign's vulnerability predicate type, as registries' annotations name it.
    static let vulnPredicateType = "https://cosign.sigstore.dev/attestation/vuln/v1"
}

/// A descriptor with OCI 1.1's `artifactType` (the store's `Descriptor` has no use for it).
struct ArtifactDescriptor: Codable, Equatable {
    var mediaType: String
    var digest: Digest
    var size: Int64
    var artifactType: String?
    var annotations: [String: String]?
}

/// An image index as the referrers API and its fallback tag serve it.
struct ArtifactIndex: Codable {
    var manifests: [ArtifactDescriptor]
}

/// An attestation manifest: cosign's `.att` image or an OCI 1.1 artifact manifest.
struct ArtifactManifest: Decodable {
    var artifactType: String?
    var config: ArtifactDescriptor
    var layers: [ArtifactDescriptor]
    var annotations: [String: String]?
}
