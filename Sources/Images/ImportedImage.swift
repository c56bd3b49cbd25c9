import ContentDigest
import Foundation
import HostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// An imported image and the attestation envelopes its archive or layout carried for it.
public struct ImportedImage: Sendable {
    /// The stored image.
    public var image: StoredImage
    /// The envelopes found under ``ArchivedAttestations/directory(for:)`` for this image, exact bytes,
    /// each once; nothing about them is checked here.
    public var attestations: [Data]
    /// Envelopes passed over (too many, too large, unreadable), one line each.
    public var warnings: [String]
}

extension ImageStore {
    /// The envelopes `source` carries for `image`, within ``ArchivedAttestations``' bounds. Envelopes
    /// kept for other images of the same layout are not read.
    static func carried(by source: ImageSource, for image: StoredImage) -> ImportedImage {
        var result = ImportedImage(image: image, attestations: [], warnings: [])
        guard let digest = image.digest else { return result }
        let directory = ArchivedAttestations.directory(for: digest)
        let names = source.regularFiles(in: directory).filter { $0.hasSuffix(".json") }
        if names.count > ArchivedAttestations.maxCount {
            result.warnings.append(
                "\(source.origin) carries \(names.count) attestations for \(digest); only the first \(ArchivedAttestations.maxCount) are read")
        }
        var seen: Set<Digest> = []
        var total: Int64 = 0
        for name in names.prefix(ArchivedAttestations.maxCount) {
            let member = "\(directory)/\(name)"
            guard let url = source.file(member) else { continue }
            do throws(ImageError) {
                let data = try readBounded(url, limit: min(ArchivedAttestations.maxBytes, ArchivedAttestations.maxTotalBytes - total), what: member)
                total += Int64(data.count)
                if seen.insert(Digest.of(data)).inserted { result.attestations.append(data) }
            } catch {
                result.warnings.append("skipped attestation \(member) in \(source.origin): \(error)")
            }
        }
        return result
    }

    /// Reads a regular file (never through a symlink) of at most `limit` bytes, to its end.
    static func readBounded(_ url: URL, limit: Int64, what: String) throws(ImageError) -> Data {
        do { return Data(try FileContents.readRegular(url.path, limit: Int(limit))) } catch {
            switch error {
            case .notRegular: throw .invalidImage(source: what, reason: "it is not a regular file")
            case .tooLarge: throw .invalidImage(source: what, reason: "it is larger than \(limit) bytes, the most an attestation may have here")
            case .system(let cause): throw .io(path: url.path, operation: cause.call, errno: cause.errno)
            }
        }
    }
}
