/// Checks on request values that are malformed whatever the profile says. Each is caught here, before
/// anything is created, so it is one line naming the flag (exit 125) rather than a runtime failure that
/// would look like the container's own exit status.
enum RequestValidation {
    /// Linux's HOST_NAME_MAX: sethostname(2) refuses longer names.
    static let hostnameLimit = 64

    static func check(_ request: RunRequest, judge: Judge) throws(PolicyError) {
        if let name = request.name { try checkName(name, judge: judge) }
        if let hostname = request.hostname { try checkHostname(hostname, judge: judge) }
        if let domain = request.domainname { try checkHostname(domain, judge: judge) }
        for entry in request.env { try checkEnv(entry, judge: judge) }
        if let workdir = request.workdir, !workdir.value.hasPrefix("/") {
            throw judge.invalid(workdir.origin, "the working directory must be an absolute path")
        }
        for label in request.labels { try checkLabel(label, judge: judge) }
    }

    /// `-l/--label`: keys under `securerun.` are securerun's own (the engine's container carries its id and
    /// profile there, and the drop-in and audit trust them), so a user cannot set one.
    static func checkLabel(_ entry: Flagged<Label>, judge: Judge) throws(PolicyError) {
        if entry.value.key.lowercased().hasPrefix("securerun.") {
            throw judge.invalid(entry.origin, "labels starting with 'securerun.' are securerun's own; choose another key")
        }
    }

    /// `--name`: letters, digits, `_`, `.`, `-`, starting with a letter or digit, at most 64 characters
    /// (it is the hostname when `--hostname` is not given).
    static func checkName(_ entry: Flagged<String>, judge: Judge) throws(PolicyError) {
        let name = entry.value
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.allSatisfy(allowed.contains) else {
            throw judge.invalid(entry.origin, "use letters, digits, '_', '.' and '-', starting with a letter or digit")
        }
        guard name.utf8.count <= hostnameLimit else {
            throw judge.invalid(entry.origin, "at most \(hostnameLimit) characters (the name is the container's hostname)")
        }
        // Container ids are 32 hex digits: a name that looks like one could be mistaken for another container.
        if name.count == 32, name.allSatisfy({ $0.isHexDigit }) {
            throw judge.invalid(entry.origin, "32 hex digits look like a container id; choose a name with another letter")
        }
    }

    /// `--hostname`, `--domainname`: 1 to 64 characters, dot-separated labels of letters, digits and `-` (RFC 1123).
    static func checkHostname(_ entry: Flagged<String>, judge: Judge) throws(PolicyError) {
        let hostname = entry.value
        guard !hostname.isEmpty else {
            throw judge.invalid(entry.origin, "a hostname cannot be empty; leave the flag out for the default")
        }
        guard hostname.utf8.count <= hostnameLimit else {
            throw judge.invalid(entry.origin, "at most \(hostnameLimit) characters (\(hostname.utf8.count) given)")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        for label in hostname.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.allSatisfy(allowed.contains), label.first != "-", label.last != "-" else {
                throw judge.invalid(entry.origin, "use dot-separated labels of letters, digits and '-' (not starting or ending with '-')")
            }
        }
    }

    /// `-e KEY=VALUE`: a non-empty key without NUL.
    static func checkEnv(_ entry: Flagged<String>, judge: Judge) throws(PolicyError) {
        let key = entry.value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard !key.isEmpty else {
            throw judge.invalid(entry.origin, "the variable name before '=' is empty")
        }
        guard !entry.value.utf8.contains(0) else {
            throw judge.invalid(entry.origin, "contains a NUL byte")
        }
    }

    /// uid and gid 4294967295 are (uid_t)-1, which the kernel reads as "leave unchanged".
    static func checkIDs(_ user: UserID, origin: FlagOrigin, judge: Judge) throws(PolicyError) {
        if user.uid == UInt32.max || user.gid == UInt32.max {
            throw judge.invalid(origin, "4294967295 is (uid_t)-1, not a usable id; use an id up to 4294967294")
        }
    }
}
