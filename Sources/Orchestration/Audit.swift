import Admission
import Foundation
import HostSystem
import Images
import Policy
import Runtime

/// `securerun audit`: what runs, re-checked against the policy and the attestations as they are now.
/// An image scanned clean when it started is not clean forever: its scan ages past the profile's
/// limit, a newer scan finds something, a key is withdrawn, the profile is tightened.
public struct Audit: Sendable {
    /// One reason a running container fails the audit.
    public struct Finding: Sendable, Encodable, Equatable {
        /// The check, stable for alerting: `AUD001` … `AUD004`.
        public var rule: String
        /// The container, as its record names it.
        public var container: ContainerRecord
        /// The profile judged against, and its file (the container's own unless audit was given another).
        public var profile: String
        public var profileSource: String
        /// One line: what is wrong.
        public var message: String

        public var id: String { container.id }
        public var name: String? { container.name }

        enum CodingKeys: String, CodingKey {
            case rule, id, name, image, imageDigest, profile, profileSource, message
        }

        /// Flat, as `audit --format json` has always written it.
        public func encode(to encoder: any Encoder) throws {
            var fields = encoder.container(keyedBy: CodingKeys.self)
            try fields.encode(rule, forKey: .rule)
            try fields.encode(container.id, forKey: .id)
            try fields.encodeIfPresent(container.name, forKey: .name)
            try fields.encode(container.image, forKey: .image)
            try fields.encode(container.imageDigest, forKey: .imageDigest)
            try fields.encode(profile, forKey: .profile)
            try fields.encode(profileSource, forKey: .profileSource)
            try fields.encode(message, forKey: .message)
        }
    }

    /// The checks, with their ids and a line on each.
    public static let rules: [(id: String, name: String, summary: String)] = [
        ("AUD001", "admission-now", "the image is no longer admitted (scan too old, a newer scan blocks, a trusted key withdrawn, no valid attestation)"),
        ("AUD002", "request-refused-now", "the container's request would be refused by the profile as it is now"),
        ("AUD003", "spec-differs-now", "the profile now gives a stricter spec than the container runs with; restart it to apply"),
        ("AUD004", "profile-unreadable", "the container's profile can no longer be read"),
        (
            "AUD005", "no-user-namespace",
            "the container runs with host ids: no user namespace of its own (on the docker backend, a daemon without userns-remap)"
        ),
    ]

    /// What one audit found.
    public struct Report: Sendable, Encodable {
        /// Containers checked (running ones).
        public var checked: [String]
        /// Every finding.
        public var findings: [Finding]
        /// Containers `--stop-failing` stopped.
        public var stopped: [String]
    }

    public let stateRoot: URL
    /// Judge every container against this profile instead of its own.
    public let profileName: String?

    public init(stateRoot: URL, profileName: String?) {
        self.stateRoot = stateRoot
        self.profileName = profileName
    }

    /// Checks every running container at `now`; with `stopFailing`, stops those that fail.
    public func run(now: Date = Date(), stopFailing: Bool) -> Report {
        Sweep.run(stateRoot: stateRoot)
        let running = Containers(stateRoot: stateRoot).list().compactMap(\.record).filter { $0.status == .running }
        var findings: [Finding] = []
        for record in running { findings += check(record, now: now) }
        var stopped: [String] = []
        if stopFailing {
            let lifecycle = Lifecycle(stateRoot: stateRoot)
            for id in Set(findings.map(\.id)).sorted() {
                if let name = try? lifecycle.stop(id, timeout: 10) { stopped.append(name) }
            }
        }
        return Report(checked: running.map(\.displayName), findings: findings, stopped: stopped)
    }

    /// The findings for one container.
    func check(_ record: ContainerRecord, now: Date) -> [Finding] {
        func finding(_ rule: String, _ message: String, profile: String? = nil, source: String? = nil) -> Finding {
            Finding(rule: rule, container: record, profile: profile ?? record.profile, profileSource: source ?? record.profileSource, message: message)
        }
        let profile: Profile
        do {
            profile = try profileName.map { try ProfileLoader.load($0) } ?? ProfileLoader.load(file: URL(fileURLWithPath: record.profileSource))
        } catch {
            return [finding("AUD004", "profile \(record.profileSource) cannot be read: \(error)")]
        }
        var findings: [Finding] = []
        if let problem = Self.hostIds(record, directory: StateLayout(root: stateRoot).directory(of: record.id)) {
            findings.append(finding("AUD005", problem))
        }
        let registry = (try? ImageStore(root: stateRoot).resolve(record.imageDigest, withNames: false))?.registry
        let reasons: [String]
        do {
            let verdict = try ImageAdmission.decide(
                digest: record.imageDigest, registry: registry, reference: record.image, profile: profile, stateRoot: stateRoot, now: now)
            reasons = verdict.admitted ? [] : verdict.reasons
        } catch {
            reasons = [error.description]
        }
        if !reasons.isEmpty {
            findings.append(finding("AUD001", "no longer admitted: " + reasons.joined(separator: "; "), profile: profile.name, source: profile.source.path))
        }
        // The request as it was made, under the profile as it is now.
        do {
            let image = try ImageStore(root: stateRoot).resolve(record.imageDigest)
            var request = record.request
            request.image = record.imageDigest
            let start = ContainerStart(request: request, profileName: nil, runtime: record.runtime, dryRun: true, stateRoot: stateRoot)
            let defaults = try start.imageDefaults(image, request: &request)
            let spec = try Policy.enforce(request, profile: profile, image: defaults, protectedHostPaths: [stateRoot.path])
            if let running = try? FileContents.read(StateLayout(root: stateRoot).directory(of: record.id).appendingPathComponent("spec.json").path),
                let now = try? Self.encoder.encode(spec), Array(now) != running
            {
                findings.append(
                    finding(
                        "AUD003", "the profile now gives another spec than the one it runs with; restart it to apply", profile: profile.name,
                        source: profile.source.path))
            }
        } catch {
            findings.append(finding("AUD002", "its request would be refused now: \(error)", profile: profile.name, source: profile.source.path))
        }
        return findings
    }

    /// Why `record`'s container runs with host ids, or nil when it has a user namespace of its own: a
    /// runc or crun container holds an id block lease while it runs; a docker one shares the daemon's remap,
    /// if any. An engine that cannot be asked counts as no remap (fail closed).
    static func hostIds(_ record: ContainerRecord, directory: URL) -> String? {
        if BackendKind(rawValue: record.runtime) == .docker {
            let remaps = (try? DockerEngine().remapsUserIds()) ?? false
            return remaps ? nil : "runs with host ids: the Docker Engine does not remap user ids (no userns-remap), so its ids are host ids"
        }
        return IdBlocks.lease(of: directory) == nil
            ? "runs with host ids: no user namespace of its own (userNamespace off, or preferred where the host or the request could not give one)"
            : nil
    }

    /// The same encoding `Launch` writes `spec.json` with.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
