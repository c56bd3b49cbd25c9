import Foundation
import Testing

/// `securerun image tag` gives a stored image another name, as `docker tag` does, and `image rm` of one
/// name keeps the image while other names remain.
@Suite("securerun image tag")
struct ImageTagTests {
    /// The names `image ls --json` lists, per manifest digest.
    static func names(_ cli: CLI) throws -> [String: [String]] {
        let listed = try cli.run(["image", "ls", "--json"])
        #expect(listed.status == 0, "\(listed)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed)")
        var result: [String: [String]] = [:]
        for entry in entries {
            if let digest = entry["manifestDigest"] as? String { result[digest] = entry["names"] as? [String] ?? [] }
        }
        return result
    }

    @Test("a second name: ls shows both, the image is resolvable by either, rm of one removes only that name")
    func secondName() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let fixture = try AdmissionFixture(image: "tag/source:1")
        let tagged = try fixture.cli.run(["image", "tag", "tag/source:1", "127.0.0.1:5000/tag/target:2"])
        #expect(tagged.status == 0, "\(tagged)")
        #expect(tagged.stdout.isEmpty && tagged.stderr.isEmpty, "\(tagged)")
        #expect(try Self.names(fixture.cli) == [fixture.digest: ["127.0.0.1:5000/tag/target:2", "tag/source:1"]])
        #expect(try AdmissionFixture.manifestDigest(of: "127.0.0.1:5000/tag/target:2", cli: fixture.cli) == fixture.digest)

        // Tagging by digest works too, and the same name twice is a no-op.
        #expect(try fixture.cli.run(["image", "tag", String(fixture.digestHex.prefix(12)), "tag/third"]).status == 0)
        #expect(try fixture.cli.run(["image", "tag", "tag/source:1", "tag/third:latest"]).status == 0)
        #expect(try Self.names(fixture.cli)[fixture.digest] == ["127.0.0.1:5000/tag/target:2", "tag/source:1", "tag/third:latest"])

        let removed = try fixture.cli.run(["image", "rm", "127.0.0.1:5000/tag/target:2"])
        #expect(removed.status == 0, "\(removed)")
        #expect(try Self.names(fixture.cli) == [fixture.digest: ["tag/source:1", "tag/third:latest"]])
        #expect(try fixture.cli.run(["image", "inspect", "127.0.0.1:5000/tag/target:2"]).status == 125)
        // Attestations belong to the digest: they stay with the image whatever its names.
        #expect(try fixture.attest("trivy-alpine-310.json").status == 0)
        #expect(try fixture.cli.run(["image", "rm", "tag/third"]).status == 0)
        #expect(fixture.storedAttestations().count == 1)
        #expect(try fixture.cli.run(["image", "rm", "tag/source:1"]).status == 0)
        #expect(try Self.names(fixture.cli).isEmpty)
    }

    @Test("a tag that named another image moves to this one; the other keeps its other names")
    func moves() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let fixture = try AdmissionFixture(image: "tag/one:1")
        let other = fixture.directory.url.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try "other".write(to: other.appendingPathComponent("etc/id"), atomically: true, encoding: .utf8)
        #expect(try fixture.cli.run(["image", "import", "--rootfs", other.path, "--tag", "tag/two:1"]).status == 0)
        #expect(try fixture.cli.run(["image", "tag", "tag/two:1", "tag/two:stable"]).status == 0)
        let second = try AdmissionFixture.manifestDigest(of: "tag/two:1", cli: fixture.cli)
        #expect(try fixture.cli.run(["image", "tag", "tag/one:1", "tag/two:stable"]).status == 0)
        #expect(try Self.names(fixture.cli) == [fixture.digest: ["tag/one:1", "tag/two:stable"], second: ["tag/two:1"]])
    }

    @Test("refusals: a digest in TARGET, an unknown SOURCE, a malformed TARGET; one line, exit 125, names unchanged")
    func refusals() throws {
        guard Requirements.met(tools: [], needsRoot: true) else { return }
        let fixture = try AdmissionFixture(image: "tag/kept:1")
        let before = try Self.names(fixture.cli)
        let cases: [([String], String)] = [
            (
                ["tag/kept:1", "tag/new@\(fixture.digest)"],
                "securerun: invalid image reference 'tag/new@\(fixture.digest)': a tag cannot contain a digest\n"
            ),
            (
                ["tag/missing:1", "tag/new:1"],
                "securerun: no image 'tag/missing:1' in the store at \(fixture.cli.root.path); import or pull it first (`securerun image ls` lists stored images)\n"
            ),
            (
                ["tag/kept:1", "Tag/Upper:1"],
                "securerun: invalid image reference 'Tag/Upper:1': repository name must be lowercase\n"
            ),
        ]
        for (arguments, message) in cases {
            let refused = try fixture.cli.run(["image", "tag"] + arguments)
            #expect(refused.status == 125, "\(arguments): \(refused)")
            #expect(refused.stdout.isEmpty && refused.stderr == message, "\(arguments): \(refused)")
        }
        #expect(try Self.names(fixture.cli) == before)
        let tags = try FileManager.default.contentsOfDirectory(atPath: fixture.cli.root.appendingPathComponent("images/tags").path)
        #expect(tags.count == 1, "\(tags)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.cli.root.appendingPathComponent("tmp").path).isEmpty)
    }
}
