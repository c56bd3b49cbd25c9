import Images
import Policy

/// The image a cluster is told to run: always `NAME@sha256:DIGEST`, the manifest digest admission judges.
public enum ImagePinning {
    /// `text` pinned by digest: a stored image by its manifest digest (under the name given, or its first
    /// stored name when given by digest), or a reference that already carries a digest. A tag alone is
    /// refused: the cluster would run whatever the tag points at when it pulls. Returns the stored image
    /// too, for its runtime defaults.
    public static func pin(_ text: String, store: ImageStore?) throws(ExportError) -> (reference: String, stored: StoredImage?) {
        let stored = try? store?.resolve(text)
        let parsed: ImageReference
        do {
            if let stored, text.hasPrefix("sha256:") || !text.contains(where: { !$0.isHexDigit }) {
                // Given by digest (or a prefix of one): the store's first name says where it lives.
                guard let name = stored.names.first else { throw ExportError.unnamedImage(image: text) }
                parsed = try ImageReference(parsing: name)
            } else {
                parsed = try ImageReference(parsing: text)
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .invalidImage(image: text, reason: "\(error)")
        }
        if let stored { return (parsed.name + "@" + stored.manifestDigest, stored) }
        guard let digest = parsed.digest else { throw .tagOnly(image: text) }
        return (parsed.name + "@" + digest, nil)
    }

    /// The registry of a pinned reference, for the profile's registry rule.
    public static func registry(of reference: String) -> String? {
        (try? ImageReference(parsing: reference))?.registry
    }
}
