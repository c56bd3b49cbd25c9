import Admission
import Foundation
import Images
import KubernetesAdmission
import Policy
import Testing

/// How the judge uses what the webhook's registry cache knows, without any network: a refusal with nothing
/// fetched asks for a fetch; an unreadable registry refuses (fail closed) and says why; what was fetched is
/// judged by the one decision; a registry the profile does not allow is never asked for.
@Suite struct RegistryLookupTests {
    static let image = "registry.example/app@\(PodFixtures.digest)"

    func answer(_ lookup: @escaping @Sendable (ImageReference, String) -> FetchedAttestations, profile: Profile? = nil) throws -> KubernetesWebhook.Answer {
        let plain = try PodFixtures.judge()
        let judge = try PodJudge(profile: try profile ?? PodFixtures.profile(), stateRoot: plain.stateRoot, registryAttestations: lookup)
        return KubernetesWebhook.answer(try PodFixtures.review(PodFixtures.compliantPod(seccompFile: judge.seccompFile)), judge: judge)
    }

    @Test func anImageNotFetchedYetIsRefusedAndAsksForItsRegistry() throws {
        let answer = try answer { _, _ in .notFetched }
        #expect(answer.outcome == .denied)
        #expect(answer.rules == ["SR027"])
        #expect(answer.fetches.map { "\($0.reference.registry) \($0.reference.repository) \($0.digest)" } == ["registry.example app \(PodFixtures.digest)"])
    }

    @Test func anUnreadableRegistryRefusesAndSaysWhy() throws {
        let answer = try answer { _, _ in .unreadable("cannot connect to registry.example:443: connection refused") }
        #expect(answer.outcome == .denied)
        #expect(answer.rules == ["SR027"])
        #expect(answer.fetches.isEmpty)
        #expect(
            answer.message?.contains("could not be fetched from its registry (the webhook fails closed): cannot connect") == true, "\(answer.message ?? "")")
    }

    @Test func nothingFetchedIsJudgedLikeNothingStored() throws {
        let empty = AttestationStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("none-\(UUID().uuidString)"))
        let answer = try answer { _, _ in .fetched(empty, note: "registry registry.example/app has no attestation for it either") }
        #expect(answer.outcome == .denied)
        #expect(answer.fetches.isEmpty)
        #expect(answer.message?.contains("nor in the image's registry") == true, "\(answer.message ?? "")")
        #expect(answer.message?.contains("has no attestation for it either [SR027 image-admission]") == true, "\(answer.message ?? "")")
    }

    @Test func aRegistryTheProfileDoesNotAllowIsNeverAskedFor() throws {
        var profile = try PodFixtures.profile()
        profile.allowedRegistries = ["other.example"]
        let asked = Asked()
        let answer = try answer(
            { _, _ in
                asked.mark()
                return .notFetched
            }, profile: profile)
        #expect(answer.outcome == .denied)
        #expect(answer.fetches.isEmpty)
        #expect(!asked.value)
        #expect(answer.message?.contains("is not in profile") == true, "\(answer.message ?? "")")
    }

    /// Whether the lookup was called.
    final class Asked: @unchecked Sendable {
        private let lock = NSLock()
        private var asked = false
        func mark() { lock.withLock { asked = true } }
        var value: Bool { lock.withLock { asked } }
    }
}
