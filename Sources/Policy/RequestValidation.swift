/// Checks on request values that are malformed whatever the profile says. Each is caught here, before
/// anything is created, so it is one line naming the flag (exit 125) rather than a runtime failure that
/// would look like the container's own exit status.
enum RequestValidation {
    /// Linux's HOST_NAME_MAX: sethostname(2) refuses longer names.
    static let hostnameLimit = 64

    /// `--name`: letters, digits, `_`, `.`, `-`, starting with a letter or digit, at most 64 characters
    /// (it is the hostname when `--hostname` is not given).
    static func checkName(_ name: String) throws(PolicyError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.allSatisfy(allowed.contains) else {
            throw .invalidRequest(flag: "--name \(name)", reason: "use letters, digits, '_', '.' and '-', starting with a letter or digit")
        }
        guard name.utf8.count <= hostnameLimit else {
            throw .invalidRequest(flag: "--name \(name)", reason: "at most \(hostnameLimit) characters (the name is the container's hostname)")
        }
    }

    /// `--hostname`: 1 to 64 characters, dot-separated labels of letters, digits and `-` (RFC 1123).
    static func checkHostname(_ hostname: String) throws(PolicyError) {
        let flag = "--hostname \(hostname)"
        guard !hostname.isEmpty else {
            throw .invalidRequest(flag: "--hostname \"\"", reason: "a hostname cannot be empty; leave the flag out for the default")
        }
        guard hostname.utf8.count <= hostnameLimit else {
            throw .invalidRequest(flag: flag, reason: "at most \(hostnameLimit) characters (\(hostname.utf8.count) given)")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        for label in hostname.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.allSatisfy(allowed.contains), label.first != "-", label.last != "-" else {
                throw .invalidRequest(flag: flag, reason: "use dot-separated labels of letters, digits and '-' (not starting or ending with '-')")
            }
        }
    }

    /// `-e KEY=VALUE`: a non-empty key without NUL.
    static func checkEnv(_ entry: String) throws(PolicyError) {
        let key = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard !key.isEmpty else {
            throw .invalidRequest(flag: "--env \(entry)", reason: "the variable name before '=' is empty")
        }
        guard !entry.utf8.contains(0) else {
            throw .invalidRequest(flag: "--env \(key)", reason: "contains a NUL byte")
        }
    }

    /// uid and gid 4294967295 are (uid_t)-1, which the kernel reads as "leave unchanged".
    static func checkIDs(_ user: UserID, flag: String) throws(PolicyError) {
        if user.uid == UInt32.max || user.gid == UInt32.max {
            throw .invalidRequest(flag: flag, reason: "4294967295 is (uid_t)-1, not a usable id; use an id up to 4294967294")
        }
    }
}
