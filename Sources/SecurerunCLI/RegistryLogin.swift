import ArgumentParser
import Foundation
import Images

/// The registry flags `image pull` and `image push` share: plain HTTP for loopback, and where the
/// credentials come from.
struct RegistryLoginOptions: ParsableArguments {
    @Flag(help: "Use plain HTTP (loopback registries only).")
    var insecure = false

    @Option(help: "Registry user name (password from --password-stdin).")
    var username: String?

    @Flag(help: "Read the registry password from standard input.")
    var passwordStdin = false

    @Option(help: "A docker config.json or podman auth.json with an \"auths\" entry for the registry.")
    var authfile: String?

    func validate() throws {
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
        if username != nil && !passwordStdin { throw ValidationError("--username needs --password-stdin") }
        if username != nil && authfile != nil { throw ValidationError("give --username or --authfile, not both") }
    }

    /// The credentials for `registry`: --username with the password read from stdin, else --authfile,
    /// else the first default auth file with an entry (notes about skipped files go to stderr).
    func credentials(for registry: String) throws -> RegistryCredentials? {
        if let username {
            let password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            return RegistryCredentials(username: username, password: password.trimmingCharacters(in: .newlines))
        }
        if let authfile {
            return try RegistryCredentials.fromAuthFile(URL(fileURLWithPath: authfile), registry: registry)
        }
        let found = RegistryCredentials.lookup(registry: registry)
        for note in found.notes { printError("note: \(note)") }
        return found.credentials
    }

    /// Where credentials come from, for the commands' help.
    static let discussion = """
        Credentials come from --username/--password-stdin, else --authfile, else the first of \
        ${XDG_RUNTIME_DIR}/containers/auth.json and ${DOCKER_CONFIG:-~/.docker}/config.json with an entry for the \
        registry. They are sent to the registry (and its token service) only: a redirect or an upload location on \
        another host gets none.
        """
}
