import ContentDigest
import Foundation

/// A docker image reference, `[registry/]repository[:tag][@sha256:digest]`, parsed and normalized by
/// docker's rules (distribution/reference): the first component is a registry only when it contains `.` or `:`,
/// is `localhost`, or has upper case; otherwise the registry is `docker.io`, where one-component
/// repositories get `library/`. Without tag or digest the tag is `latest`.
public struct ImageReference: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The registry host[:port], `docker.io` by default.
    public var registry: String
    /// The repository path inside the registry, e.g. `library/busybox`.
    public var repository: String
    /// The tag; `latest` when neither tag nor digest was given, nil when only a digest was.
    public var tag: String?
    /// `sha256:<hex>` when the reference pins a digest.
    public var digest: String?

    /// The default registry and the host that serves it.
    public static let defaultRegistry = "docker.io"
    package static let defaultRegistryHost = "registry-1.docker.io"

    /// Parses `text` by docker's grammar; errors say which part is wrong.
    public init(parsing text: String) throws(ImageError) {
        func fail(_ reason: String) -> ImageError { .invalidReference(reference: text, reason: reason) }
        guard !text.isEmpty else { throw fail("it is empty") }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            guard (try? Digest(parsing: digestText)) != nil else {
                throw fail("digest must be sha256: followed by 64 lower-case hex characters")
            }
            digest = digestText
            rest = rest[..<at]
        }
        // A tag is what follows the last ':' after the last '/' (a ':' before that is a registry port).
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tagText = String(rest[rest.index(after: colon)...])
            guard ReferenceGrammar.isTag(tagText) else {
                throw fail("tag '\(tagText)' must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
            }
            tag = tagText
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw fail("it has no repository name") }
        guard rest.count <= 255 else { throw fail("repository name must not be longer than 255 characters") }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first
        {
            guard ReferenceGrammar.isRegistry(first) else {
                throw fail("registry '\(first)' is not a valid host[:port]")
            }
            registry = first == "index.docker.io" ? Self.defaultRegistry : first
            components.removeFirst()
        } else {
            registry = Self.defaultRegistry
        }
        for component in components {
            if component.lowercased() != component {
                throw fail("repository name must be lowercase")
            }
            guard ReferenceGrammar.isComponent(component) else {
                throw fail("repository component '\(component)' must be lower-case letters and digits separated by '.', '_', '__' or '-'")
            }
        }
        if registry == Self.defaultRegistry && components.count == 1 {
            components.insert("library", at: 0)
        }
        repository = components.joined(separator: "/")
        if registry == Self.defaultRegistry, repository.hasPrefix("library/"),
            Digest.isHex(String(repository.dropFirst("library/".count)), count: 64), !text.contains("/")
        {
            throw fail("cannot use a 64-character hex string as a repository name; it looks like a digest")
        }
        if tag == nil && digest == nil { tag = "latest" }
    }

    /// `registry/repository`, fully qualified.
    public var name: String { registry + "/" + repository }

    /// The short name docker shows: without `docker.io/` and `library/`.
    public var familiarName: String {
        guard registry == Self.defaultRegistry else { return name }
        if repository.hasPrefix("library/") && repository.split(separator: "/").count == 2 {
            return String(repository.dropFirst("library/".count))
        }
        return repository
    }

    /// The fully qualified reference: `docker.io/library/busybox:latest`, with `@digest` when pinned.
    public var description: String { name + suffix }

    /// The familiar reference: `busybox:latest`.
    public var familiarString: String { familiarName + suffix }

    private var suffix: String {
        (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }

    /// The host to contact for the registry (`docker.io` is served by `registry-1.docker.io`).
    public var registryHost: String {
        registry == Self.defaultRegistry ? Self.defaultRegistryHost : registry
    }

    /// The host without its port or IPv6 brackets.
    public var hostWithoutPort: String {
        var host = registry
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<end])
        }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        return host
    }
}
