import CSeccomp
import Glibc

/// Queries against libseccomp's syscall tables; the library, not a list kept here, decides what a name means.
public enum LibSeccomp {
    /// The installed libseccomp's version, such as `2.5.4`.
    public static var version: String {
        guard let version = seccomp_version() else { return "(unknown version)" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    /// Whether libseccomp knows `name` for `architecture`. A syscall the ABI lacks still resolves (to a
    /// negative pseudo-number that libseccomp skips for that ABI); only unheard-of names fail.
    public static func knows(_ name: String, on architecture: SeccompArchitecture) -> Bool {
        guard let token = architecture.token else { return false }
        return seccomp_syscall_resolve_name_arch(token, name) != __NR_SCMP_ERROR
    }

    /// The syscall number on the native ABI, or nil when libseccomp does not know the name.
    static func nativeNumber(of name: String) -> Int32? {
        let number = seccomp_syscall_resolve_name(name)
        return number == __NR_SCMP_ERROR ? nil : number
    }

    /// Every syscall name the native ABI has, as libseccomp lists them.
    public static func nativeSyscallNames() -> Set<String> {
        var names = Set<String>()
        let native = seccomp_arch_native()
        // Linux syscall numbers on every supported ABI stay below 1024 (x32's high bit aside).
        for number in 0..<1024 {
            guard let cName = seccomp_syscall_resolve_num_arch(native, Int32(number)) else { continue }
            names.insert(String(cString: cName))
            free(cName)
        }
        return names
    }
}
