/// The process to start: argv, environment and working directory from the request over the image's config.
struct ProcessDefaults {
    var args: [String]
    var env: [String]
    var cwd: String

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func resolve(_ request: RunRequest, image: ImageDefaults) throws(PolicyError) -> ProcessDefaults {
        // docker: --entrypoint replaces the image's Entrypoint and drops its Cmd.
        // `--entrypoint ""` clears it (an empty list); any --entrypoint also drops the image's Cmd.
        let entrypoint = request.entrypoint?.value ?? image.entrypoint
        let cmd = !request.command.isEmpty ? request.command : (request.entrypoint == nil ? image.cmd : [])
        let args = entrypoint + cmd
        guard let first = args.first, !first.isEmpty else {
            throw .invalidRequest(
                flag: request.image,
                reason: request.entrypoint == nil
                    ? "the image has no Entrypoint or Cmd; give a command after the image"
                    : "--entrypoint replaces the image's Entrypoint and drops its Cmd; give a command after the image")
        }
        var env: [String] = []
        var index: [String: Int] = [:]
        for entry in image.env + request.env.map(\.value) {
            let key = String(entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            guard !key.isEmpty else {
                throw .invalidRequest(flag: "--env \(entry)", reason: "expected KEY=VALUE")
            }
            if let existing = index[key] {
                env[existing] = entry
            } else {
                index[key] = env.count
                env.append(entry)
            }
        }
        if index["PATH"] == nil { env.insert(defaultPath, at: 0) }
        let cwd = request.workdir?.value ?? image.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        guard cwd.hasPrefix("/") else {
            throw .invalidRequest(flag: "--workdir \(cwd)", reason: "the working directory must be an absolute path")
        }
        return ProcessDefaults(args: args, env: env, cwd: cwd)
    }
}
