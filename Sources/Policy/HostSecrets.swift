import Foundation
import Glibc

/// Host paths that hold credentials or secrets, which no volume may expose: neither the path, nor anything
/// inside it, nor a directory that contains it (mounting /etc exposes /etc/shadow, /home every ~/.ssh).
///
/// Paths are matched by name after symlinks are resolved, and existing ones also by file identity
/// (device and inode), so a bind mount or hard link of /etc/shadow elsewhere is refused too.
public struct HostSecrets: Sendable {
    /// Secret paths; a component may be a shell pattern (`ssh_host_*_key`, `*` for any home under /home).
    public var patterns: [String]
    /// Device and inode of every existing secret.
    var secretFiles: Set<FileIdentity> = []
    /// Device and inode of every directory above an existing secret (and of the secrets themselves).
    var containingDirectories: Set<FileIdentity> = []

    /// Files and directories of the host's own accounts and services (/var/backups keeps Debian's copies of
    /// shadow and gshadow).
    public static let systemPatterns = [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd", "/etc/sudoers",
        "/etc/sudoers.d", "/etc/ssh/ssh_host_*_key", "/etc/ssl/private", "/etc/krb5.keytab", "/etc/kubernetes",
        "/etc/securerun", "/root", "/var/backups",
    ]

    /// Credentials kept in a home directory (the user's ssh and gpg keys, registry, cluster and cloud logins).
    public static let homeSecrets = [
        ".ssh", ".gnupg", ".docker/config.json", ".kube", ".aws", ".config/gcloud", ".netrc", ".git-credentials", ".pgpass",
    ]

    /// The secrets of this host: `systemPatterns`; `homeSecrets` under /home/* and under the home of every
    /// account in /etc/passwd with uid 1000 or more (whether they exist yet or not); for system accounts
    /// (their homes are /bin, /var/www, /var/mail and the like) the `homeSecrets` that exist; and
    /// `extraPaths` (securerun's state root).
    public static func current(extraPaths: [String] = []) -> HostSecrets {
        var perHome = homeSecrets.map { "/home/*/" + $0 }
        if let passwd = try? String(contentsOfFile: "/etc/passwd", encoding: .utf8) {
            for line in passwd.split(separator: "\n") {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                // A home of "/" would make every path a secret's parent; "/" is never mounted anyway.
                guard fields.count >= 6, let uid = UInt32(fields[2]), fields[5].hasPrefix("/"), fields[5] != "/" else { continue }
                let candidates = homeSecrets.map { String(fields[5]) + "/" + $0 }
                perHome += uid >= VolumeIDs.lowestOrdinaryID ? candidates : candidates.filter { FileManager.default.fileExists(atPath: $0) }
            }
        }
        return HostSecrets(patterns: systemPatterns + perHome + extraPaths)
    }

    /// Secrets matching `patterns`, with the identities of those that exist.
    public init(patterns: [String]) {
        var expanded: [String] = []
        for pattern in patterns {
            expanded.append(pattern)
            // /home may itself be a symlink (to /usr/home, say): match the resolved form too.
            let resolved = Self.resolvingLiteralPrefix(pattern)
            if resolved != pattern { expanded.append(resolved) }
        }
        self.patterns = Array(Set(expanded)).sorted()
        for path in self.patterns.flatMap(Self.existingMatches) {
            guard let identity = FileIdentity(path) else { continue }
            secretFiles.insert(identity)
            var directory = path
            while directory != "/" {
                if let identity = FileIdentity(directory) { containingDirectories.insert(identity) }
                directory = (directory as NSString).deletingLastPathComponent
            }
        }
    }

    /// Why `host` (already symlink-resolved) may not be a volume source, or nil.
    public func refusal(for host: String) -> String? {
        for pattern in patterns {
            if Self.isAtOrInside(host, pattern) {
                let secret = "/" + Self.components(host).prefix(Self.components(pattern).count).joined(separator: "/")
                return "the host path \(host) is \(secret == host ? "" : "inside ")\(secret), which holds host credentials and is never mounted"
            }
            if Self.contains(host, pattern) {
                return "the host path \(host) contains \(pattern), which holds host credentials; mount a narrower directory"
            }
        }
        if let identity = FileIdentity(host), containingDirectories.contains(identity) {
            return
                "the host path \(host) is, through a bind mount or hard link, a file or directory that holds or contains host credentials; it is never mounted"
        }
        var directory = host
        while directory != "/" {
            if let identity = FileIdentity(directory), secretFiles.contains(identity) {
                return "the host path \(host) is inside a bind mount or hard link of a file holding host credentials; it is never mounted"
            }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Whether the file with this device and inode is a secret, or a directory above one.
    public func holdsSecret(device: UInt64, inode: UInt64) -> Bool {
        let identity = FileIdentity(device: device, inode: inode)
        return secretFiles.contains(identity) || containingDirectories.contains(identity)
    }

    // MARK: - Matching

    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    /// Whether `host` is a path `pattern` matches, or inside one.
    static func isAtOrInside(_ host: String, _ pattern: String) -> Bool {
        let hostParts = components(host)
        let patternParts = components(pattern)
        guard hostParts.count >= patternParts.count else { return false }
        return zip(patternParts, hostParts).allSatisfy { fnmatch($0, $1, 0) == 0 }
    }

    /// Whether `host` is a directory above some path `pattern` matches (so mounting it shows that path).
    static func contains(_ host: String, _ pattern: String) -> Bool {
        let hostParts = components(host)
        let patternParts = components(pattern)
        guard hostParts.count < patternParts.count else { return false }
        return zip(patternParts, hostParts).allSatisfy { fnmatch($0, $1, 0) == 0 }
    }

    /// Existing paths that match `pattern`, expanding pattern components by listing directories.
    static func existingMatches(_ pattern: String) -> [String] {
        var found = [""]
        for part in components(pattern) {
            let hasGlob = part.contains { "*?[".contains($0) }
            found = found.flatMap { base -> [String] in
                if !hasGlob { return [base + "/" + part] }
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: base.isEmpty ? "/" : base)) ?? []
                return entries.filter { fnmatch(part, $0, 0) == 0 }.map { base + "/" + $0 }
            }
        }
        return found.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `pattern` with the part before its first glob component resolved through symlinks.
    static func resolvingLiteralPrefix(_ pattern: String) -> String {
        let parts = components(pattern)
        let literal = parts.prefix { !$0.contains { "*?[".contains($0) } }
        guard !literal.isEmpty else { return pattern }
        let prefix = "/" + literal.joined(separator: "/")
        let resolved = URL(fileURLWithPath: prefix).resolvingSymlinksInPath().standardizedFileURL.path
        let rest = parts.dropFirst(literal.count)
        return rest.isEmpty ? resolved : resolved + "/" + rest.joined(separator: "/")
    }
}

/// A file's device and inode: the same file whatever path reaches it.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The identity of what `path` names, following symlinks; nil when it does not exist.
    init?(_ path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
