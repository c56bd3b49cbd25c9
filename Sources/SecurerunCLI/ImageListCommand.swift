import ArgumentParser
import Foundation
import Images

/// `securerun image ls`: the stored images.
struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List stored images.", aliases: ["list"])

    @Flag(help: "Print the images as a JSON array.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let images = try ImageStore(root: stateRoot()).list()
            if json {
                print(try jsonString(images))
                return
            }
            var rows = [["REPOSITORY", "TAG", "DIGEST", "SIZE", "CREATED"]]
            for image in images {
                let digest = String(image.manifestDigest.dropFirst("sha256:".count).prefix(12))
                let created = image.config.created ?? image.imported ?? ""
                let size = ByteCountFormatter.string(fromByteCount: image.size, countStyle: .decimal)
                let names = image.names.isEmpty ? ["<none>:<none>"] : image.names
                for name in names {
                    let (repository, tag) = splitTag(name)
                    rows.append([repository, tag, digest, size, created])
                }
            }
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
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
