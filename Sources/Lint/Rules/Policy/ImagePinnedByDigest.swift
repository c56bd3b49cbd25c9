import Policy

/// SR032: images by digest on a cluster, as `securerun lint --explain` explains it.
public enum ImagePinnedByDigest: DoorRule {
    public static let rule = PolicyViolation.Rule.imagePinned
    public static let explanation = """
        The admission webhook decides on an image's digest, and the node pulls the image after the decision: a pod that names a tag \
        could run whatever the tag points at by then, which no attestation covered. So every container, init container and \
        ephemeral container names its image as NAME@sha256:DIGEST.
        Fix: securerun export kubernetes writes the image pinned (the stored image's manifest digest); or resolve the tag once \
        (securerun image ls shows the digest) and write NAME@sha256:DIGEST.
        """
}
