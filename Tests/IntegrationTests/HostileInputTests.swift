import ContentDigest
import Foundation
import Images
import Testing

/// Hostile documents given to the real binary: each is one line on stderr and exit 125, never a crash
/// (a 10 KB YAML profile nested 5,000 levels used to exit 139).
@Suite("securerun: deep, huge and ambiguous input files")
struct HostileInputTests {
    static let levels = 5_000

    static let profiles: [(name: String, text: String, reason: String)] = [
        ("flow-sequences", "capabilities: " + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "\n", "more than 256 '[' or '{'"),
        (
            "flow-mappings", "admission: " + String(repeating: "{a: ", count: levels) + "x" + String(repeating: "}", count: levels) + "\n",
            "more than 256 '[' or '{'"
        ),
        ("compact-sequences", "capabilities:\n" + String(repeating: "- ", count: levels) + "x\n", "block collections nest more than 63 columns in"),
        ("indentation", (0..<1_000).map { String(repeating: " ", count: $0) + "a:\n" }.joined(), "block collections nest more than 63 columns in"),
        ("indentation-5000", (0..<levels).map { String(repeating: " ", count: $0) + "a:\n" }.joined(), "over the 1048576-byte limit for profiles"),
        (
            "json-200000", #"{"capabilities": "# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}",
            "more than 256 '[' or '{'"
        ),
        ("huge", "# " + String(repeating: "x", count: 3 << 20) + "\nname: huge\n", "over the 1048576-byte limit for profiles"),
        ("duplicate", "admission:\n  allowUnattested: false\n  allowUnattested: true\n", "given twice (first on line 2)"),
    ]

    @Test("a hostile profile is one line and exit 125", arguments: profiles.indices)
    func hostileProfile(_ index: Int) throws {
        guard let fixture = RunFixture.available() else { return }
        let (name, text, reason) = Self.profiles[index]
        let file = fixture.directory.appendingPathComponent("hostile-\(name).yaml")
        try Data(text.utf8).write(to: file)
        let result = try fixture.cli.run(["run", "--profile", file.path, fixture.image, "true"])
        #expect(result.status == 125, "\(name): \(result.status) \(result.stderr.prefix(300))")
        #expect(result.stderr.hasPrefix("securerun: \(file.path): field "), "\(name): \(result.stderr.prefix(300))")
        #expect(result.stderr.contains(reason), "\(name): \(result.stderr.prefix(300))")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(name)")
    }

    static let deepSeccomp =
        #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": "# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}"

    @Test func seccompProfileNested200000LevelsGivenOnTheCommandLineIsOneLine() throws {
        guard let fixture = RunFixture.available() else { return }
        let file = fixture.directory.appendingPathComponent("deep-seccomp.json")
        try Data(Self.deepSeccomp.utf8).write(to: file)
        let result = try fixture.run(["--security-opt", "seccomp=\(file.path)"], ["true"])
        #expect(result.status == 125, "\(result)")
        #expect(
            result.stderr
                == "securerun: invalid --security-opt seccomp=\(file.path): invalid seccomp profile \(file.path): values nest more than 32 levels deep at line 1, column 80\n"
        )
    }

    @Test func seccompProfileNested200000LevelsNamedByAProfileIsOneLine() throws {
        guard let fixture = RunFixture.available() else { return }
        let seccomp = fixture.directory.appendingPathComponent("deep-profile-seccomp.json")
        try Data(Self.deepSeccomp.utf8).write(to: seccomp)
        let profile = fixture.directory.appendingPathComponent("deep-seccomp-profile.yaml")
        try "seccomp: \(seccomp.path)\n".write(to: profile, atomically: true, encoding: .utf8)
        let result = try fixture.cli.run(["run", "--profile", profile.path, fixture.image, "true"])
        #expect(result.status == 125, "\(result)")
        #expect(
            result.stderr
                == "securerun: \(profile.path): field seccomp: invalid seccomp profile \(seccomp.path): values nest more than 32 levels deep at line 1, column 80\n"
        )
    }

    @Test func ociLayoutWithAManifestNested200000LevelsIsRefusedAndNothingIsStored() throws {
        guard Requirements.met(tools: []) else { return }
        let temp = try TemporaryDirectory("securerun-deep-layout")
        let layout = temp.url.appendingPathComponent("layout")
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let manifest = Data(
            (#"{"schemaVersion":2,"annotations":"# + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "}").utf8)
        let digest = Digest.of(manifest)
        try manifest.write(to: blobs.appendingPathComponent(digest.hex))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
        let index =
            #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(digest)","size":\#(manifest.count)}]}"#
        try Data(index.utf8).write(to: layout.appendingPathComponent("index.json"))
        let cli = CLI(root: temp.url.appendingPathComponent("state"))
        let result = try cli.run(["image", "import", layout.path, "--tag", "deep:1"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.hasSuffix("cannot parse Manifest: values nest more than 64 levels deep at line 1, column 97\n"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        let listed = try cli.run(["image", "ls"])
        #expect(!listed.stdout.contains("deep"), "\(listed)")
    }
}
