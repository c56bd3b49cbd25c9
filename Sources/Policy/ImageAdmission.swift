import Admission
import Foundation
import Images

/// The one admission decision: may this stored image start under this profile? Every door asks it
/// through here, so none can say "admitted" for an image another refuses: `run` (and the drop-in's
/// `run`/`create`, which go through it), `image verify`, `audit`, a start or restart of a created
/// container, and the engine plugin. Two rules, in order: the profile's `allowedRegistries` (a pulled image must come from a
/// listed registry; a local import has none, so the rule does not apply to it), then the attestation
/// gate's verdict (signed scan, trusted keys, threshold, age, severity, ignores).
public enum ImageAdmission {
    /// The verdict for `image` under `profile` at `now`, or the registry refusal `run` gives (a
    /// ``PolicyError/registryNotAllowed(action:image:registry:profile:allowed:)`` naming `reference`,
    /// the image as the caller typed it). A verdict may still refuse: check `admitted`.
    public static func decide(
        image: StoredImage, reference: String, profile: Profile, stateRoot: URL, now: Date = Date()
    ) throws(PolicyError) -> Verdict {
        try decide(digest: image.manifestDigest, registry: image.registry, reference: reference, profile: profile, stateRoot: stateRoot, now: now)
    }

    /// The same decision for a manifest digest and the registry it came from (nil: a local import, or
    /// an image not in the store, whose attestations alone are judged). `fetched` holds envelopes fetched
    /// from the image's registry (the admission webhook's cache), judged together with the stored ones.
    public static func decide(
        digest: String, registry: String?, reference: String, profile: Profile, stateRoot: URL, fetched: AttestationStore? = nil, now: Date = Date()
    ) throws(PolicyError) -> Verdict {
        if let registry {
            try profile.checkRegistry(registry, image: reference, action: "run")
        }
        return AdmissionGate(stateRoot: stateRoot, fetched: fetched).verdict(imageDigest: digest, policy: profile.admission, now: now)
    }
}
