import Foundation
import Testing

@testable import Lint
@testable import Policy

/// Shared set-up: the shipped default profile (found from the test binary, as the real binary finds it)
/// and fixed host facts, so findings do not depend on the machine's limits.
enum LintFixtures {
    static let host = HostFacts(rlimits: [.nofile: (1024, 4096), .core: (0, -1)], cpus: [0, 1], memoryNodes: [0], platform: "linux/amd64")

    static func linter(kind: FileKind? = nil) throws -> Linter {
        Linter(kind: kind, profile: try ProfileLoader.load("default"), host: host)
    }

    /// The Fixtures directory of this test target.
    static func directory(_ name: String = "") throws -> URL {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return name.isEmpty ? root : root.appendingPathComponent(name)
    }

    /// Lints text as if it were the file `name` (in a temporary directory).
    static func lint(_ text: String, name: String = "input.yaml", kind: FileKind? = nil) throws -> FileReport {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        return try linter(kind: kind).lint(Array(text.utf8), file: name, url: url)
    }

    /// The repository's root (for the shipped profiles).
    static func repository() -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

extension FileReport {
    /// The ids of the findings that count, in order.
    var rules: [String] { findings.filter(\.counts).map(\.rule) }
}
