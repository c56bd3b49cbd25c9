import ContentDigest
import Foundation
import HostSystem
import Images
import Seccomp

/// Proves libseccomp accepts a filter before the runtime sees it, so a bad profile is an error naming
/// its file rather than a runtime failure mid-start. Compiling costs milliseconds on every start, so a
/// filter that compiled once is remembered by the digest of its JSON under `<root>/cache/seccomp/`.
public enum SeccompCheck {
    /// Compiles `seccomp` unless an identical filter compiled before.
    public static func ensureCompiles(_ seccomp: LinuxSeccomp, source: String, stateRoot: URL) throws(SeccompError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard let json = try? encoder.encode(seccomp) else {
            try seccomp.compile(source: source)
            return
        }
        let marker = StateRoot(stateRoot).cache("seccomp").appendingPathComponent(Digest.of(json).hex)
        if FileManager.default.fileExists(atPath: marker.path) { return }
        try seccomp.compile(source: source)
        // A cache write failure only costs the next start a compile.
        try? FileManager.default.createDirectory(
            at: marker.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        _ = FileManager.default.createFile(atPath: marker.path, contents: Data(), attributes: [.posixPermissions: 0o600])
    }
}
