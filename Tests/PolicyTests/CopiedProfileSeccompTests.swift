import Foundation
import Testing

@testable import Policy

/// Issue 17, a new user's problem: a shipped profile copied to another directory fails on its relative
/// `seccomp: seccomp/default.json`, which stayed behind. The error must say how to fix it: `seccomp: default`.
@Suite("a copied shipped profile whose relative seccomp path stayed behind")
struct CopiedProfileSeccompTests {
    @Test(
        "each shipped profile copied alone: the error names the missing file and suggests 'seccomp: default'", arguments: ["default", "production", "service"])
    func copiedShippedProfileSuggestsTheShippedFilter(name: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copied-profile-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("\(name).yaml")
        try FileManager.default.copyItem(at: ProfileFixtures.profilesDirectory.appendingPathComponent("\(name).yaml"), to: copy)
        do {
            _ = try ProfileLoader.load(file: copy)
            Issue.record("the copy loaded without its seccomp file")
        } catch {
            let text = String(describing: error)
            #expect(text.hasPrefix("\(copy.path): "), "\(text)")
            #expect(text.contains("seccomp") && text.contains(directory.appendingPathComponent("seccomp/default.json").path), "\(text)")
            #expect(text.contains("'seccomp: default'"), "\(text)")
            #expect(!text.contains("\n"), "one line: \(text)")
        }
        // The suggestion works: the same copy with `seccomp: default` loads.
        let text = try String(contentsOf: copy, encoding: .utf8)
        let fixed = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("seccomp:") ? "seccomp: default" : String($0) }
        try fixed.joined(separator: "\n").write(to: copy, atomically: true, encoding: .utf8)
        #expect(try ProfileLoader.load(file: copy).name == name)
    }
}
