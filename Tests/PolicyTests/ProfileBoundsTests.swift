import Foundation
import Testing

@testable import Policy

/// Hostile profile text: each shape that used to crash securerun (Yams recursing 5,000 levels), or that two
/// YAML readers would read differently, is one error naming the file.
@Suite struct ProfileBoundsTests {
    /// The reason in `.invalidField(unit.yaml, field, reason)`, or nil when parsing did not fail that way.
    func refusal(_ text: String) -> (field: String, reason: String)? {
        do {
            _ = try ProfileFixtures.parse(text)
            return nil
        } catch {
            guard case .invalidField(let path, let field, let reason) = error, path == ProfileFixtures.unitPath else { return nil }
            return (field, reason)
        }
    }

    static let levels = 5_000

    static let deepShapes: [(name: String, text: String, reason: String)] = [
        ("flow sequences", "capabilities: " + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "\n", "more than 256 '[' or '{'"),
        (
            "flow mappings", "admission: " + String(repeating: "{a: ", count: levels) + "x" + String(repeating: "}", count: levels) + "\n",
            "more than 256 '[' or '{'"
        ),
        ("compact block sequences", "capabilities:\n" + String(repeating: "- ", count: levels) + "x\n", "block collections nest more than 63 columns in"),
        ("compact complex keys", "admission:\n" + String(repeating: "? ", count: levels) + "x\n", "block collections nest more than 63 columns in"),
        // 5,000 indentation levels need 12 MB; 1,000 fit under the size limit and are refused for their depth.
        ("block indentation", (0..<1_000).map { String(repeating: " ", count: $0) + "a:\n" }.joined(), "block collections nest more than 63 columns in"),
        (
            "indentation after CR breaks", (0..<1_000).map { String(repeating: " ", count: $0) + "a:\r" }.joined(),
            "block collections nest more than 63 columns in"
        ),
        (
            "indentation after NEL breaks", (0..<1_000).map { String(repeating: " ", count: $0) + "a:\u{85}" }.joined(),
            "block collections nest more than 63 columns in"
        ),
        (
            "a byte-order mark before compact sequences", "\u{FEFF}" + String(repeating: "- ", count: levels) + "x\n",
            "block collections nest more than 63 columns in"
        ),
    ]

    @Test("deeply nested YAML is one error, not a crash", arguments: deepShapes.indices)
    func deepYAML(_ index: Int) {
        let shape = Self.deepShapes[index]
        let refused = refusal(shape.text)
        #expect(refused?.field == "(document)", "\(shape.name)")
        #expect(refused?.reason.contains(shape.reason) == true, "\(shape.name): \(refused?.reason ?? "accepted")")
    }

    @Test func jsonProfileNested200000LevelsIsOneError() {
        let text = #"{"capabilities": "# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"
        #expect(refusal(text)?.reason.hasPrefix("line 1, column 273: more than 256 '[' or '{'") == true)
    }

    @Test func nestingWithinTheTextBoundsButPastTheTreeLimitIsRefusedExactly() {
        // 40 levels: under the text bounds, over the 32-level limit on the composed tree.
        let text = "admission: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n"
        let refused = refusal(text)
        #expect(refused?.field.hasPrefix("admission[0][0]") == true)
        #expect(refused?.reason.hasSuffix("values nest more than 32 levels deep") == true)
    }

    @Test func hugeProfileIsRefusedBeforeParsing() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-huge-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(("# " + String(repeating: "x", count: 2 << 20) + "\nname: huge\n").utf8).write(to: file)
        #expect {
            try ProfileLoader.load(file: file)
        } throws: { error in
            (error as? PolicyError)?.description
                == "\(file.path): field (document): the file is over the 1048576-byte limit for profiles (a profile is a few kilobytes)"
        }
    }

    @Test func endlessDeviceAsProfileEndsWithAMessage() {
        #expect {
            try ProfileLoader.load(file: URL(fileURLWithPath: "/dev/zero"))
        } throws: { error in
            // A device is never read at all (it used to be read up to the size limit).
            (error as? PolicyError)?.description == "cannot read profile /dev/zero: not a regular file (a FIFO, device or socket is never read)"
        }
    }

    @Test func aliasChainsCannotBuildDepthTheTextDoesNotShow() {
        // Each anchor nests the previous one: shallow text, deep tree. Nine anchors are refused outright.
        var text = "admission:\n  ignore:\n  - &a0 [x]\n"
        for level in 1...9 { text += "  - &a\(level) [*a\(level - 1)]\n" }
        #expect(refusal(text)?.reason.contains("more than 8 YAML anchors") == true)
    }

    @Test func theDeepestTreeTheTextBoundsAllowIsRefusedWithoutACrash() {
        // Eight anchors, each nesting the previous one 30 block levels and 32 flow levels deeper: as deep as
        // the text bounds let a tree get (about 500 levels), composed, checked and freed without recursion trouble.
        var text = "a0: &a0 x\n"
        for level in 1...7 {
            let flow = String(repeating: "[", count: 32) + "*a\(level - 1)" + String(repeating: "]", count: 32)
            text += "a\(level): &a\(level)\n  " + String(repeating: "- ", count: 30) + flow + "\n"
        }
        #expect(refusal(text)?.reason.hasSuffix("values nest more than 32 levels deep") == true)
    }

    @Test func aliasBombIsStoppedByTheNodeBudget() {
        // 8 anchors, each repeating the previous ten times: 10^8 values once expanded.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<8 { text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let refused = refusal(text)
        #expect(refused?.reason.contains("more than 100000 values (aliases expanded)") == true, "\(refused?.reason ?? "accepted")")
    }

    @Test func textThatOnlyLooksLikeAnchorsIsNotCounted() throws {
        let profile = try ProfileFixtures.parse("# R&D, Q&A, this & that, &&\nname: words\n")
        #expect(profile.name == "words")
    }

    static let duplicates: [(text: String, field: String)] = [
        ("name: a\nname: b\n", "name"),
        ("name: a\n\"name\": b\n", "name"),
        ("name: a\n'name': b\n", "name"),
        ("name: a\n\"n\\x61me\": b\n", "name"),
        ("name: a\n? name\n: b\n", "name"),
        ("admission:\n  blockAt: CRITICAL\n  allowUnattested: false\n  blockAt: LOW\n", "admission.blockAt"),
        ("{\"name\": \"a\", \"name\": \"b\"}\n", "name"),
    ]

    @Test("a field given twice is refused however it is spelt", arguments: duplicates.indices)
    func duplicateKeys(_ index: Int) {
        let (text, field) = Self.duplicates[index]
        let refused = refusal(text)
        #expect(refused?.field == field)
        #expect(refused?.reason.contains("given twice (first on line") == true, "\(refused?.reason ?? "accepted")")
    }

    @Test func mergeKeysAreRefused() {
        let refused = refusal("base: &b {memory: 64m}\nresources:\n  <<: *b\n  memory: 1g\n")
        #expect(refused?.field == "resources.<<")
        #expect(refused?.reason.contains("merge keys (<<) are not supported") == true)
    }

    @Test func aTaggedKeyYamsWouldDropSilentlyIsRefused() {
        // Yams 5.0.1 decodes `!x allowUnattested: true` as if the field were absent.
        let refused = refusal("admission:\n  !x allowUnattested: true\n")
        #expect(refused?.field == "admission")
        #expect(refused?.reason.contains("a key must be a plain name") == true)
    }

    @Test func ordinaryProfilesWithBracketsInCommentsAndLongLinesStillLoad() throws {
        let text = """
            # [notes] {about} this profile: - one - two
            name: ordinary
            capabilities: [NET_BIND_SERVICE]
            tmpfs:
              - path: /tmp
                size: 16m
            admission:
              allowUnattested: true
              ignore:
                - id: CVE-2024-0001
                  reason: "\(String(repeating: "the vulnerable code is not reachable: ", count: 20))"
                  expires: 2999-01-01
            """
        let profile = try ProfileFixtures.parse(text)
        #expect(profile.name == "ordinary")
        #expect(profile.admission.ignore.count == 1)
    }
}
