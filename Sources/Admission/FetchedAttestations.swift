import Foundation

/// What the admission webhook knows of an image's attestations in its registry, answered without waiting
/// on the network: fetched envelopes are judged by the gate together with the stored ones, and a registry
/// that could not be read refuses the image (fail closed).
public enum FetchedAttestations: Sendable {
    /// Not fetched, or no longer fresh: fetch, then decide again.
    case notFetched
    /// Fetched: the envelopes kept (possibly none) in `store`, and one line saying where they came from.
    case fetched(AttestationStore, note: String)
    /// The registry could not be read, or what it served could not be read: why, in one line.
    case unreadable(String)
}
