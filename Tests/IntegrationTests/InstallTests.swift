import Foundation
import Testing

/// Issue 9: an installed securerun finds its own profiles wherever it is started from, and ships a man
/// page and completions that cover every command.
@Suite("install: profiles found from the binary, man page, completions")
struct InstallTests {
    /// The install layout `scripts/install` makes (PREFIX/bin, PREFIX/share/securerun/profiles), with the
    /// test build's binary copied in.
    struct Prefix {
        let directory: TemporaryDirectory
        var binary: String { directory.url.appendingPathComponent("bin/securerun").path }

        init() throws {
            directory = try TemporaryDirectory("securerun-prefix")
            let fm = FileManager.default
            try fm.createDirectory(at: directory.url.appendingPathComponent("bin"), withIntermediateDirectories: true)
            try fm.createDirectory(at: directory.url.appendingPathComponent("share/securerun"), withIntermediateDirectories: true)
            try fm.copyItem(atPath: CLI.binary, toPath: binary)
            try fm.copyItem(
                at: CLI.packageRoot.appendingPathComponent("profiles"), to: directory.url.appendingPathComponent("share/securerun/profiles"))
        }
    }

    // `cd /tmp; securerun run …` failed with "profile default not found": profiles were looked for beside argv[0].
    @Test("from / and through a symlink named elsewhere, the installed binary finds PREFIX/share/securerun/profiles")
    func findsShippedProfiles() throws {
        guard let fixture = RunFixture.available() else { return }
        let prefix = try Prefix()
        let link = prefix.directory.url.appendingPathComponent("elsewhere")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: prefix.binary)
        for program in [prefix.binary, link.path] {
            let result = try CLI.exec(
                "/bin/sh", ["-c", "cd / && \(program) run --profile production --dry-run \(fixture.image) true"],
                environment: ["SECURERUN_ROOT": fixture.cli.root.path])
            // The image is unattested, so production refuses it: but only after loading the profile.
            #expect(result.stderr.contains("not admitted by profile \"production\""), "\(result)")
            #expect(!result.stderr.contains("not found"), "\(result)")
        }
        let info = try CLI.exec(prefix.binary, ["info"])
        #expect(info.stdout.contains(prefix.directory.url.appendingPathComponent("share/securerun/profiles").path), "\(info)")
    }

    @Test("a profile copied anywhere names a shipped seccomp profile by name; a relative path is relative to the profile file")
    func seccompByName() throws {
        guard let fixture = RunFixture.available() else { return }
        let prefix = try Prefix()
        let elsewhere = prefix.directory.url.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: elsewhere.appendingPathComponent("filters"), withIntermediateDirectories: true)
        try "name: copied\nseccomp: default\nadmission:\n  allowUnattested: true\n".write(
            to: elsewhere.appendingPathComponent("copied.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            at: CLI.packageRoot.appendingPathComponent("profiles/seccomp/default.json"), to: elsewhere.appendingPathComponent("filters/mine.json"))
        try "name: relative\nseccomp: filters/mine.json\nadmission:\n  allowUnattested: true\n".write(
            to: elsewhere.appendingPathComponent("relative.yaml"), atomically: true, encoding: .utf8)
        try "name: typo\nseccomp: defualt\n".write(to: elsewhere.appendingPathComponent("typo.yaml"), atomically: true, encoding: .utf8)
        let environment = ["SECURERUN_ROOT": fixture.cli.root.path]
        for profile in ["copied", "relative"] {
            let result = try CLI.exec(
                "/bin/sh", ["-c", "cd / && \(prefix.binary) run --profile \(elsewhere.path)/\(profile).yaml \(fixture.image) true"], environment: environment)
            #expect(result.status == 0, "\(profile): \(result)")
        }
        let typo = try CLI.exec(
            prefix.binary, ["run", "--profile", elsewhere.appendingPathComponent("typo.yaml").path, fixture.image, "true"], environment: environment)
        #expect(
            typo.status == 125 && typo.stderr.contains("field seccomp: \"defualt\" is neither a file next to the profile nor a shipped seccomp profile"),
            "\(typo)")
    }

    @Test("the man page and the completions name every command securerun has")
    func manualAndCompletions() throws {
        let help = try CLI.exec(CLI.binary, ["--help"])
        let commands = help.stdout.split(separator: "\n").drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst()
            .compactMap { line -> String? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = trimmed.split(separator: " ").first else { return nil }
                return String(name)
            }
            .filter { $0 != "help" && !$0.hasPrefix("See") }
        #expect(commands.contains("run") && commands.contains("audit"), "\(help)")
        let manual = try String(contentsOf: CLI.packageRoot.appendingPathComponent("docs/securerun.1"), encoding: .utf8)
        for command in commands {
            #expect(manual.contains(".It Em \(command)") || manual.contains(".It Em \"\(command)"), "docs/securerun.1 lacks \(command): run scripts/manual")
        }
        #expect(!manual.contains("__monitor"))
        for shell in ["bash", "zsh", "fish"] {
            let script = try CLI.exec(CLI.binary, ["--generate-completion-script", shell])
            #expect(script.status == 0 && commands.allSatisfy { script.stdout.contains($0) }, "\(shell)")
        }
    }
}
