import Foundation
import HostSystem

/// Code in a memfd cannot be executed in a container: `vm.memfd_noexec=2` in its pid namespace, set after
/// the runtime creates the container and before its process starts. The setting belongs to the pid
/// namespace of the process that writes it, and a namespace can only raise it, so it is written by a
/// process `nsenter` puts in the container's pid namespace, then read back there (fail closed).
/// memfds are still made (sealed non-executable), so programs that keep data in them keep working; only
/// `memfd_create(MFD_EXEC)` and executing one (`execveat`, `/proc/self/fd/N`) fail.
public enum MemfdNoexec {
    /// The host's setting, which exists on kernels with a per-pid-namespace memfd_noexec (6.3 and later).
    static let sysctl = "/proc/sys/vm/memfd_noexec"

    /// Sets it in the pid namespace of `pid` (the created container's init) and checks that it holds.
    public static func apply(pid: pid_t) throws(RuntimeError) {
        guard FileManager.default.fileExists(atPath: sysctl) else {
            throw .memfdNoexecFailed(
                reason:
                    "this kernel has no per-namespace vm.memfd_noexec (Linux 6.3 or later has it); set allowMemfdExec: true in the profile to run without it")
        }
        guard let nsenter = ["/usr/bin/nsenter", "/bin/nsenter"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw .memfdNoexecFailed(reason: "nsenter is not installed (apt-get install util-linux)")
        }
        // Read back with $(…): the file has no trailing newline, which `read` counts as a failure.
        let script =
            "echo 2 > \(sysctl) && value=$(cat \(sysctl)) && [ \"$value\" = 2 ] || { echo \"vm.memfd_noexec is ${value:-unreadable} there, not 2\"; exit 1; } >&2"
        let result: (status: ExitStatus, stdout: [UInt8], stderr: [UInt8])
        do {
            result = try ChildProcess.capture(nsenter, ["--target", "\(pid)", "--pid", "--", "/bin/sh", "-c", script])
        } catch {
            throw .memfdNoexecFailed(reason: "cannot run nsenter: \(error)")
        }
        guard result.status == .exited(0) else {
            let message = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .memfdNoexecFailed(reason: message.isEmpty ? "the setting did not hold in the container's pid namespace" : message)
        }
    }
}
