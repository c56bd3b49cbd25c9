import Foundation
import Testing

@testable import Policy

/// The profile document cache (`<root>/cache/profiles/`): a hit gives exactly the profile a fresh read
/// gives, an edited profile is read again, a refused one is never cached, and a cached document is still
/// validated (its seccomp file read) on every load.
@Suite("Profile document cache")
struct ProfileDocumentCacheTests {
    /// A state root and a profile directory of their own, with the shipped seccomp profile beside the profile.
    struct Place {
        let base: URL
        var root: URL { base.appendingPathComponent("state") }
        var profile: URL { base.appendingPathComponent("profiles/web.yaml") }
        var cache: ProfileDocumentCache { ProfileDocumentCache(stateRoot: root) }
        var entries: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("cache/profiles").path)) ?? []).sorted()
        }

        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("securerun-profile-cache-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: base.appendingPathComponent("profiles/seccomp"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: ProfileFixtures.profilesDirectory.appendingPathComponent("seccomp/default.json"),
                to: base.appendingPathComponent("profiles/seccomp/default.json"))
        }

        func write(_ text: String) throws { try Data(text.utf8).write(to: profile) }

        /// Writes the web profile, loads it once through the cache, and returns it read without the cache
        /// and the path of its one cache entry.
        func cachedWeb() throws -> (fresh: Profile, entry: URL) {
            try write(ProfileDocumentCacheTests.web)
            let fresh = try ProfileLoader.load(file: profile)
            _ = try ProfileLoader.load(file: profile, cache: cache)
            return (fresh, root.appendingPathComponent("cache/profiles/\(try #require(entries.first))"))
        }
        func remove() { try? FileManager.default.removeItem(at: base) }
    }

    static let web = """
        name: web
        user: "1000:1000"
        capabilities: [CAP_NET_BIND_SERVICE]
        seccomp: seccomp/default.json
        resources: {memory: 256m, memorySwap: 256m, cpus: 0.5, pidsLimit: 128}
        tmpfs:
          - {path: /tmp, size: 16m}
          - {path: /run, size: 1m, mode: "0755"}
        network:
          mode: private
          egressRate: 8mbit
          ingressRate: 8mbit
          egress: {allow: ["10.1.2.3/32:443"]}
        admission:
          blockAt: CRITICAL
          maxScanAge: 7d
          ignore:
            - {id: CVE-2019-18224, reason: not reachable, expires: "2999-01-01"}

        """

    @Test func aHitGivesTheProfileAFreshReadGives() throws {
        let place = try Place()
        defer { place.remove() }
        for text in [Self.web, try String(contentsOf: ProfileFixtures.profilesDirectory.appendingPathComponent("production.yaml"), encoding: .utf8)] {
            try place.write(text)
            let fresh = try ProfileLoader.load(file: place.profile)
            let first = try ProfileLoader.load(file: place.profile, cache: place.cache)
            let hit = try ProfileLoader.load(file: place.profile, cache: place.cache)
            #expect(first == fresh)
            #expect(hit == fresh)
        }
        #expect(place.entries.count == 2)
    }

    @Test func anEditedProfileIsReadAgainNotTakenFromTheCache() throws {
        let place = try Place()
        defer { place.remove() }
        try place.write(Self.web)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache).memory.bytes == 256 << 20)
        try place.write(Self.web.replacingOccurrences(of: "memory: 256m, memorySwap: 256m", with: "memory: 64m, memorySwap: 64m"))
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache).memory.bytes == 64 << 20)
    }

    @Test func aRefusedProfileIsNeverCachedAndStaysRefused() throws {
        let place = try Place()
        defer { place.remove() }
        // The attack a cache could open: a profile with a duplicate key (two readings) cached once, then trusted.
        try place.write("name: web\nadmission:\n  blockAt: CRITICAL\n  blockAt: LOW\n")
        for _ in 0..<2 {
            #expect(throws: PolicyError.self) { try ProfileLoader.load(file: place.profile, cache: place.cache) }
        }
        #expect(place.entries.isEmpty)
    }

    @Test func aCachedDocumentIsStillValidatedOnEveryLoad() throws {
        let place = try Place()
        defer { place.remove() }
        try place.write(Self.web)
        _ = try ProfileLoader.load(file: place.profile, cache: place.cache)
        try FileManager.default.removeItem(at: place.base.appendingPathComponent("profiles/seccomp/default.json"))
        #expect {
            try ProfileLoader.load(file: place.profile, cache: place.cache)
        } throws: { error in
            (error as? PolicyError)?.description.contains("field seccomp") == true
        }
    }

    @Test func aDamagedEntryIsReadAgainAndReplaced() throws {
        let place = try Place()
        defer { place.remove() }
        let (fresh, entry) = try place.cachedWeb()
        try Data("{\"name\": \"web\", \"name\": \"other\"}".utf8).write(to: entry)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
        #expect(place.entries.count == 1)
    }

    @Test func aFIFOOrSymlinkAtTheEntryIsNeverReadAndASymlinkedCacheNeverWritten() throws {
        let place = try Place()
        defer { place.remove() }
        let (fresh, entry) = try place.cachedWeb()
        // A FIFO would block a plain open(2) forever; a symlink would hand over another file's document.
        try FileManager.default.removeItem(at: entry)
        #expect(mkfifo(entry.path, 0o600) == 0)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
        try FileManager.default.removeItem(at: entry)
        let looser = place.base.appendingPathComponent("looser.json")
        try Data(#"{"name":"web","admission":{"allowUnattested":true}}"#.utf8).write(to: looser)
        try FileManager.default.createSymbolicLink(at: entry, withDestinationURL: looser)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
        // cache/profiles a symlink to a directory outside the store: nothing is read from or written there.
        let outside = place.base.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.removeItem(at: place.root.appendingPathComponent("cache/profiles"))
        try FileManager.default.createSymbolicLink(at: place.root.appendingPathComponent("cache/profiles"), withDestinationURL: outside)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func aCachedDocumentTheValidatorRefusesIsNotBelievedTheTextIsReadAgain() throws {
        let place = try Place()
        defer { place.remove() }
        let (fresh, entry) = try place.cachedWeb()
        try Data(#"{"name":"web","readOnlyRootfs":false}"#.utf8).write(to: entry)
        #expect(try ProfileLoader.load(file: place.profile, cache: place.cache) == fresh)
    }
}
