import Foundation
import Testing

@testable import Policy

/// Volumes never hand a container the host's credentials, and with a volume the container's ids (which are
/// host ids) are not host system accounts or groups.
@Suite struct VolumeRuleTests {
    let profile: Profile
    let image = ImageDefaults(cmd: ["/bin/sh"])

    init() throws {
        profile = try ProfileFixtures.parse("name: unit\n")
    }

    func enforce(_ volumes: [String], user: String? = nil, image: ImageDefaults? = nil, profile: Profile? = nil, secrets: HostSecrets? = nil)
        throws(PolicyError) -> HardenedSpec
    {
        var flags = volumes.flatMap { ["-v", $0.hasSuffix(":ro") || $0.hasSuffix(":rw") ? $0 : $0 + ":ro"] }
        if let user { flags += ["--user", user] }
        let request: RunRequest
        do {
            request = try Requests.parse(flags)
        } catch {
            throw .invalidRequest(flag: flags.joined(separator: " "), reason: "\(error)")
        }
        return try Policy.enforce(request, profile: profile ?? self.profile, image: image ?? self.image, hostSecrets: secrets)
    }

    func violation(_ volumes: [String], user: String? = nil, image: ImageDefaults? = nil, profile: Profile? = nil, secrets: HostSecrets? = nil)
        -> PolicyViolation?
    {
        do {
            _ = try enforce(volumes, user: user, image: image, profile: profile, secrets: secrets)
            return nil
        } catch {
            if case .violation(let violation) = error { return violation }
            return nil
        }
    }

    static let credentialSources = [
        "/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d", "/etc/sudoers.d/admins",
        "/etc/ssh/ssh_host_ed25519_key", "/etc/security/opasswd", "/etc/ssl/private", "/etc/securerun", "/etc/securerun/trusted-keys",
        "/root", "/root/.ssh", "/root/notes.txt", "/home/alice/.ssh", "/home/alice/.ssh/id_ed25519", "/home/alice/.gnupg",
        "/home/alice/.docker/config.json", "/home/alice/.kube/config",
    ]

    @Test("a credential or secret path is never a volume source", arguments: credentialSources)
    func credentialPathIsRefused(_ source: String) {
        let refused = violation(["\(source):/s:ro"])
        #expect(refused?.rule == .volumes)
        #expect(refused?.description.contains("holds host credentials") == true, "\(refused?.description ?? "allowed")")
    }

    static let containingSources = ["/etc", "/etc/ssh", "/home", "/home/alice", "/home/alice/.docker", "/etc/security", "/etc/ssl"]

    @Test("a directory that contains a credential path is never a volume source", arguments: containingSources)
    func directoryContainingACredentialIsRefused(_ source: String) {
        let refused = violation(["\(source):/d"])
        #expect(refused?.rule == .volumes)
        #expect(refused?.description.contains("contains") == true, "\(refused?.description ?? "allowed")")
    }

    @Test func refusalNamesTheFlagTheSecretAndTheRule() {
        #expect(
            violation(["/etc:/e"])?.description
                == "-v /etc:/e:ro refused by profile \"unit\": the host path /etc contains /etc/gshadow, which holds host credentials; mount a narrower directory [SR010 safe-volumes]"
        )
    }

    @Test func aSymlinkToEtcIsJudgedAsEtc() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("link-to-etc")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc")
        let shadowLink = directory.appendingPathComponent("link-to-shadow")
        try FileManager.default.createSymbolicLink(atPath: shadowLink.path, withDestinationPath: "/etc/shadow")
        #expect(violation(["\(link.path):/e"])?.description.contains("the host path /etc contains") == true)
        #expect(violation(["\(shadowLink.path):/s"])?.description.contains("the host path /etc/shadow is /etc/shadow") == true)
    }

    @Test func aHardLinkOfASecretIsRefusedByItsIdentity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-hardlink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("keys"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("keys/secret")
        try Data("k".utf8).write(to: secret)
        let copy = directory.appendingPathComponent("innocent")
        #expect(link(secret.path, copy.path) == 0)
        let secrets = HostSecrets(patterns: [secret.path])
        #expect(violation(["\(copy.path):/s"], secrets: secrets)?.description.contains("through a bind mount or hard link") == true)
        #expect(violation(["\(directory.path)/keys:/k"], secrets: secrets)?.description.contains("contains \(secret.path)") == true)
    }

    static let harmlessSources = [
        "/srv/data", "/etc/hosts", "/etc/passwd", "/etc/ssl/certs", "/usr/share/zoneinfo", "/home/alice/project", "/opt/app/config",
    ]

    @Test("a directory or file without credentials is still allowed", arguments: harmlessSources)
    func harmlessSourceIsAllowed(_ source: String) throws {
        let spec = try enforce(["\(source):/data"])
        #expect(spec.volumes.map(\.source) == [source])
    }

    // MARK: - Ids with volumes (SR014)

    @Test func aSystemGroupWithAVolumeIsRefusedSoItsHostAccessStaysOnTheHost() {
        let refused = violation(["/srv/data:/d"], user: "65534:42")
        #expect(refused?.rule == .volumeIDs)
        #expect(
            refused?.description.hasPrefix(
                "--user 65534:42 refused by profile \"unit\": with a volume mounted, the requested gid 42 (\"shadow\" on this host) is a host system id")
                == true,
            "\(refused?.description ?? "allowed")")
        #expect(refused?.description.hasSuffix("[SR014 volume-host-ids]") == true)
    }

    @Test(arguments: ["33", "33:1000", "1000:4", "999", "1:1"])
    func systemIdsWithAVolumeAreRefused(_ user: String) {
        #expect(violation(["/srv/data:/d"], user: user)?.rule == .volumeIDs)
    }

    @Test(arguments: ["1000", "1000:1000", "65534:65534", "4000:2000"])
    func ordinaryIdsWithAVolumeAreAllowed(_ user: String) throws {
        #expect(try enforce(["/srv/data:/d"], user: user).user == UserID(parsing: user))
    }

    @Test func withoutAVolumeTheIdsFollowOnlyTheNonRootRule() throws {
        #expect(try enforce([], user: "65534:42").user == UserID(uid: 65534, gid: 42))
    }

    @Test func theImagesSystemUserWithAVolumeIsRefusedNamingTheVolume() {
        let refused = violation(["/srv/data:/d"], image: ImageDefaults(user: "33:33", cmd: ["/bin/sh"]))
        #expect(refused?.rule == .volumeIDs)
        #expect(refused?.flag == "-v /srv/data:/d:ro")
        #expect(refused?.detail.contains("the image's user's uid 33") == true)
    }

    @Test func theProfilesOwnUserIsAllowedWhateverItsIds() throws {
        let low = try ProfileFixtures.parse("name: low\nuser: \"500:500\"\n")
        #expect(try enforce(["/srv/data:/d"], profile: low).user == UserID(uid: 500, gid: 500))
        #expect(violation(["/srv/data:/d"], user: "501:500", profile: low)?.rule == .volumeIDs)
    }

    @Test func aProfileMayAllowListedSystemIds() throws {
        let listed = try ProfileFixtures.parse("name: listed\nvolumes:\n  allowedUids: [33, \"100-199\"]\n  allowedGids: [\"33\"]\n")
        #expect(try enforce(["/srv/data:/d"], user: "150:33", profile: listed).user == UserID(uid: 150, gid: 33))
        #expect(violation(["/srv/data:/d"], user: "150:42", profile: listed)?.rule == .volumeIDs)
    }

    static let badRanges: [(String, String)] = [
        ("[0]", "includes 0, which is root"), ("[\"0-99\"]", "includes 0, which is root"), ("[abc]", "is not an id or a range"),
        ("[\"20-10\"]", "is not an id or a range"), ("[\"-5\"]", "is not an id or a range"), ("[4294967295]", "is not an id or a range"),
    ]

    @Test("the profile's id lists are validated", arguments: badRanges.indices)
    func badAllowedIds(_ index: Int) {
        let (list, reason) = Self.badRanges[index]
        #expect {
            try ProfileFixtures.parse("volumes:\n  allowedGids: \(list)\n")
        } throws: { error in
            guard case .invalidField(_, let field, let why) = error as? PolicyError else { return false }
            return field == "volumes.allowedGids[0]" && why.contains(reason)
        }
    }
}
