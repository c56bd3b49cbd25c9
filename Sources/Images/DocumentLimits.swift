import StrictJSON

/// A JSON document the image store reads with its own size and depth limits.
protocol BoundedJSONDocument {
    /// The limits this document is parsed with.
    static var jsonLimits: JSONLimits { get }
}

extension JSONLimits {
    /// Manifests, indexes, a docker archive's manifest.json and an OCI layout's index.json: 4 MiB, the
    /// manifest limit registries apply (the OCI distribution spec's suggested minimum), and 64 levels.
    static let manifest = JSONLimits(maxBytes: 4 << 20, maxDepth: 64)
    /// Image configs carry the build history and labels: 16 MiB.
    static let imageConfig = JSONLimits(maxBytes: 16 << 20, maxDepth: 64)
    /// The store's own image records: a few hundred bytes each.
    static let storeRecord = JSONLimits(maxBytes: 1 << 20, maxDepth: 16)
}

extension OCIImageConfig: BoundedJSONDocument {
    static var jsonLimits: JSONLimits { .imageConfig }
}

extension ImageRecord: BoundedJSONDocument {
    static var jsonLimits: JSONLimits { .storeRecord }
}
