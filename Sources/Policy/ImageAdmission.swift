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
    /// an image not in the store, whose attestations alone are judged).
    public static func decide(
        digest: String, registry: String?, reference: String, profile: Profile, stateRoot: URL, now: Date = Date()
    ) throws(PolicyError) -> Verdict {
        if let registry {
            try profile.checkRegistry(registry, image: reference, action: "run")
        }
        return AdmissionGate(stateRoot: stateRoot).verdict(imageDigest: digest, policy: profile.admission, now: now)
    }
}

extension ImageAdmission {
    /// The ids a door quotes when it refuses an image, as `PolicyViolation.Rule` ids are quoted for a
    /// request: stable, so alerts and the README can cite them. Kept apart from the request rules (lint
    /// judges requests, not images).
    public enum Rule: String, Sendable, CaseIterable {
        /// `decide` refused it: no passing, signed, fresh scan under the profile, or a registry it does not allow.
        case admitted = "SR300"
        /// The reference names a tag, which can move after the decision; only a digest pins what runs.
        case pinnedByDigest = "SR301"

        /// The stable id (`SR300`).
        public var id: String { rawValue }

        /// A short kebab-case name.
        public var name: String {
            switch self {
            case .admitted: return "image-admitted"
            case .pinnedByDigest: return "image-pinned-by-digest"
            }
        }

        /// `[SR300 image-admitted]`, as refusals end.
        public var tag: String { "[\(id) \(name)]" }
    }
}
