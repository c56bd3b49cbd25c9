import ArgumentParser

/// The `securerun` command tree; each subcommand lives in its own file.
public struct SecurerunCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "securerun",
        abstract: "Run Linux containers hardened by default, and only images with a passing, signed scan.",
        discussion: """
            run, image verify, import, pull, push and ls, image attestation, key ls and audit use \
            $SECURERUN_PROFILE when --profile is not given, as the docker drop-in does; --profile wins, and \
            without either the profile is default.
            """,
        version: SecurerunVersion.number,
        subcommands: [
            RunCommand.self, ExecCommand.self, PsCommand.self, LogsCommand.self, StopCommand.self, KillCommand.self, RmCommand.self,
            WaitCommand.self, InspectCommand.self, RestoreCommand.self, GenerateCommand.self, AuditCommand.self, GcCommand.self, LintCommand.self,
            ExportCommand.self, SeccompCommand.self,
            VersionCommand.self,
            InfoCommand.self,
            DockerCommand.self, DockerAliasCommand.self,
            ImageCommand.self,
            NetworkCommand.self,
            KeyCommand.self,
            MonitorCommand.self,
            EnginePluginCommand.self,
            AdmissionCommand.self,
        ]
    )

    public init() {}
}

/// `securerun image …`: the image store and its attestations.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Import, pull, push, save, tag, list, inspect, remove, check, attest and verify images.",
        subcommands: [
            // Images helper: ImageImport, ImagePull, ImageList, ImageInspect, ImageRemove, ImageCheck.
            ImageImportCommand.self, ImagePullCommand.self, ImagePushCommand.self, ImageSaveCommand.self, ImageTagCommand.self,
            ImageListCommand.self, ImageInspectCommand.self, ImageRemoveCommand.self, ImageCheckCommand.self,
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
