import Admission
import Foundation
import Images
import Policy

/// The decision on a pod, by the same two checks `securerun run` makes, through the same code: each
/// container's request through `Policy.enforce` and the floor through `Policy.floorViolations` (a pod
/// must carry the floor itself, as a create sent to the engine must), and each image through
/// `ImageAdmission.decide`, pinned by digest. The webhook and `audit --kubernetes` both ask it.
public struct PodJudge: Sendable {
    /// The profile every pod is held to.
    public var profile: Profile
    /// securerun's state root: the image store, attestations and trusted keys.
    public var stateRoot: URL
    /// The seccomp file name a pod must use under the profile (``KubernetesSeccomp``).
    public var seccompFile: String
    /// What is known, without waiting, of a digest-pinned image's attestations in its registry (the
    /// webhook's cache); nil judges by the store alone (`audit --kubernetes`).
    public var registryAttestations: (@Sendable (_ reference: ImageReference, _ digest: String) -> FetchedAttestations)?

    /// A judge for `profile`; fails only when the profile's own floor cannot be enforced.
    public init(
        profile: Profile, stateRoot: URL, registryAttestations: (@Sendable (_ reference: ImageReference, _ digest: String) -> FetchedAttestations)? = nil
    ) throws(PolicyError) {
        self.profile = profile
        self.stateRoot = stateRoot
        self.registryAttestations = registryAttestations
        seccompFile = try KubernetesSeccomp.fileName(for: profile)
    }

    /// The verdict on `pod` at `now`.
    public func judge(_ pod: PodReading, now: Date = Date()) -> PodJudgement {
        var verdicts: [String: ImageDecision] = [:]
        let containers = pod.containers.map { container -> ContainerJudgement in
            var refusals = requestRefusals(container)
            let (digest, imageRefusal) = imageRefusal(container, now: now, verdicts: &verdicts)
            if let imageRefusal { refusals.append(imageRefusal) }
            return ContainerJudgement(
                label: container.label, name: container.name, kind: container.kind, image: container.image, digest: digest, refusals: refusals)
        }
        var fetches: [RegistryFetch] = []
        for decision in verdicts.values { if let fetch = decision.fetch, !fetches.contains(fetch) { fetches.append(fetch) } }
        return PodJudgement(namespace: pod.namespace, name: pod.name, containers: containers, fetches: fetches)
    }

    // MARK: - The request

    /// The policy's first refusal (as `run` refuses with the first), then every piece of the floor left out.
    func requestRefusals(_ container: PodContainer) -> [PodRefusal] {
        var refusals: [PodRefusal] = []
        let defaults = imageDefaults(container.image)
        do {
            _ = try Policy.enforce(container.request, profile: profile, image: defaults, protectedHostPaths: [stateRoot.path])
        } catch {
            refusals.append(PodRefusal(error))
        }
        // The node's filesystem is not the webhook's: a writable hostPath would let one pod plant a symlink
        // (to the node's /) that another pod's hostPath then follows on the node, where no check sees it.
        // What securerun cannot see it refuses: on a cluster, host paths are read-only.
        for mount in container.request.mounts {
            guard case .bind(let bind) = mount.value, !bind.readOnly else { continue }
            let violation = PolicyViolation(
                rule: .volumes, origin: mount.origin, profile: profile.name,
                detail:
                    "a writable hostPath could plant a symlink on the node that another pod's hostPath follows there, which the webhook cannot see; mount it readOnly: true"
            )
            refusals.append(PodRefusal(rule: violation.rule.id, message: violation.description))
        }
        var floor = container.floor
        switch container.seccomp {
        case .unset, .runtimeDefault: floor.seccomp = .engineDefault
        // Refused by the policy's own rule above.
        case .unconfined: floor.seccomp = .unconfined
        case .localhost(let name):
            floor.seccomp = .given
            if name != seccompFile {
                refusals.append(
                    PodRefusal(
                        rule: PolicyViolation.Rule.seccomp.id,
                        message: PolicyViolation(
                            rule: .seccomp, origin: container.seccompOrigin, profile: profile.name,
                            detail:
                                "securerun cannot read the nodes' files, so it admits only the file securerun export kubernetes writes for this profile: localhostProfile \(seccompFile), installed at \(KubernetesSeccomp.kubeletDirectory)/\(seccompFile)"
                        ).description))
            }
        }
        let missing = Policy.floorViolations(floor, profile: profile, cgroupnsPrivateByDefault: true) { field, value in
            FloorHints.origin(field, value: value, container: container)
        }
        for violation in missing {
            var violation = violation
            violation.detail = FloorHints.detail(violation, profile: profile, seccompFile: seccompFile)
            let refusal = PodRefusal(rule: violation.rule.id, message: violation.description)
            // Memory and swap are one pod field (no pod field sets swap), so they read the same: say it once.
            if !refusals.contains(refusal) { refusals.append(refusal) }
        }
        return refusals
    }

    /// The stored image's defaults when the reference pins an image in the store (its user decides when
    /// the pod names none), else what lint assumes.
    func imageDefaults(_ image: String) -> ImageDefaults {
        guard let digest = (try? ImageReference(parsing: image))?.digest, let stored = try? ImageStore(root: stateRoot).resolve(digest) else {
            return ImageDefaults(cmd: ["/bin/sh"])
        }
        let config = stored.config
        return ImageDefaults(
            user: config.User, env: config.Env ?? [], entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [], workingDir: config.WorkingDir)
    }

    // MARK: - The image

    /// The image's digest and its refusal, if any: a reference without a digest, or the one admission
    /// decision's refusal (verdicts are shared between containers of one pod).
    func imageRefusal(_ container: PodContainer, now: Date, verdicts: inout [String: ImageDecision]) -> (String?, PodRefusal?) {
        let field = "\(container.path).image"
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: container.image)
        } catch {
            return (
                nil,
                PodRefusal(rule: PolicyViolation.Rule.imagePinned.id, message: "\(field)=\(container.image): \(error) \(PolicyViolation.Rule.imagePinned.tag)")
            )
        }
        guard let digest = reference.digest else {
            return (
                nil,
                PodRefusal(
                    rule: PolicyViolation.Rule.imagePinned.id,
                    message:
                        "\(field)=\(container.image) refused by profile \"\(profile.name)\": pin the image by digest (NAME@sha256:…, as securerun export kubernetes writes it); a tag can name another image after this decision \(PolicyViolation.Rule.imagePinned.tag)"
                )
            )
        }
        let key = "\(reference.registry)/\(reference.repository) \(digest)"
        let decision = verdicts[key] ?? decideImage(reference, digest: digest, image: container.image, now: now)
        verdicts[key] = decision
        let result = decision.result
        switch result {
        case .success(let verdict) where verdict.admitted:
            return (digest, nil)
        case .success(let verdict):
            let registry = decision.registryNote.map { "; \($0)" } ?? ""
            return (
                digest,
                PodRefusal(
                    rule: PolicyViolation.Rule.imageAdmission.id,
                    message:
                        "\(field)=\(container.image) not admitted by profile \"\(profile.name)\": \(verdict.reasons.joined(separator: "; "))\(registry) \(PolicyViolation.Rule.imageAdmission.tag)"
                )
            )
        case .failure(let error):
            // A registry refusal names its rule itself.
            let tag = error.rule == nil ? " " + PolicyViolation.Rule.imageAdmission.tag : ""
            return (digest, PodRefusal(rule: PolicyViolation.Rule.imageAdmission.id, message: "\(field)=\(container.image): \(error.description)\(tag)"))
        }
    }

    /// One image's decision, shared by the containers of a pod that run it.
    struct ImageDecision {
        var result: Result<Verdict, PolicyError>
        /// What the refusal adds about the image's registry (fetched from it, or why it could not be read).
        var registryNote: String?
        /// The fetch that could change the refusal, when the registry has not been asked yet.
        var fetch: RegistryFetch?
    }

    /// The one admission decision on the stored attestations and, when the webhook's cache has them, those
    /// fetched from the image's registry. A refusal with nothing fetched yet asks for the fetch (only for an
    /// image from a registry the profile allows: `decide` refuses the others before any attestation is read,
    /// and the cache is not asked about them).
    func decideImage(_ reference: ImageReference, digest: String, image: String, now: Date) -> ImageDecision {
        func decide(_ fetched: AttestationStore?) -> Result<Verdict, PolicyError> {
            Result { () throws(PolicyError) in
                try ImageAdmission.decide(
                    digest: digest, registry: reference.registry, reference: image, profile: profile, stateRoot: stateRoot, fetched: fetched, now: now)
            }
        }
        // A registry the profile does not allow is refused by `decide` itself, and its cache never consulted.
        guard let registryAttestations, (try? profile.checkRegistry(reference.registry, image: image, action: "run")) != nil else {
            return ImageDecision(result: decide(nil))
        }
        switch registryAttestations(reference, digest) {
        case .fetched(let store, let note):
            return ImageDecision(result: decide(store), registryNote: note)
        case .unreadable(let reason):
            let result = decide(nil)
            guard case .success(let verdict) = result, !verdict.admitted else { return ImageDecision(result: result) }
            return ImageDecision(result: result, registryNote: "its attestations could not be fetched from its registry (the webhook fails closed): \(reason)")
        case .notFetched:
            let result = decide(nil)
            guard case .success(let verdict) = result, !verdict.admitted else { return ImageDecision(result: result) }
            return ImageDecision(
                result: result, registryNote: "its registry was not asked for attestations", fetch: RegistryFetch(reference: reference, digest: digest))
        }
    }
}

/// An image whose attestations the webhook should fetch from its registry before judging again.
public struct RegistryFetch: Sendable, Hashable {
    /// The image as the pod names it (registry and repository are where to look).
    public var reference: ImageReference
    /// `sha256:<hex>`, the manifest digest the attestations must name.
    public var digest: String
}
