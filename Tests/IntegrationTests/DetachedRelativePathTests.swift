import Foundation
import Testing

/// Issue 17, finding 8: `run -d` hands its request to a monitor that works from `/`, so a path typed
/// relative to the caller's directory (`--profile p.yaml`, `--security-opt seccomp=s.json`) was read as
/// `/p.yaml`. Every path on the command line means what it means where the command was typed.
@Suite("run -d with relative paths: each means what it means in the caller's directory", .serialized)
struct DetachedRelativePathTests {
    /// Runs `securerun ARGUMENTS` from `directory`, as a user who typed it there.
    static func run(in directory: URL, _ cli: CLI, _ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let quoted = ([CLI.binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try CLI.exec(
            "/bin/sh", ["-c", "cd '\(directory.path)' && exec \(quoted)"], environment: ["SECURERUN_ROOT": cli.root.path].merging(environment) { $1 },
            timeout: 60)
    }

    /// A caller's directory holding every kind of file a run names: a profile, a seccomp filter, two
    /// directories to bind, an env file and a label file.
    static func callerDirectory(_ temp: TemporaryDirectory) throws -> URL {
        let directory = temp.url.appendingPathComponent("caller")
        let fm = FileManager.default
        try fm.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.appendingPathComponent("mounted"), withIntermediateDirectories: true)
        _ = try RunFixture.writeProfile(in: directory, name: "p", extra: "")
        try fm.copyItem(
            at: CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json"), to: directory.appendingPathComponent("s.json"))
        try "from-volume\n".write(to: directory.appendingPathComponent("data/x"), atomically: true, encoding: .utf8)
        try "from-mount\n".write(to: directory.appendingPathComponent("mounted/y"), atomically: true, encoding: .utf8)
        try "FROM_ENV_FILE=from-env-file\n".write(to: directory.appendingPathComponent("vars.env"), atomically: true, encoding: .utf8)
        try "from.label.file=yes\n".write(to: directory.appendingPathComponent("labels.txt"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test("run -d --profile p.yaml --security-opt seccomp=s.json -v ./data --mount source=./mounted --env-file --label-file, from the caller's directory")
    func detachedRunReadsRelativePathsWhereTyped() throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let caller = try Self.callerDirectory(isolated.temp)
        let name = "relative-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? isolated.cli.run(["rm", "-f", name]) }
        let started = try Self.run(
            in: caller, isolated.cli,
            [
                "run", "-d", "--name", name, "--profile", "p.yaml", "--security-opt", "seccomp=s.json", "-v", "./data:/data:ro",
                "--mount", "type=bind,source=./mounted,target=/mounted,readonly", "--env-file", "vars.env", "--label-file", "labels.txt",
                isolated.image, "sh", "-c", "cat /data/x /mounted/y; echo \"$FROM_ENV_FILE\"",
            ])
        #expect(started.status == 0, "\(started)")
        guard started.status == 0 else { return }
        #expect(try isolated.cli.run(["wait", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let logs = try isolated.cli.run(["logs", name])
        #expect(logs.stdout == "from-volume\nfrom-mount\nfrom-env-file\n", "\(logs)")
        let inspect = try isolated.cli.run(["inspect", name])
        #expect(inspect.stdout.contains("from.label.file"), "\(inspect)")
        #expect(inspect.stdout.contains(caller.appendingPathComponent("p.yaml").path), "the record names the profile file the caller meant: \(inspect)")
    }

    @Test("each relative path alone, with -d: the profile and the seccomp file are found where the caller typed them", arguments: ["profile", "seccomp"])
    func eachRelativePathAlone(kind: String) throws {
        guard let fixture = RunFixture.available() else { return }
        let isolated = try RunMountTests.Isolated(fixture)
        let caller = try Self.callerDirectory(isolated.temp)
        let flags = kind == "profile" ? ["--profile", "p.yaml"] : ["--profile", fixture.profile, "--security-opt", "seccomp=s.json"]
        let name = "relative-\(kind)-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? isolated.cli.run(["rm", "-f", name]) }
        let started = try Self.run(in: caller, isolated.cli, ["run", "-d", "--rm", "--name", name] + flags + [isolated.image, "true"])
        #expect(started.status == 0 && !started.stderr.contains("cannot read"), "\(kind): \(started)")
    }
}
