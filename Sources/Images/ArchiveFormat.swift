import ContentDigest
import Foundation

/// The archive formats `image save` writes.
public enum ArchiveFormat: String, Sendable, CaseIterable, Codable {
    /// A tar of an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), as skopeo's
    /// `oci-archive:` and umoci read it.
    case ociArchive = "oci-archive"
    /// A `docker save` tar (`manifest.json` with Config, RepoTags and Layers), as `docker load` and skopeo's
    /// `docker-archive:` read it; written as Docker 25 writes it, with the OCI layout beside `manifest.json`,
    /// so the exact manifest (and its digest) travels too.
    case dockerArchive = "docker-archive"
}

/// Where a saved archive keeps the image's attestation envelopes:
/// `securerun/attestations/sha256-<hex of the manifest digest>/<sha256 hex of the envelope>.json`, the
/// bytes exactly as the attestation store keeps them. Other tools ignore the directory; `image import`
/// stores the envelopes of the image it imports (and only those) through the attestation store.
public enum ArchivedAttestations {
    /// The directory inside the archive.
    public static let directory = "securerun/attestations"

    /// The directory of one image's envelopes.
    public static func directory(for digest: Digest) -> String { "\(directory)/sha256-\(digest.hex)" }

    /// The most envelopes an import reads for its image (the attestation store keeps 32).
    public static let maxCount = 64
    /// The largest envelope an import reads (as a pull fetches at most).
    public static let maxBytes: Int64 = AttestationIntakeLimits.maxBytes
    /// The most envelope bytes one import reads in all.
    public static let maxTotalBytes: Int64 = AttestationIntakeLimits.maxTotalBytes
}

/// How much attestation data one image brings in, whichever way it arrives (a pull or an archive import).
public enum AttestationIntakeLimits {
    /// The largest envelope read (the size the attestation store keeps at most).
    public static let maxBytes: Int64 = 32 << 20
    /// The most envelope bytes read for one image in all, so a source cannot make securerun hold gigabytes.
    public static let maxTotalBytes: Int64 = 96 << 20
}
