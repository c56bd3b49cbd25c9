import ArgumentParser
import Foundation
import Images
import Policy
import Renderers

/// `securerun export kubernetes`: a workload that meets a profile, the image pinned by digest.
struct ExportKubernetesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubernetes",
        abstract: "Write a Kubernetes workload (Pod, Deployment, Job, CronJob) and its NetworkPolicy that meet a profile.",
        discussion: """
            The pod and container securityContext (non-root user, read-only root, no privilege escalation, \
            capabilities drop ALL plus the allow-list, seccomp Localhost), hostUsers: false, no host namespaces, \
            no service account token, resources requests and limits, a Memory emptyDir for each tmpfs, and a \
            NetworkPolicy for the profile's network. IMAGE is pinned by digest: a stored image by its manifest \
            digest, or NAME@sha256:DIGEST; a tag alone is refused. With -o DIR, DIR gets NAME.yaml and the \
            profile's seccomp filter, to be installed on every node under /var/lib/kubelet/seccomp/ (the YAML \
            names the path). --explain lists every profile field and how it is mapped.
            """)

    @Option(help: "The profile (name or file; default: default).")
    var profile: String?

    @Option(help: "The workload's name (default: from the image).")
    var name: String?

    @Option(help: "Pod, Deployment, Job or CronJob.")
    var kind: String = "Pod"

    @Option(help: "A CronJob's schedule.")
    var schedule: String = "@daily"

    @Flag(help: "List every profile field and how it is mapped to Kubernetes; write nothing.")
    var explain = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "A directory for NAME.yaml and the seccomp file (default: the YAML on stdout).")
    var output: String?

    @Argument(help: "A stored image (NAME[:TAG] or a digest), or NAME@sha256:DIGEST.")
    var image: String?

    func run() async throws {
        try await reportingErrors {
            let loaded = try ProfileLoader.load(ProfileLoader.requested(profile))
            if explain {
                print(KubernetesRenderer.explain(try KubernetesProfile(profile: loaded)), terminator: "")
                return
            }
            guard let kind = KubernetesRenderer.Kind.allCases.first(where: { $0.rawValue.lowercased() == self.kind.lowercased() }) else {
                throw ExportError.invalidKind(self.kind)
            }
            guard let image else { throw ExportError.missingImage }
            // The store is asked only when it can be opened: a reference with a digest needs no store.
            let store = (try? securedStateRoot()).map { ImageStore(root: $0) }
            let pinned = try ImagePinning.pin(image, store: store)
            if let registry = ImagePinning.registry(of: pinned.reference) {
                try loaded.checkRegistry(registry, image: image, action: "export")
            }
            var defaults = ImageDefaults(cmd: ["/bin/sh"])
            if let config = pinned.stored?.config {
                // The workload keeps the image's own command (the pod names none); enforce needs one to
                // judge the rest, so an image without one is judged as if it ran a shell.
                let command = (config.Entrypoint ?? []).isEmpty && (config.Cmd ?? []).isEmpty ? ["/bin/sh"] : config.Cmd ?? []
                defaults = ImageDefaults(
                    user: config.User, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [], cmd: command, workingDir: config.WorkingDir)
            }
            let name = try Self.workloadName(name, image: pinned.reference)
            let values = try KubernetesProfile(profile: loaded, defaults: defaults)
            let yaml = KubernetesRenderer.render(values, workload: .init(name: name, kind: kind, image: pinned.reference, schedule: schedule))
            if output == nil {
                FileHandle.standardError.write(
                    Data("securerun: the seccomp file \(values.seccompFile) is written only with -o DIR; install it at \(values.seccompNodePath)\n".utf8))
            }
            try ExportOutput(directory: output).write([("\(name).yaml", Data(yaml.utf8)), (values.seccompFile, values.seccompJSON)])
        }
    }

    /// `--name`, or the image's last path component; a DNS-1123 label short enough for a CronJob's jobs.
    static func workloadName(_ given: String?, image: String) throws(ExportError) -> String {
        if let given {
            guard given.count <= 52, KubernetesProfile.dnsLabel(given) == given else { throw .invalidName(given) }
            return given
        }
        let repository = image.split(separator: "@").first.map(String.init) ?? image
        let last = repository.split(separator: "/").last.map(String.init) ?? repository
        var label = String(KubernetesProfile.dnsLabel(last).prefix(52))
        while label.hasSuffix("-") { label.removeLast() }
        return label
    }
}
