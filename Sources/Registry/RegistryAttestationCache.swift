import Admission
import ContentDigest
import Foundation
import HostSystem
import Images
import NIOConcurrencyHelpers

/// The admission webhook's cache of attestations fetched from images' registries, per repository and
/// digest. What is cached is the envelopes (kept by the one intake rule, `AttestationIntake.take`, under
/// the state root's cache area), never a verdict: the gate judges them again at every review, so a scan
/// that grows old refuses while cached. A fetch found nothing, or could not read the registry, is kept for
/// a short while so a burst of reviews does not hammer a registry; envelopes are fetched again after a
/// longer while so a newer scan (or a removed one) is seen.
///
/// Lookups never wait (the judge asks on a thread-pool thread); a fetch is async, shared by every review of
/// the same image that arrives while it runs (single flight), and bounded by a deadline well inside the
/// webhook configuration's timeout: a registry that does not answer in time is unreadable, and the image
/// is refused (fail closed).
public final class RegistryAttestationCache: Sendable {
    /// How long things are kept and how long a fetch may take.
    public struct Settings: Sendable {
        /// The longest one image's fetch may take, all requests together.
        public var timeout: Duration = .seconds(4)
        /// How long fetched envelopes are judged without asking the registry again.
        public var freshFor: Duration = .seconds(300)
        /// How long "nothing found" and "the registry could not be read" are remembered.
        public var negativeFor: Duration = .seconds(30)
        /// The most images remembered; the least recently used go first.
        public var capacity = 1024
        /// Registries (`host:port`, loopback only) spoken to in plain HTTP; all others over HTTPS.
        public var insecureRegistries: Set<String> = []

        public init() {}
    }

    /// Where to look: the registry and repository the pod's reference names, and the manifest digest.
    struct Key: Hashable, Sendable {
        var registry: String
        var repository: String
        var digest: Digest
    }

    /// What one fetch found.
    enum Outcome: Sendable {
        /// Envelopes were served; those the intake rule kept are in the store at `root`.
        case found(root: URL, note: String)
        /// The registry has none for the digest.
        case none(note: String)
        /// The registry could not be read.
        case unreadable(String)
    }

    struct Entry: Sendable {
        var outcome: Outcome
        var expires: ContinuousClock.Instant
        var used: ContinuousClock.Instant
    }

    struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var inflight: [Key: Task<FetchReport, Never>] = [:]
        var generation = 0
    }

    /// What a fetch did, for the server's log and metrics.
    public struct FetchReport: Sendable {
        /// `registry/repository@digest`.
        public var image: String
        /// `found`, `none` or `unreadable`.
        public var outcome: String
        /// One line: what was found, or why the registry could not be read.
        public var detail: String
        /// How long it took.
        public var seconds: Double
    }

    public let settings: Settings
    /// securerun's state root: trusted keys, and the cache area the envelopes are kept under.
    public let stateRoot: URL
    /// This process's own directory under `cache/registry-attestations/`.
    let directory: URL
    private let state = NIOLockedValueBox(State())
    private let clock = ContinuousClock()

    /// A cache under `stateRoot`'s cache area; directories left by webhooks that no longer run are removed.
    public init(stateRoot: URL, settings: Settings) {
        self.stateRoot = stateRoot
        self.settings = settings
        let area = StateRoot(stateRoot).cache("registry-attestations")
        // One directory per process, so two webhooks on one state root never remove each other's envelopes.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: area.path)) ?? [] {
            if let pid = Int32(name), pid != getpid(), kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(at: area.appendingPathComponent(name))
        }
        directory = area.appendingPathComponent("\(getpid())", isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Lookup

    /// What is known of `digest`'s attestations in `reference`'s repository now, without waiting.
    public func lookup(_ reference: ImageReference, digest: String) -> FetchedAttestations {
        guard let subject = try? Digest(parsing: digest) else { return .unreadable("\(digest) is not a sha256 digest") }
        let key = Key(registry: reference.registry, repository: reference.repository, digest: subject)
        let now = clock.now
        let entry = state.withLockedValue { state -> Entry? in
            guard var entry = state.entries[key], now < entry.expires else { return nil }
            entry.used = now
            state.entries[key] = entry
            return entry
        }
        switch entry?.outcome {
        case nil: return .notFetched
        case .found(let root, let note)?: return .fetched(AttestationStore(root: root), note: note)
        // A store that holds nothing: the gate says no attestation was found here either.
        case .none(let note)?: return .fetched(AttestationStore(root: directory.appendingPathComponent("none", isDirectory: true)), note: note)
        case .unreadable(let reason)?: return .unreadable(reason)
        }
    }

    /// Forgets everything (the profile, and so the trusted keys, changed).
    public func clear() {
        let roots = state.withLockedValue { state -> [URL] in
            defer { state.entries = [:] }
            return state.entries.values.compactMap(\.root)
        }
        removeLater(roots)
    }

    // MARK: - Fetch

    /// Fetches `digest`'s attestations from `reference`'s repository unless they are known and fresh; a
    /// fetch of the same image already running is joined, not repeated. Returns within the timeout (and a
    /// little). The report goes to the call that started the fetch (to be logged and counted once); nil for
    /// a call that found the attestations known and fresh, or joined a fetch already running.
    @discardableResult
    public func fetch(_ reference: ImageReference, digest: String, policy: AdmissionPolicy) async -> FetchReport? {
        guard let subject = try? Digest(parsing: digest) else { return nil }
        let key = Key(registry: reference.registry, repository: reference.repository, digest: subject)
        let now = clock.now
        let (task, started) = state.withLockedValue { state -> (Task<FetchReport, Never>?, Bool) in
            if let entry = state.entries[key], now < entry.expires { return (nil, false) }
            if let running = state.inflight[key] { return (running, false) }
            state.generation += 1
            let root = directory.appendingPathComponent("\(state.generation)", isDirectory: true)
            let task = Task { await self.perform(key, policy: policy, root: root) }
            state.inflight[key] = task
            return (task, true)
        }
        guard let task else { return nil }
        let report = await task.value
        return started ? report : nil
    }

    /// One fetch against the deadline; records its outcome and removes what it replaces.
    private func perform(_ key: Key, policy: AdmissionPolicy, root: URL) async -> FetchReport {
        let started = clock.now
        let image = "\(key.registry)/\(key.repository)@\(key.digest)"
        let outcome =
            await Self.withDeadline(settings.timeout) { await self.fetchOnce(key, policy: policy, root: root) }
            ?? .unreadable("registry \(key.registry) did not answer within \(Self.seconds(settings.timeout)) s (the webhook's limit for a fetch)")
        let finished = clock.now
        let expires: ContinuousClock.Instant
        switch outcome {
        case .found: expires = finished + settings.freshFor
        case .none, .unreadable: expires = finished + settings.negativeFor
        }
        let stale = state.withLockedValue { state -> [URL] in
            var stale: [URL] = []
            if let old = state.entries[key]?.root { stale.append(old) }
            state.entries[key] = Entry(outcome: outcome, expires: expires, used: finished)
            state.inflight[key] = nil
            while state.entries.count > settings.capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
                if let root = oldest.value.root { stale.append(root) }
            }
            return stale
        }
        // Without envelopes to judge, the fetch's own directory goes too (a timed-out fetch may still be
        // writing it: removed after the grace period, when it no longer can).
        if case .found = outcome { removeLater(stale) } else { removeLater(stale + [root]) }
        let seconds = Self.seconds(finished - started)
        switch outcome {
        case .found(_, let note): return FetchReport(image: image, outcome: "found", detail: note, seconds: seconds)
        case .none(let note): return FetchReport(image: image, outcome: "none", detail: note, seconds: seconds)
        case .unreadable(let reason): return FetchReport(image: image, outcome: "unreadable", detail: reason, seconds: seconds)
        }
    }

    /// Asks the registry (through the one client and the one intake rule `image pull` uses).
    private func fetchOnce(_ key: Key, policy: AdmissionPolicy, root: URL) async -> Outcome {
        let client: RegistryClient
        do {
            client = try RegistryClient(registry: key.registry, insecure: settings.insecureRegistries.contains(key.registry))
        } catch {
            return .unreadable("\(error)")
        }
        let place = "\(key.registry)/\(key.repository)"
        let pulled = await PulledAttestations.fetch(
            subject: key.digest, repository: key.repository, client: client, policy: policy, stateRoot: stateRoot, into: AttestationStore(root: root))
        if pulled.served == 0 {
            // Every place answered "none" (HTTP 404), or some could not be read: only the first is "none".
            guard pulled.warnings.isEmpty else {
                var reason = pulled.warnings.joined(separator: "; ")
                // The transport's advice names pull's flag; the webhook's own is another.
                if RegistryClient.isLoopback(key.registry) && !settings.insecureRegistries.contains(key.registry) {
                    reason += " (admission serve speaks plain HTTP only to a registry given with --insecure-registry \(key.registry))"
                }
                return .unreadable(reason)
            }
            return .none(note: "registry \(place) has no attestation for it either (the .att tag, referrers and the sha256- tag)")
        }
        var note = "\(pulled.served) attestation\(pulled.served == 1 ? "" : "s") fetched from registry \(place), \(pulled.stored.count) kept"
        if !pulled.warnings.isEmpty { note += " (\(pulled.warnings.joined(separator: "; ")))" }
        return .found(root: root, note: note)
    }

    // MARK: - Helpers

    /// `work`'s result, or nil when `limit` passes first; returns on time even if `work` ignores cancellation.
    static func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        let once = NIOLockedValueBox<CheckedContinuation<T?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            once.withLockedValue { $0 = continuation }
            let worker = Task {
                let value = await work()
                once.withLockedValue { $0.take() }?.resume(returning: value)
            }
            Task {
                try? await Task.sleep(for: limit)
                guard let waiting = once.withLockedValue({ $0.take() }) else { return }
                worker.cancel()
                waiting.resume(returning: nil)
            }
        }
    }

    /// Removes directories after a grace period: a review that looked one up a moment ago may still read it.
    private func removeLater(_ roots: [URL]) {
        guard !roots.isEmpty else { return }
        let grace = settings.timeout * 2 + .seconds(10)
        Task.detached {
            try? await Task.sleep(for: grace)
            for root in roots { try? FileManager.default.removeItem(at: root) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension RegistryAttestationCache.Entry {
    /// The directory holding its envelopes, if it has any.
    var root: URL? {
        if case .found(let root, _) = outcome { return root }
        return nil
    }
}
