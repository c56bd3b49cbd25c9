import Testing

@testable import Images

/// The byte matchers that replaced the reference grammar's regex literals accept exactly what the regexes
/// accept: an image name that one reading takes and the other refuses would be two images.
@Suite("Reference grammar: byte matchers against the distribution regexes")
struct ReferenceGrammarTests {
    /// Random words over the characters that matter to the three patterns (and a few that must fail).
    static func words(_ count: Int, seed: UInt64) -> [String] {
        var generator = SplitMix(state: seed)
        let alphabet = Array("aZ09._-:[]/@ é\n")
        return (0..<count).map { _ in
            String((0..<Int.random(in: 0...9, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
    }

    @Test func theyAgreeOnRandomWordsAndTheEdges() {
        // The patterns as ImageReference had them.
        let tag = #/[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/#
        let component = #/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*/#
        let registry = #/(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?/#
        let edges = [
            "", "a", "_", ".a", "-a", "a-", "a--b", "a__b", "a___b", "a._b", "a.b", "[::1]", "[::1]:5000", "[::1]x", "a:b:5000", "host:",
            "host:5000", "h-1.example.com", "-h.example", "h..e", String(repeating: "a", count: 128), String(repeating: "a", count: 129),
        ]
        for word in edges + Self.words(20_000, seed: 7) {
            #expect(ReferenceGrammar.isTag(word) == (word.wholeMatch(of: tag) != nil), "tag \(word.debugDescription)")
            #expect(ReferenceGrammar.isComponent(word) == (word.wholeMatch(of: component) != nil), "component \(word.debugDescription)")
            #expect(ReferenceGrammar.isRegistry(word) == (word.wholeMatch(of: registry) != nil), "registry \(word.debugDescription)")
        }
    }
}

/// A seeded generator, so a disagreement found once is found again.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
