import ArgumentParser
import Foundation

/// The registry flags `image pull` and `image push` share: plain HTTP for loopback, and where the
/// credentials come from. Declared here for help and completion; read by securerun-net, which does the
/// network work.
package struct RegistryLoginOptions: ParsableArguments {
    @Flag(help: "Use plain HTTP (loopback registries only).")
    package var insecure = false

    @Option(help: "Registry user name (password from --password-stdin).")
    package var username: String?

    @Flag(help: "Read the registry password from standard input.")
    package var passwordStdin = false

    @Option(help: "A docker config.json or podman auth.json with an \"auths\" entry for the registry.")
    package var authfile: String?

    package init() {}

    package func validate() throws {
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
        if username != nil && !passwordStdin { throw ValidationError("--username needs --password-stdin") }
        if username != nil && authfile != nil { throw ValidationError("give --username or --authfile, not both") }
    }

    /// Where credentials come from, for the commands' help.
    package static let discussion = """
        Credentials come from --username/--password-stdin, else --authfile, else the first of \
        ${XDG_RUNTIME_DIR}/containers/auth.json and ${DOCKER_CONFIG:-~/.docker}/config.json with an entry for the \
        registry. They are sent to the registry (and its token service) only: a redirect or an upload location on \
        another host gets none.
        """
}
