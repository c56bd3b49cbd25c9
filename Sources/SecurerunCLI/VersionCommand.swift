import ArgumentParser
import Foundation
import HostSystem
import Orchestration
import Policy
import Runtime
import Seccomp

/// securerun's version, the one `--version` and `version` print.
package enum SecurerunVersion {
    package static let number = "0.2.0"

    static var build: String {
        #if DEBUG
            return "debug build"
        #else
            return "release build"
        #endif
    }
}

/// `securerun version`: securerun's version and build, and those of what it drives.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print securerun's version and those of the runtimes, libseccomp and the kernel.")

    func run() throws {
        print("securerun \(SecurerunVersion.number) (\(SecurerunVersion.build))")
        for kind in OCIRuntime.Kind.allCases {
            let state = StateRoot(stateRoot()).runtimeState(kind.rawValue)
            switch Result(catching: { () throws(RuntimeError) in try OCIRuntime(kind: kind, stateDirectory: state) }) {
            case .success(let runtime): print("\(kind.rawValue): \(runtime.version() ?? "installed, version unknown") (\(runtime.binary))")
            case .failure(let error): print("\(kind.rawValue): \(error.description)")
            }
        }
        print("libseccomp: \(LibSeccomp.version)")
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        print("kernel: Linux \(release), cgroups \(CgroupLayout.current().rawValue)")
    }
}

/// `securerun info`: where securerun keeps and looks for things.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print where state, profiles and trusted keys live.")

    func run() throws {
        let root = stateRoot()
        print("state root: \(root.path)\(ProcessInfo.processInfo.environment["SECURERUN_ROOT"] != nil ? " (SECURERUN_ROOT)" : "")")
        print("binary: \(ProfileLoader.executableDirectory()?.appendingPathComponent("securerun").path ?? "unknown")")
        print("profile search path (first match wins):")
        for dir in ProfileLoader.searchDirectories() {
            let present = FileManager.default.fileExists(atPath: dir.path)
            print("  \(dir.path)\(present ? "" : " (missing)")")
        }
        print(
            "trusted keys: \(StateRoot(root).trustedKeys.path) (securerun key trust), and the keys each profile's admission.trustedKeys names")
        print("containers: \(StateRoot(root).containers.path)")
        print("images: \(StateRoot(root).images.path), blobs: \(StateRoot(root).blobs.deletingLastPathComponent().path)")
        print("cgroups: \(CgroupLayout.current().rawValue), containers under /securerun/\(SpecBuilder.rootTag(root))-<id>")
    }
}
