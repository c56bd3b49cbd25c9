import ArgumentParser

/// The `securerun` command tree; each subcommand lives in its own file.
public struct SecurerunCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securerun",
        abstract: "Run Linux containers hardened by default, and only images with a passing, signed scan.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self,
            ImageCommand.self,
            KeyCommand.self,
        ]
    )

    public init() {}
}

/// `securerun image …`: the image store and its attestations.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Import, pull, list, inspect, remove, attest and verify images.",
        subcommands: [
            // Images helper: ImageImport, ImagePull, ImageList, ImageInspect, ImageRemove.
            ImageImportCommand.self, ImagePullCommand.self, ImageListCommand.self, ImageInspectCommand.self, ImageRemoveCommand.self,
            // Admission helper: ImageAttest, ImageAttestation, ImageVerify.
            ImageAttestCommand.self, ImageAttestationCommand.self, ImageVerifyCommand.self,
        ]
    )
}

/// `securerun key …`: signing keys for attestations.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate, trust, list and remove attestation signing keys.",
        subcommands: [KeyGenerateCommand.self, KeyTrustCommand.self, KeyListCommand.self, KeyRemoveCommand.self]
    )
}
