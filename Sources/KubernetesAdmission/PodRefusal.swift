import Policy

/// One reason a container of a pod is refused: the rule id (nil for a value that is malformed whatever
/// the profile says) and the message, which ends with `[SR009 no-privileged]` as every door's refusal does.
public struct PodRefusal: Sendable, Equatable, CustomStringConvertible {
    /// `SR009`, `SR027`, … or nil.
    public var rule: String?
    /// The refusal as a person reads it.
    public var message: String

    /// A refusal with its rule.
    public init(rule: String?, message: String) {
        self.rule = rule
        self.message = message
    }

    /// The refusal the policy made.
    init(_ error: PolicyError) {
        if case .violation(let violation) = error {
            self.init(rule: violation.rule.id, message: violation.description)
        } else {
            self.init(rule: nil, message: error.description)
        }
    }

    public var description: String { message }
}

/// The verdict on one container: what it is, and every refusal (none: it may run).
public struct ContainerJudgement: Sendable {
    /// `containers[0] (app)`.
    public var label: String
    public var name: String
    public var kind: PodContainer.Kind
    public var image: String
    /// The image digest admitted or refused, when the reference pins one.
    public var digest: String?
    public var refusals: [PodRefusal]

    /// Whether it may run.
    public var allowed: Bool { refusals.isEmpty }
}

/// The verdict on a pod.
public struct PodJudgement: Sendable {
    public var namespace: String
    public var name: String
    public var containers: [ContainerJudgement]
    /// Images refused for want of attestations that their registries have not been asked for: the webhook
    /// fetches them and judges the pod again.
    public var fetches: [RegistryFetch] = []

    /// Whether every container may run.
    public var allowed: Bool { containers.allSatisfy(\.allowed) }

    /// Every refusal, each prefixed with its container: what a denial's `status.message` says.
    public var message: String {
        containers.flatMap { container in container.refusals.map { "\(container.label): \($0.message)" } }.joined(separator: "; ")
    }

    /// The rule ids refused, sorted, each once.
    public var rules: [String] { Array(Set(containers.flatMap { $0.refusals.compactMap(\.rule) })).sorted() }
}
