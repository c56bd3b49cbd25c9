import Admission
import Foundation
import Images
import Policy

extension ImageAdmission {
    /// ``decide(image:reference:profile:stateRoot:now:)`` that refuses as `run` does: the registry
    /// refusal, or ``OrchestrationError/notAdmitted(image:digest:profile:reasons:)`` with the verdict's
    /// reasons. Returns the admitting verdict.
    public static func require(image: StoredImage, reference: String, profile: Profile, stateRoot: URL, now: Date = Date()) throws -> Verdict {
        let verdict = try decide(image: image, reference: reference, profile: profile, stateRoot: stateRoot, now: now)
        guard verdict.admitted else {
            throw OrchestrationError.notAdmitted(image: reference, digest: image.manifestDigest, profile: profile.name, reasons: verdict.reasons)
        }
        return verdict
    }
}
