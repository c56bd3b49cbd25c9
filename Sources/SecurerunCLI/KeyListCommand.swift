import Admission
import ArgumentParser
import Foundation
import Policy

/// `securerun key ls`: the keys whose signatures admission trusts.
struct KeyListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List trusted keys: those added with 'key trust' and those the profile names.")

    @Option(help: "Profile whose admission.trustedKeys are listed too (default: $SECURERUN_PROFILE, else default).")
    var profile: String?

    @Flag(help: "Print JSON.")
    var json = false

    struct Row: Encodable {
        var name: String
        var algorithm: String
        var keyid: String
        var file: String
        /// `state root` (removable with `key rm`) or `profile NAME`.
        var trustedBy: String
    }

    func run() async throws {
        try await reportingErrors {
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            let (keys, problems) = KeyFiles.list(stateRoot: stateRoot(), policy: loaded.admission)
            let rows = keys.map { listed in
                Row(
                    name: URL(fileURLWithPath: listed.key.name).lastPathComponent, algorithm: listed.key.key.algorithm.rawValue,
                    keyid: listed.key.key.keyID, file: listed.key.name, trustedBy: listed.removable ? "state root" : "profile \(loaded.name)")
            }
            if json {
                print(try jsonString(rows))
            } else if rows.isEmpty {
                print("no trusted keys; add one with 'securerun key trust FILE.pub'")
            } else {
                printTable(
                    [["NAME", "ALGORITHM", "KEYID", "TRUSTED BY", "FILE"]]
                        + rows.map { [$0.name, $0.algorithm, String($0.keyid.prefix(16)), $0.trustedBy, $0.file] })
            }
            for problem in problems { printError("warning: \(problem)") }
        }
    }
}

/// `securerun key rm`: stop trusting a key added with `key trust`.
struct KeyRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Stop trusting a key added with 'key trust' (by its name or a keyid prefix of 8+ hex digits).")

    @Argument(help: "The key's name (as 'key ls' shows it) or keyid prefix.")
    var keys: [String]

    func validate() throws {
        if keys.isEmpty { throw ValidationError("name the key to remove ('securerun key ls' lists them)") }
    }

    func run() async throws {
        try await reportingErrors {
            // The default profile's keys only sharpen the message for a key removable there, not here.
            let policy = (try? ProfileLoader.load(ProfileLoader.requested(nil)))?.admission ?? AdmissionPolicy()
            for selector in keys {
                let removed = try KeyFiles.remove(selector, stateRoot: stateRoot(), policy: policy)
                print("removed \(removed.name) (keyid \(removed.key.keyID)); its signatures no longer count")
            }
        }
    }
}
