/// What a file is, which decides the rules that read it.
public enum FileKind: String, Sendable, Codable, CaseIterable {
    /// A securerun hardening profile (YAML or JSON).
    case profile
    /// A Docker/OCI seccomp profile (JSON; a Security Profiles Operator `SeccompProfile` in YAML too).
    case seccomp
    /// An OCI runtime `config.json`, from any tool.
    case runtimeConfig = "runtime-config"
    /// Shell text that starts containers (`docker run`, `podman run`, `securerun run`, `docker compose run`).
    case dockerRun = "docker-run"
    /// A docker compose file.
    case compose
}
