import Foundation
import Testing

@testable import Policy

/// Issue 17, a new user's problem: `admission.ignore`'s entry format was documented nowhere. The README's
/// profile section now shows it; this keeps the example a profile that loads, with the fields it names.
@Suite("the README's admission.ignore example is a valid profile fragment")
struct IgnoreEntryDocumentationTests {
    /// The first fenced yaml block after the paragraph that documents `admission.ignore`.
    static func example() throws -> String {
        let readme = try String(contentsOf: ProfileFixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let paragraph = try #require(readme.range(of: "`admission.ignore` accepts known findings"), "the README documents admission.ignore")
        let rest = readme[paragraph.upperBound...]
        let open = try #require(rest.range(of: "```yaml\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test("the example loads: one entry with its id, reason and expiry, which applies before the day ends and not after")
    func readmeIgnoreExampleLoads() throws {
        let text = "name: documented\nseccomp: default\n" + (try Self.example())
        let file = ProfileFixtures.profilesDirectory.appendingPathComponent("documented.yaml")
        let profile = try ProfileLoader.parse(text, file: file)
        let entry = try #require(profile.admission.ignore.first)
        #expect(profile.admission.ignore.count == 1)
        #expect(entry.id == "CVE-2023-4911" && !entry.reason.isEmpty && entry.expires == "2025-06-30")
        let formatter = ISO8601DateFormatter()
        #expect(entry.applies(at: try #require(formatter.date(from: "2025-06-30T23:59:00Z"))))
        #expect(!entry.applies(at: try #require(formatter.date(from: "2025-07-01T00:00:01Z"))))
    }

    @Test("each field the README calls required is: a missing or empty one is refused naming it", arguments: ["id", "reason", "expires"])
    func everyDocumentedFieldIsRequired(field: String) throws {
        let example = try Self.example()
        // The field's line goes; on the entry's first line its dash stays (`-` then the other keys below).
        let without = example.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("\(field):") else { return String(line) }
            return line.contains("- ") ? String(line.prefix { $0 == " " }) + "-" : nil
        }.joined(separator: "\n")
        let file = ProfileFixtures.profilesDirectory.appendingPathComponent("documented.yaml")
        do {
            _ = try ProfileLoader.parse("name: documented\nseccomp: default\n" + without, file: file)
            Issue.record("an entry without \(field) loaded")
        } catch {
            #expect(String(describing: error).contains("admission.ignore[0]"), "\(error)")
        }
    }
}
