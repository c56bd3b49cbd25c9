import Foundation

@testable import Policy

/// Profiles for unit tests: the shipped ones, and small ones written beside the shipped seccomp profile.
enum ProfileFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let profilesDirectory = packageRoot.appendingPathComponent("profiles")

    static func shipped(_ name: String) throws -> Profile {
        try ProfileLoader.load(file: profilesDirectory.appendingPathComponent("\(name).yaml"))
    }

    /// Parses `text` as if it were a file in profiles/ (so `seccomp/default.json` resolves).
    static func parse(_ text: String, name: String = "unit") throws(PolicyError) -> Profile {
        try ProfileLoader.parse(text, file: profilesDirectory.appendingPathComponent("\(name).yaml"))
    }

    static var unitPath: String { profilesDirectory.appendingPathComponent("unit.yaml").path }
}
