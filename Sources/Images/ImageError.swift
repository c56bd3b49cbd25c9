import ContentDigest
import Foundation

/// Everything the image store can refuse or fail at; `description` is the one-line message a person sees.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// A system call on a file failed (`operation` is the call, `path` the file).
    case io(path: String, operation: String, errno: Int32)
    /// libarchive could not read or write an archive.
    case archive(path: String, message: String)
    /// A layer entry was refused because unpacking it would be unsafe.
    case unsafeEntry(layer: String, entry: String, reason: String)
    /// Content did not hash to the digest its descriptor names.
    case digestMismatch(what: String, expected: String, actual: String)
    /// Content was not the size its descriptor names.
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    /// No stored image matches the reference.
    case notFound(reference: String, root: String)
    /// A short digest matches more than one stored image.
    case ambiguous(reference: String, matches: [String])
    /// A reference does not follow docker's grammar.
    case invalidReference(reference: String, reason: String)
    /// A container still uses the image.
    case inUse(reference: String, digest: String, containers: [String])
    /// A manifest, config, index or layout is malformed.
    case invalidImage(source: String, reason: String)
    /// A manifest or layer has a media type securerun cannot use.
    case unsupportedMediaType(mediaType: String, digest: String)
    /// A multi-platform index has no manifest for the wanted platform.
    case noMatchingPlatform(platform: String, available: [String], source: String)
    /// A path is neither a rootfs directory, an OCI layout, an OCI archive nor a docker-save tar.
    case unknownFormat(path: String)
    /// Talking to a registry failed.
    case registry(host: String, reason: String)
    /// The registry refused our credentials or asked for some.
    case unauthorized(registry: String, repository: String, reason: String)
    /// The registry is not in the profile's allow-list.
    case registryNotAllowed(registry: String, allowed: [String])
    /// Plain HTTP was asked for a host that is not loopback.
    case insecureNotLoopback(host: String)
    /// Credentials could not be read.
    case credentials(path: String, reason: String)
    /// A layer or archive went past one of the store's unpack limits while it streamed; nothing was stored.
    case limitExceeded(layer: String, limit: UnpackLimit, detail: String)
    /// The state root (or a directory above it) could be changed by someone other than root.
    case unsafeStateRoot(path: String, reason: String)
    /// A file to write for the user (`image save -o`) is not one securerun writes (a symlink, a directory).
    case outputRefused(path: String, reason: String)
    /// An image's rootfs must be unpacked again (an older securerun unpacked it) but containers use it.
    case rootfsInUse(digest: String, containers: [String])

    public var description: String {
        switch self {
        case let .io(path, operation, errno):
            return "cannot \(operation) \(path): \(String(cString: strerror(errno)))"
        case let .archive(path, message):
            return "cannot read or write archive \(path): \(message)"
        case let .unsafeEntry(layer, entry, reason):
            return "refusing layer \(layer): entry '\(entry)' \(reason); the image was not stored"
        case let .digestMismatch(what, expected, actual):
            return "\(what) does not match its digest: expected \(expected), got \(actual); the content is corrupt or was tampered with"
        case let .sizeMismatch(what, expected, actual):
            return "\(what) has size \(actual) but its descriptor says \(expected); the content is corrupt or was tampered with"
        case let .notFound(reference, root):
            return "no image '\(reference)' in the store at \(root); import or pull it first (`securerun image ls` lists stored images)"
        case let .ambiguous(reference, matches):
            return "short digest '\(reference)' matches \(matches.count) images (\(matches.joined(separator: ", "))); give more digits"
        case let .invalidReference(reference, reason):
            return "invalid image reference '\(reference)': \(reason)"
        case let .inUse(reference, digest, containers):
            return "image '\(reference)' (\(digest)) is used by container \(containers.joined(separator: ", ")); remove the container first"
        case let .invalidImage(source, reason):
            return "invalid image \(source): \(reason)"
        case let .unsupportedMediaType(mediaType, digest):
            return "unsupported media type '\(mediaType)' for \(digest)"
        case let .noMatchingPlatform(platform, available, source):
            return "\(source) has no image for platform \(platform) (it has: \(available.joined(separator: ", "))); choose one with --platform os/arch"
        case let .unknownFormat(path):
            return "\(path) is not an OCI layout, OCI archive or docker-save tar; use --rootfs to import a root filesystem directory"
        case let .registry(host, reason):
            return "registry \(host): \(reason)"
        case let .unauthorized(registry, repository, reason):
            return "registry \(registry) refused access to \(repository): \(reason); log in with --username/--password-stdin or --authfile"
        case let .registryNotAllowed(registry, allowed):
            let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            return "registry \(registry) is not allowed by the profile (allowed: \(list))"
        case let .insecureNotLoopback(host):
            return "--insecure (plain http) is allowed only for loopback registries, not \(host); use https"
        case let .credentials(path, reason):
            return "cannot read registry credentials from \(path): \(reason)"
        case let .limitExceeded(layer, limit, detail):
            return
                "refusing \(layer): \(detail); if the image is genuine, raise \(limit.rawValue) in the store: section of the profile given with --profile; nothing was stored"
        case let .unsafeStateRoot(path, reason):
            return "refusing to use the state root \(path): \(reason)"
        case let .outputRefused(path, reason):
            return "refusing to write \(path): \(reason); nothing was written"
        case let .rootfsInUse(digest, containers):
            return
                "the rootfs of \(digest) was unpacked by an older securerun and must be unpacked again, but container \(containers.joined(separator: ", ")) uses it; stop it and try again"
        }
    }
}

extension Digest {
    /// The digest `text` names, or the store's refusal of it as an image reference.
    static func reference(_ text: String) throws(ImageError) -> Digest {
        do { return try Digest(parsing: text) } catch { throw .invalidReference(reference: text, reason: error.reason) }
    }
}
