import Foundation

/// The minimal init `--init` runs as PID 1: Debian's statically linked tini (the same init `docker run
/// --init` uses), bind-mounted read-only at `/dev/init`. PID 1 ignores signals it has no handler for, so
/// without it Ctrl-C cannot stop `sleep`, and orphaned children are never reaped.
public enum InitBinary {
    /// Where it appears inside the container (runc's /dev is a fresh tmpfs, so nothing of the image is hidden).
    public static let containerPath = "/dev/init"
    /// Host paths tried in order.
    static let candidates = ["/usr/bin/tini-static", "/usr/local/bin/tini-static"]

    /// The host path of the init binary.
    public static func locate() throws(RuntimeError) -> String {
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw .initMissing(searched: candidates)
    }
}
