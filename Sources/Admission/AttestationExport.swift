import ContentDigest
import Foundation
import StrictJSON

/// A stored envelope as it leaves the store with its image (`image save`, `image push`): the exact bytes,
/// and what a registry or archive should call it. Nothing here is a trust decision: the receiving side's
/// gate verifies the bytes as always.
public struct ExportedAttestation: Sendable, Equatable {
    /// The file's bytes, as stored.
    public var data: Data
    /// `application/vnd.dsse.envelope.v1+json`, or the bundle's own media type for a Sigstore bundle.
    public var mediaType: String
    /// The predicate type its statement names, when the payload can be read.
    public var predicateType: String?
}

extension AttestationStore {
    /// The DSSE envelope media type, as registries name it.
    public static let envelopeMediaType = "application/vnd.dsse.envelope.v1+json"

    /// Every stored envelope of `digest` that can be read (regular files within the size limit), with a
    /// warning line for each one that cannot.
    public func exports(for digest: Digest) -> (attestations: [ExportedAttestation], warnings: [String]) {
        var attestations: [ExportedAttestation] = []
        var warnings: [String] = []
        for entry in entries(for: digest) {
            guard entry.isRegularFile else {
                warnings.append("left out \(entry.source): it is not a regular file (`securerun image attestation rm` removes it)")
                continue
            }
            let data: Data
            do { data = try read(entry) } catch {
                warnings.append("left out \(entry.source): \(error)")
                continue
            }
            attestations.append(Self.describe(data, source: entry.source))
        }
        return (attestations, warnings)
    }

    /// The media type and predicate type of envelope bytes (a bundle's `mediaType`, else DSSE).
    static func describe(_ data: Data, source: String) -> ExportedAttestation {
        var mediaType = envelopeMediaType
        if let root = try? JSONParser.field(data, limits: AttestationLimits.envelopeJSON), root.has("dsseEnvelope"),
            let type = try? root.required("mediaType").string(), type.hasPrefix("application/vnd.dev.sigstore.bundle")
        {
            mediaType = type
        }
        let predicateType =
            (try? DSSEEnvelope.parse(data, source: source)).flatMap { try? $0.payloadBytes(source: source) }
            .flatMap { try? InTotoStatement.parse($0, source: source).predicateType }
        return ExportedAttestation(data: data, mediaType: mediaType, predicateType: predicateType)
    }
}
