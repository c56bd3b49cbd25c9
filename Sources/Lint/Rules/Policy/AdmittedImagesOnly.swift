import Policy

/// SR027: the admission rule, as `securerun lint --explain` explains it (it judges images, not files).
public enum AdmittedImagesOnly: DoorRule {
    public static let rule = PolicyViolation.Rule.imageAdmission
    public static let explanation = """
        An image starts only when a vulnerability-scan attestation covers its exact manifest digest: signed by keys the profile trusts \
        (threshold), passing (no finding at or above blockAt that the profile does not ignore), and fresh (scanned within maxScanAge). \
        A pulled image must also come from one of the profile's allowedRegistries. Every door decides it the same way: run, the \
        drop-in, start and restart, image verify, audit, the engine plugin and the admission webhook.
        Fix: scan the image, then securerun image attest IMAGE --report REPORT --key KEY (or pull the attestation with the image); \
        securerun image verify IMAGE says what is missing.
        """
}
