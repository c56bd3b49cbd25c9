import Foundation

/// The image a report is about to be signed for, as `image attest` knows it.
public struct AttestedImage: Sendable, Equatable {
    /// `sha256:<hex>` of the manifest.
    public var manifestDigest: String
    /// `sha256:<hex>` of the config blob (what Trivy calls ImageID).
    public var configDigest: String
    /// The names the store knows it by (`registry/repo:tag`).
    public var names: [String]

    /// An image from its digests and names.
    public init(manifestDigest: String, configDigest: String, names: [String]) {
        self.manifestDigest = manifestDigest
        self.configDigest = configDigest
        self.names = names
    }
}

/// Checks that a report is of the image it is attested for, as far as the report says what it scanned:
/// the config digest first (Trivy `Metadata.ImageID`, Grype `imageID`), then the manifest digest (Grype
/// `manifestDigest`, `RepoDigests`), then names. A report that names nothing is refused too.
public enum ReportBinding {
    /// Throws `reportOfAnotherImage` or `reportNamesNoArtifact` unless the report is bound to `image`.
    public static func check(_ report: ScanReport, image: AttestedImage, source: String) throws {
        let artifact = report.artifact
        if artifact.isEmpty { throw AdmissionError.reportNamesNoArtifact(source: source) }
        if !artifact.configDigests.isEmpty {
            guard artifact.configDigests.contains(image.configDigest) else {
                throw AdmissionError.reportOfAnotherImage(
                    source: source,
                    detail: "it scanned image id \(artifact.configDigests.joined(separator: ", ")), this image's config digest is \(image.configDigest)")
            }
            return
        }
        let digests = artifact.manifestDigests + artifact.repoDigests.compactMap { $0.split(separator: "@").last.map(String.init) }
        if !digests.isEmpty {
            guard digests.contains(image.manifestDigest) else {
                throw AdmissionError.reportOfAnotherImage(
                    source: source, detail: "it scanned \(digests.joined(separator: ", ")), this image is \(image.manifestDigest)")
            }
            return
        }
        // Names only: a file path (trivy --input image.tar) says nothing; a reference must be one of ours.
        let references = artifact.names.filter { !looksLikePath($0) }
        guard !references.isEmpty else { return }
        let ours = Set(image.names.map(repository))
        guard references.contains(where: { ours.contains(repository($0)) }) else {
            let known = image.names.isEmpty ? "no name" : image.names.joined(separator: ", ")
            throw AdmissionError.reportOfAnotherImage(source: source, detail: "it scanned \(references.joined(separator: ", ")), this image is \(known)")
        }
    }

    /// `docker.io/library/alpine:3.19@sha256:…` → `alpine`; `registry:5000/team/app:1` → `registry:5000/team/app`.
    static func repository(_ reference: String) -> String {
        var name = reference
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        for prefix in ["index.docker.io/", "docker.io/"] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        if name.hasPrefix("library/"), name.split(separator: "/").count == 2 { name = String(name.dropFirst("library/".count)) }
        return name.lowercased()
    }

    private static func looksLikePath(_ name: String) -> Bool {
        name.hasPrefix("/") || name.hasPrefix("./") || name.hasPrefix("../") || name.hasSuffix(".tar") || name.hasSuffix(".tar.gz")
            || name.hasSuffix(".tgz") || name.contains(" ")
    }
}
