import Admission
import ArgumentParser
import Foundation
import Images
import Policy

/// `securerun image ls`: the stored images, with the admission state of each under a profile.
struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List stored images.", aliases: ["list"])

    @Flag(help: "Print the images as a JSON array.")
    var json = false

    @Option(help: "Profile whose admission policy the ATTESTATION column reports (default: default).")
    var profile: String?

    func run() async throws {
        try await reportingErrors {
            let root = stateRoot()
            let images = try ImageStore(root: root).list()
            // ls still lists images when the profile cannot be read; the column then says why it is unknown.
            let policy = Result { try ProfileLoader.load(profile) }
            let listed = images.map { ListedImage(image: $0, attestation: AttestationState(image: $0, root: root, profile: policy)) }
            if json {
                print(try jsonString(listed))
                return
            }
            var rows = [["REPOSITORY", "TAG", "DIGEST", "SIZE", "CREATED", "ATTESTATION"]]
            for entry in listed {
                let image = entry.image
                let digest = String(image.manifestDigest.dropFirst("sha256:".count).prefix(12))
                let created = image.config.created ?? image.imported ?? ""
                let size = ByteCountFormatter.string(fromByteCount: image.size, countStyle: .decimal)
                let names = image.names.isEmpty ? ["<none>:<none>"] : image.names
                for name in names {
                    let (repository, tag) = splitTag(name)
                    rows.append([repository, tag, digest, size, created, entry.attestation.summary])
                }
            }
            let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { index, cell in
                    index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
                }
                print(cells.joined())
            }
        }
    }

    private func splitTag(_ name: String) -> (String, String) {
        guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") else { return (name, "<none>") }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }
}

/// How many attestations an image has and whether the profile's gate admits it.
struct AttestationState: Encodable {
    var count: Int
    var profile: String?
    var admitted: Bool?
    var reason: String?

    init(image: StoredImage, root: URL, profile: Result<Profile, any Error>) {
        count = (try? ImageDigest(image.manifestDigest)).map { AttestationStore(root: root).files(for: $0).count } ?? 0
        switch profile {
        case .success(let loaded):
            self.profile = loaded.name
            let verdict = AdmissionGate(stateRoot: root).verdict(imageDigest: image.manifestDigest, policy: loaded.admission)
            admitted = verdict.admitted
            reason = verdict.admitted ? nil : verdict.reasons.first
        case .failure(let error):
            reason = "profile not readable: \(error)"
        }
    }

    /// The ATTESTATION column: `none`, `1, admitted`, `2, refused`, or `1, unknown`.
    var summary: String {
        guard count > 0 else { return "none" }
        switch admitted {
        case .some(true): return "\(count), admitted"
        case .some(false): return "\(count), refused"
        case .none: return "\(count), unknown"
        }
    }
}

/// An image as `image ls --json` prints it: the stored image's fields plus `attestation`.
struct ListedImage: Encodable {
    var image: StoredImage
    var attestation: AttestationState

    enum Keys: String, CodingKey { case attestation }

    func encode(to encoder: any Encoder) throws {
        try image.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(attestation, forKey: .attestation)
    }
}
