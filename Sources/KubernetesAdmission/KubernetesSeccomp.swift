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

    /// `securerun-<profile>-<first 12 hex of the filter's digest>.json`, computed as the export computes it
    /// (Renderers' `KubernetesProfile.seccompFile`): the profile's resolved filter, encoded sorted and pretty.
    public static func fileName(for profile: Profile) throws(PolicyError) -> String {
        let spec = try Policy.enforce(
            RunRequest(image: "image"), profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), hostSecrets: HostSecrets(patterns: []))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = ((try? encoder.encode(spec.seccomp)) ?? Data()) + Data("\n".utf8)
        return "securerun-\(dnsLabel(profile.name))-\(Digest.of(json).hex.prefix(12)).json"
    }

    /// A profile name as a DNS label (lower case, `-` for anything else, at most 63 characters).
    static func dnsLabel(_ text: String) -> String {
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
