import DockerCompat
import Policy

/// Requests written the way users type them: `docker run` flags through the DockerCompat parser.
enum Requests {
    /// The request `run FLAGS IMAGE COMMAND…` describes (no env or label files; `-e KEY` sees `environment`).
    static func parse(_ flags: [String], image: String = "img", command: [String] = [], environment: [String: String] = [:]) throws -> RunRequest {
        let context = ParseContext(environment: environment, workingDirectory: "/work", files: InMemoryFiles())
        return try DockerRunParser.parse(flags + [image] + command, mode: .securerunRun, context: context).request
    }
}
