import ContentDigest
import Foundation
import Images
import Policy

/// The one seccomp file a pod may name under a profile: the `localhostProfile` `securerun export
/// kubernetes` writes for it. The webhook cannot read the nodes' files, so it judges the name, which
/// carries the start of the filter's digest: a file written for another profile, or for an older version
/// of this one, has another name. RuntimeDefault is refused: the runtime's filter is not the profile's.
public enum KubernetesSeccomp {
    /// Where the kubelet reads Localhost profiles (its `--root-dir` is /var/lib/kubelet unless set otherwise).
    public static let kubeletDirectory = "/var/lib/kubelet/seccomp"

    /// `securerun-<profile>-<first 12 hex of the filter's digest>.json`: the file `securerun export kubernetes`
    /// writes for `profile` and the name pods must give.
    public static func fileName(for profile: Profile) throws(PolicyError) -> String {
        let spec = try Policy.enforce(
            RunRequest(image: "image"), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), hostSecrets: HostSecrets(patterns: []))
        return file(for: spec, profileName: profile.name).name
    }

    /// The filter of `spec` as the file's JSON (the OCI form runc gets; containerd and CRI-O read it as a
    /// Localhost profile) and its name, which carries the profile's name and the start of the JSON's digest,
    /// so a changed filter gets a new name and a pod never runs under a file it was not written for.
    public static func file(for spec: HardenedSpec, profileName: String) -> (json: Data, name: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain Codable structs of strings and numbers cannot fail; an empty filter would be
        // refused by the runtime rather than run unconfined.
        let json = ((try? encoder.encode(spec.seccomp)) ?? Data()) + Data("\n".utf8)
        return (json, "securerun-\(dnsLabel(profileName))-\(Digest.of(json).hex.prefix(12)).json")
    }

    /// A profile name as a DNS label (lower case, `-` for anything else, at most 63 characters).
    public static func dnsLabel(_ text: String) -> String {
        var label = ""
        for scalar in text.lowercased().unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9")
            label.append(ok ? Character(scalar) : "-")
        }
        while label.contains("--") { label = label.replacingOccurrences(of: "--", with: "-") }
        label = String(label.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(63))
        while label.hasSuffix("-") { label.removeLast() }
        return label.isEmpty ? "securerun" : label
    }
}
