import ArgumentParser
import Foundation
import Renderers

/// `securerun export …`: a profile written as what another tool takes.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a profile as another tool's configuration (compose service keys, Kubernetes workloads and cluster policies).",
        subcommands: [ExportComposeCommand.self, ExportKubernetesCommand.self, ExportPoliciesCommand.self, ExportWebhookConfigCommand.self]
    )
}

/// Where an export goes: stdout, or files in `-o DIR`.
struct ExportOutput {
    /// The directory, or nil for stdout.
    var directory: String?

    /// Writes each file into the directory (made if missing, its parent must exist), or prints the YAML files to stdout and
    /// says on stderr what was left out (files that are not YAML need a directory).
    func write(_ files: [(name: String, contents: Data)]) throws {
        guard let directory else {
            for file in files where file.name.hasSuffix(".yaml") {
                FileHandle.standardOutput.write(file.contents)
            }
            return
        }
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        // mkdir and access name the real reason (errno); Foundation's messages do not.
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw ExportError.unwritable(path: directory, reason: String(cString: strerror(errno)).lowercased())
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ExportError.unwritable(path: directory, reason: "not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw ExportError.unwritable(path: directory, reason: String(cString: strerror(errno)).lowercased())
        }
        for file in files {
            let target = url.appendingPathComponent(file.name)
            do {
                try file.contents.write(to: target, options: .atomic)
            } catch {
                throw ExportError.unwritable(path: target.path, reason: Self.reason(error))
            }
            FileHandle.standardError.write(Data("wrote \(target.path)\n".utf8))
        }
    }

    /// Foundation's error as a short lower-case reason.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain, let text = strerror(Int32(posix.code)) {
            return String(cString: text).lowercased()
        }
        switch nsError.code {
        case NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteFileExistsError: return "a file is in the way"
        case NSFileWriteOutOfSpaceError: return "no space left on device"
        case NSFileWriteVolumeReadOnlyError: return "read-only file system"
        default: return nsError.localizedDescription.lowercased()
        }
    }
}

/// `--exempt-namespace`, shared by the policies and the webhook configuration.
struct ExemptNamespaces: ParsableArguments {
    @Option(
        name: .customLong("exempt-namespace"),
        help: "A namespace the policies do not apply to, matched by its kubernetes.io/metadata.name label (repeatable; default: kube-system).")
    var namespaces: [String] = []

    /// The namespaces given, or kube-system.
    var list: [String] { namespaces.isEmpty ? ["kube-system"] : namespaces }
}
