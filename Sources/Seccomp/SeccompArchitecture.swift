import CSeccomp

/// A syscall ABI a filter covers, as the OCI runtime spec spells it (`SCMP_ARCH_X86_64`).
public enum SeccompArchitecture: String, Codable, Sendable, CaseIterable, Hashable {
    case x86 = "SCMP_ARCH_X86"
    case x86_64 = "SCMP_ARCH_X86_64"
    case x32 = "SCMP_ARCH_X32"
    case arm = "SCMP_ARCH_ARM"
    case aarch64 = "SCMP_ARCH_AARCH64"
    case loongarch64 = "SCMP_ARCH_LOONGARCH64"
    case m68k = "SCMP_ARCH_M68K"
    case mips = "SCMP_ARCH_MIPS"
    case mips64 = "SCMP_ARCH_MIPS64"
    case mips64n32 = "SCMP_ARCH_MIPS64N32"
    case mipsel = "SCMP_ARCH_MIPSEL"
    case mipsel64 = "SCMP_ARCH_MIPSEL64"
    case mipsel64n32 = "SCMP_ARCH_MIPSEL64N32"
    case ppc = "SCMP_ARCH_PPC"
    case ppc64 = "SCMP_ARCH_PPC64"
    case ppc64le = "SCMP_ARCH_PPC64LE"
    case s390 = "SCMP_ARCH_S390"
    case s390x = "SCMP_ARCH_S390X"
    case sh = "SCMP_ARCH_SH"
    case sheb = "SCMP_ARCH_SHEB"
    case parisc = "SCMP_ARCH_PARISC"
    case parisc64 = "SCMP_ARCH_PARISC64"
    case riscv64 = "SCMP_ARCH_RISCV64"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let arch = SeccompArchitecture(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown architecture \"\(text)\" (expected SCMP_ARCH_*, such as SCMP_ARCH_X86_64)")
        }
        self = arch
    }

    /// libseccomp's token for this architecture, or nil when the installed libseccomp does not support it.
    /// Whether the installed libseccomp can filter this architecture.
    public var isSupported: Bool { token != nil }

    var token: UInt32? {
        // libseccomp names architectures as the spec does, without the prefix and in lower case.
        let name = rawValue.dropFirst("SCMP_ARCH_".count).lowercased()
        let token = seccomp_arch_resolve_name(name)
        return token == 0 ? nil : token
    }

    /// The architecture of the running kernel, as libseccomp sees it.
    public static var native: SeccompArchitecture? {
        let nativeToken = seccomp_arch_native()
        return allCases.first { $0.token == nativeToken }
    }

    /// The name Docker profiles use in `includes.arches`/`excludes.arches`: Go's GOARCH for this ABI.
    public var goArch: String {
        switch self {
        case .x86: return "386"
        case .x86_64: return "amd64"
        case .x32: return "x32"
        case .arm: return "arm"
        case .aarch64: return "arm64"
        case .loongarch64: return "loong64"
        case .m68k: return "m68k"
        case .mips: return "mips"
        case .mips64: return "mips64"
        case .mips64n32: return "mips64n32"
        case .mipsel: return "mipsle"
        case .mipsel64: return "mips64le"
        case .mipsel64n32: return "mips64len32"
        case .ppc: return "ppc"
        case .ppc64: return "ppc64"
        case .ppc64le: return "ppc64le"
        case .s390: return "s390"
        case .s390x: return "s390x"
        case .sh: return "sh"
        case .sheb: return "sheb"
        case .parisc: return "parisc"
        case .parisc64: return "parisc64"
        case .riscv64: return "riscv64"
        }
    }
}
