/// Why an export could not be written: each case names the thing and what to do.
public enum ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The image has a tag but no digest, and the store does not know it.
    case tagOnly(image: String)
    /// The image reference does not parse.
    case invalidImage(image: String, reason: String)
    /// A stored image given by digest has no name a cluster could pull it by.
    case unnamedImage(image: String)
    /// No image was given where one is needed.
    case missingImage
    /// `--name` is not a DNS-1123 label.
    case invalidName(String)
    /// `--kind` is not one of the workload kinds.
    case invalidKind(String)
    /// The profile trusts no key, so no engine could verify an attestation.
    case noTrustedKeys(profile: String)
    /// The CA bundle cannot be read or is not PEM certificates.
    case badCABundle(path: String, reason: String)
    /// The output directory or a file in it cannot be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .tagOnly(let image):
            return
                "image \(image) is a tag only and not in the store: give NAME@sha256:DIGEST, or import or pull it first (securerun image ls shows its digest); a tag can move, a digest cannot"
        case .invalidImage(let image, let reason): return "image \(image) is not a valid reference: \(reason)"
        case .unnamedImage(let image):
            return "stored image \(image) has no name a cluster could pull it by: give NAME@sha256:DIGEST, or tag it (securerun image tag)"
        case .missingImage: return "export kubernetes needs an image: securerun export kubernetes --profile P IMAGE (a stored image, or NAME@sha256:DIGEST)"
        case .invalidName(let name):
            return
                "--name \(name) is not a valid Kubernetes name: use at most 52 lower-case letters, digits and '-', starting and ending with a letter or digit"
        case .invalidKind(let kind): return "--kind \(kind) is not a workload kind: use Pod, Deployment, Job or CronJob"
        case .noTrustedKeys(let profile):
            return
                "profile \"\(profile)\" trusts no key, so no cluster engine could verify an attestation: trust one with securerun key trust FILE (or list it in admission.trustedKeys)"
        case .badCABundle(let path, let reason): return "--ca-bundle \(path): \(reason); give the PEM file of the CA that signed the webhook's certificate"
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason); choose a directory you can write with -o DIR"
        }
    }
}
