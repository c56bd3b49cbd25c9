import Foundation
import HostSystem

/// The host tools a private network is built with: iproute2's `ip` and `tc`, and `nft`. Each call is one
/// process whose failure becomes a `RuntimeError` naming the command and the tool's own message.
public enum NetworkTools {
    /// Where the tools are looked for besides PATH (root's sbin directories are not always on it).
    static let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The full path of `tool`, or an error naming the Debian package that has it.
    public static func locate(_ tool: String) throws(RuntimeError) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + directories where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        throw .networkToolMissing(tool: tool, package: ["nft": "nftables", "sysctl": "procps"][tool] ?? "iproute2")
    }

    /// Runs `tool args…`; a non-zero exit throws with what it printed on stderr.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], action: String) throws(RuntimeError) -> String {
        let path = try locate(tool)
        let result: (status: ExitStatus, stdout: [UInt8], stderr: [UInt8])
        do {
            result = try ChildProcess.capture(path, arguments)
        } catch {
            throw .networkFailed(action: action, reason: "cannot run \(tool): \(error)")
        }
        guard result.status == .exited(0) else {
            let message = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let line = message.split(separator: "\n").first.map(String.init) ?? "exit status \(result.status.code)"
            throw .networkFailed(action: action, reason: "\(tool) \(arguments.joined(separator: " ")): \(line)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Runs a command for tear-down: quiet when what it removes is already gone.
    static func remove(_ tool: String, _ arguments: [String], action: String) -> String? {
        do {
            try run(tool, arguments, action: action)
            return nil
        } catch {
            let text = error.description
            let gone = ["Cannot find device", "No such file", "does not exist", "not found", "Invalid argument", "No such device"]
            return gone.contains(where: { text.contains($0) }) ? nil : text
        }
    }

    /// Whether an interface of that name exists in the host's namespace.
    static func interfaceExists(_ name: String) -> Bool {
        !name.contains("/") && FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// The alias (`ifalias`) of a host interface, or nil.
    static func alias(of name: String) -> String? {
        guard !name.contains("/"), let text = try? FileContents.text("/sys/class/net/\(name)/ifalias", limit: 512) else { return nil }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }
}
