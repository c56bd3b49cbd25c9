import Capabilities
import Foundation
import Seccomp

/// Paths of the test fixtures and of the shipped profile.
enum Fixture {
    static func path(_ name: String) -> String {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            return "Fixtures/" + name
        }
        return directory.appendingPathComponent(name).path
    }

    static var referenceProfiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path(""))) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix("invalid-") && !$0.hasPrefix("oci-") }.sorted()
    }

    /// securerun's shipped default profile, from the repository (not a copy, so the test checks what ships).
    static var shippedDefault: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("profiles/seccomp/default.json").path
    }

    static func resolve(
        _ name: String, capabilities: Set<Capability> = [], unknownSyscalls: UnknownSyscallPolicy = .reject
    ) throws -> LinuxSeccomp {
        let file = path(name)
        return try SeccompProfile.load(contentsOf: file).resolve(capabilities: capabilities, source: file, unknownSyscalls: unknownSyscalls)
    }

    static func shippedDefaultResolved(capabilities: Set<Capability> = []) throws -> LinuxSeccomp {
        try SeccompProfile.load(contentsOf: shippedDefault).resolve(capabilities: capabilities, source: shippedDefault)
    }
}

extension LinuxSeccomp {
    /// The rules that name `syscall`.
    func rules(for syscall: String) -> [LinuxSeccomp.Syscall] {
        (syscalls ?? []).filter { $0.names.contains(syscall) }
    }

    /// Whether the filter lets `syscall` run whatever its arguments.
    func allowsUnconditionally(_ syscall: String) -> Bool {
        let rules = rules(for: syscall)
        if rules.isEmpty { return defaultAction == .allow || defaultAction == .log }
        return rules.contains { ($0.action == .allow || $0.action == .log) && ($0.args ?? []).isEmpty }
    }

    /// Whether some rule lets `syscall` run, perhaps only for some arguments.
    func allowsSometimes(_ syscall: String) -> Bool {
        let rules = rules(for: syscall)
        if rules.isEmpty { return defaultAction == .allow || defaultAction == .log }
        return rules.contains { $0.action == .allow || $0.action == .log }
    }
}

func capabilities(_ names: String...) throws -> Set<Capability> {
    Set(try names.map { try Capability(parsing: $0) })
}

/// The error `body` throws, as the user would see it.
func seccompError(_ body: () throws -> Void) -> SeccompError? {
    do {
        try body()
        return nil
    } catch let error as SeccompError {
        return error
    } catch {
        return nil
    }
}
