import Admission
import ArgumentParser
import ContentDigest
import Foundation
import Images
import Policy

/// `securerun image ls`: the stored images, with the admission state of each under a profile. A record
/// that cannot be used is listed as a broken row (with the reason) and the others still are; the exit
/// status is 0 either way (`image check` is the command whose status says whether the store is intact).
struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List stored images (broken records are listed as BROKEN, with the reason).", aliases: ["list"])

    @Flag(help: "Print the images as a JSON array.")
    var json = false

    @Option(help: "Profile whose admission policy the ATTESTATION column reports (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    func run() async throws {
        try await reportingErrors {
            let store = try openImageStore()
            let root = store.root
            let catalog = try store.catalog()
            // ls still lists images when the profile cannot be read; the column then says why it is unknown.
            let policy = Result { try ProfileLoader.load(ProfileLoader.requested(profile)) }
            if case .failure(let error) = policy {
                printError("warning: the ATTESTATION column is unknown because the profile cannot be loaded: \(error)")
            }
            let listed = catalog.images.map { ListedImage(image: $0, attestation: AttestationState(image: $0, root: root, profile: policy)) }
            if json {
                let broken = catalog.broken.map { ListedBrokenImage(names: $0.names, manifestDigest: $0.manifestDigest, reason: $0.reason) }
                print(try jsonString(listed.map(ListEntry.image) + broken.map(ListEntry.broken)))
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
            for broken in catalog.broken {
                let digest = String(broken.manifestDigest.dropFirst("sha256:".count).prefix(12))
                for name in broken.names.isEmpty ? ["<none>:<none>"] : broken.names {
                    let (repository, tag) = splitTag(name)
                    rows.append([repository, tag, digest, "-", "-", "BROKEN: \(broken.reason)"])
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
        count = (try? Digest(parsing: image.manifestDigest)).map { AttestationStore(root: root).files(for: $0).count } ?? 0
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

/// One element of `image ls --json`: an image, or a broken record.
enum ListEntry: Encodable {
    case image(ListedImage)
    case broken(ListedBrokenImage)

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .image(let image): try image.encode(to: encoder)
        case .broken(let broken): try broken.encode(to: encoder)
        }
    }
}

/// A broken record as `image ls --json` prints it: `{"broken": true, "reason": …}` with its digest and names.
struct ListedBrokenImage: Encodable {
    var names: [String]
    var manifestDigest: String
    var reason: String
    var broken = true
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
