import Glibc

/// Why a seccomp profile could not be loaded, resolved or compiled. Each case names the file and field
/// (`syscalls[3].action`) or the libseccomp call that failed.
public enum SeccompError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The profile file could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON, or a value has the wrong type or an unknown spelling.
    case malformed(file: String, field: String?, reason: String)
    /// A value parsed but cannot be used (both `name` and `names`, an argument index above 5, ...).
    case invalid(file: String, field: String, reason: String)
    /// libseccomp does not know a syscall name; runc would ignore it silently, so securerun refuses it.
    case unknownSyscall(name: String, file: String, field: String)
    /// A capability in `includes.caps`/`excludes.caps` that libcap does not know.
    case unknownCapability(name: String, file: String, field: String)
    /// An architecture the installed libseccomp cannot filter.
    case unsupportedArchitecture(name: String, file: String, field: String)
    /// The running kernel's version could not be read or parsed (needed for `minKernel`).
    case kernelVersionUnavailable(release: String)
    /// A libseccomp call returned a negative errno.
    case libseccomp(function: String, errno: Int32, context: String)
    /// The compiled filter is longer than the kernel accepts.
    case filterTooLarge(instructions: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read seccomp profile \(file): \(reason)"
        case .malformed(let file, let field, let reason):
            if let field { return "invalid seccomp profile \(file): \(field): \(reason)" }
            return "invalid seccomp profile \(file): \(reason)"
        case .invalid(let file, let field, let reason):
            return "invalid seccomp profile \(file): \(field): \(reason)"
        case .unknownSyscall(let name, let file, let field):
            return "unknown syscall \"\(name)\" in \(file) (\(field)); libseccomp \(SeccompError.libseccompVersion) does not know it"
        case .unknownCapability(let name, let file, let field):
            return "unknown capability \"\(name)\" in \(file) (\(field))"
        case .unsupportedArchitecture(let name, let file, let field):
            return "architecture \(name) in \(file) (\(field)) is not supported by libseccomp \(SeccompError.libseccompVersion)"
        case .kernelVersionUnavailable(let release):
            return "cannot read the running kernel's version (uname release \"\(release)\"), needed for minKernel"
        case .libseccomp(let function, let errno, let context):
            let reason = String(cString: strerror(errno)).lowercased()
            return "libseccomp \(function) failed for \(context): \(reason) (errno \(errno))"
        case .filterTooLarge(let instructions, let limit):
            return "seccomp filter compiles to \(instructions) bpf instructions; the kernel accepts at most \(limit)"
        }
    }

    static var libseccompVersion: String { LibSeccomp.version }
}
