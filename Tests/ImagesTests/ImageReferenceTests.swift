import Testing

@testable import Images
@testable import Registry

/// Cases from docker's reference rules (distribution/reference normalize_test.go and reference_test.go).
@Suite struct ImageReferenceTests {
    struct Case: Sendable, CustomStringConvertible {
        var input: String
        var registry: String
        var repository: String
        var tag: String?
        var digest: String?
        var familiar: String
        var description: String { input }
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static let valid: [Case] = [
        Case(input: "busybox", registry: "docker.io", repository: "library/busybox", tag: "latest", familiar: "busybox:latest"),
        Case(input: "busybox:1.36", registry: "docker.io", repository: "library/busybox", tag: "1.36", familiar: "busybox:1.36"),
        Case(input: "docker.io/library/busybox", registry: "docker.io", repository: "library/busybox", tag: "latest", familiar: "busybox:latest"),
        Case(input: "index.docker.io/busybox", registry: "docker.io", repository: "library/busybox", tag: "latest", familiar: "busybox:latest"),
        Case(input: "dmcgowan/myapp", registry: "docker.io", repository: "dmcgowan/myapp", tag: "latest", familiar: "dmcgowan/myapp:latest"),
        Case(input: "docker.io/dmcgowan/myapp:v1", registry: "docker.io", repository: "dmcgowan/myapp", tag: "v1", familiar: "dmcgowan/myapp:v1"),
        Case(input: "localhost/busybox", registry: "localhost", repository: "busybox", tag: "latest", familiar: "localhost/busybox:latest"),
        Case(input: "localhost:5000/a/b:c", registry: "localhost:5000", repository: "a/b", tag: "c", familiar: "localhost:5000/a/b:c"),
        Case(input: "127.0.0.1:5000/busybox:1", registry: "127.0.0.1:5000", repository: "busybox", tag: "1", familiar: "127.0.0.1:5000/busybox:1"),
        Case(input: "[::1]:5000/busybox", registry: "[::1]:5000", repository: "busybox", tag: "latest", familiar: "[::1]:5000/busybox:latest"),
        Case(
            input: "ghcr.io/org/team/app:1.0-rc_1", registry: "ghcr.io", repository: "org/team/app", tag: "1.0-rc_1", familiar: "ghcr.io/org/team/app:1.0-rc_1"),
        Case(
            input: "my-registry.example.com:443/a__b/c-d--e:t", registry: "my-registry.example.com:443", repository: "a__b/c-d--e", tag: "t",
            familiar: "my-registry.example.com:443/a__b/c-d--e:t"),
        Case(input: "Foo/bar", registry: "Foo", repository: "bar", tag: "latest", familiar: "Foo/bar:latest"),
        Case(input: "busybox@\(digest)", registry: "docker.io", repository: "library/busybox", digest: digest, familiar: "busybox@\(digest)"),
        Case(input: "busybox:1@\(digest)", registry: "docker.io", repository: "library/busybox", tag: "1", digest: digest, familiar: "busybox:1@\(digest)"),
    ]

    @Test(arguments: valid)
    func parsesAndNormalizesLikeDocker(_ item: Case) throws {
        let reference = try ImageReference(parsing: item.input)
        #expect(reference.registry == item.registry)
        #expect(reference.repository == item.repository)
        #expect(reference.tag == item.tag)
        #expect(reference.digest == item.digest)
        #expect(reference.familiarString == item.familiar)
        #expect(try ImageReference(parsing: reference.description) == reference, "the normalized form parses back to the same reference")
    }

    static let invalid: [(String, String)] = [
        ("", "empty"),
        ("Busybox", "lowercase"),
        ("docker.io/Library/busybox", "lowercase"),
        ("busybox:", "tag"),
        ("busybox:-bad", "tag"),
        ("busybox:" + String(repeating: "a", count: 129), "tag"),
        ("busybox@sha256:abc", "digest"),
        ("busybox@md5:" + String(repeating: "a", count: 32), "digest"),
        ("a//b", "repository component"),
        ("-foo/bar", "repository component"),
        ("foo_/bar", "repository component"),
        ("foo/bar__", "repository component"),
        ("a___b", "repository component"),
        (String(repeating: "ab", count: 32), "64-character hex"),
        ("localhost:abc/busybox", "registry"),
        ("a.b__c-d/e--f", "registry"),
        ("aa/" + String(repeating: "a", count: 256), "255"),
    ]

    @Test(arguments: invalid)
    func refusesWhatDockerRefuses(_ input: String, _ reason: String) {
        #expect {
            _ = try ImageReference(parsing: input)
        } throws: { error in
            guard let error = error as? ImageError, case .invalidReference(let reference, _) = error else { return false }
            return reference == input && error.description.contains(reason)
        }
    }

    @Test(arguments: [
        ("127.0.0.1:5000", true), ("127.1.2.3", true), ("localhost:80", true), ("[::1]:5000", true),
        ("::1", true), ("example.com", false), ("10.0.0.1:5000", false), ("127.0.0.1.example.com", false), ("128.0.0.1", false),
    ])
    func insecureIsOnlyForLoopback(_ registry: String, _ loopback: Bool) {
        #expect(RegistryClient.isLoopback(registry) == loopback)
        #expect(((try? RegistryClient(registry: registry, insecure: true)) != nil) == loopback)
    }

    @Test func parsesBearerChallenges() {
        let challenge = AuthChallenge(
            header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#)
        #expect(challenge?.scheme == "bearer")
        #expect(
            challenge?.parameters == ["realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:library/busybox:pull"])
        #expect(AuthChallenge(header: #"Basic realm="Registry Realm""#)?.scheme == "basic")
    }
}
