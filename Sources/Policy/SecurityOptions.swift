/// `--security-opt` values, parsed the way docker does (`key=value` or `key:value`).
struct SecurityOptions {
    /// A custom seccomp profile file, if one was named.
    var seccompFile: String?

    static func parse(_ values: [String], profile: String) throws(PolicyError) -> SecurityOptions {
        var result = SecurityOptions()
        for raw in values {
            let (key, value) = split(raw)
            func refuse(_ rule: PolicyViolation.Rule, _ detail: String) -> PolicyError {
                .violation(PolicyViolation(rule: rule, flag: "--security-opt \(raw)", profile: profile, detail: detail))
            }
            switch key.lowercased() {
            case "no-new-privileges":
                if let value, !["true", "1"].contains(value.lowercased()) {
                    throw refuse(.noNewPrivileges, "no-new-privileges is always set, so setuid binaries cannot raise privileges")
                }
            case "seccomp":
                guard let value, !value.isEmpty else {
                    throw .invalidRequest(flag: "--security-opt \(raw)", reason: "seccomp needs a value: a profile file or builtin")
                }
                switch value.lowercased() {
                case "unconfined":
                    throw refuse(.seccomp, "every container runs under a seccomp filter")
                case "builtin", "default":
                    result.seccompFile = nil
                default:
                    result.seccompFile = value
                }
            case "systempaths":
                if value?.lowercased() == "unconfined" {
                    throw refuse(.securityOptions, "masked and read-only /proc and /sys paths stay masked and read-only")
                }
                throw .invalidRequest(flag: "--security-opt \(raw)", reason: "systempaths takes only unconfined, which securerun refuses")
            case "apparmor", "label":
                if value?.lowercased() == "unconfined" || value?.lowercased() == "disable" {
                    throw refuse(.securityOptions, "mandatory access control is never switched off")
                }
                throw .invalidRequest(flag: "--security-opt \(raw)", reason: "securerun does not manage AppArmor or SELinux labels; remove this option")
            default:
                throw .invalidRequest(
                    flag: "--security-opt \(raw)", reason: "unknown security option \"\(key)\" (known: no-new-privileges, seccomp=FILE|builtin)")
            }
        }
        return result
    }

    static func split(_ raw: String) -> (String, String?) {
        guard let index = raw.firstIndex(where: { $0 == "=" || $0 == ":" }) else { return (raw, nil) }
        return (String(raw[..<index]), String(raw[raw.index(after: index)...]))
    }
}
