import Foundation

/// A public key the admission policy trusts, with the file it came from (named in verdicts).
public struct TrustedKey: Sendable, Hashable {
    /// The file the key was read from.
    public var name: String
    /// The key.
    public var key: PublicKey

    /// A trusted key and its name.
    public init(name: String, key: PublicKey) {
        self.name = name
        self.key = key
    }

    /// Reads one PEM public key file.
    public static func load(file: URL) throws -> TrustedKey {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw AdmissionError.io(path: file.path, operation: "read key", detail: IOText.describe(error))
        }
        return TrustedKey(name: file.path, key: try PublicKey(pem: text, source: file.path))
    }

    /// Reads the keys named by `paths` (PEM files, or directories whose `*.pub`/`*.pem` files are read),
    /// dropping duplicates. Unreadable entries are returned as problems, not thrown: a bad key only
    /// ever means less trust.
    public static func load(paths: [String]) -> (keys: [TrustedKey], problems: [String]) {
        var keys: [TrustedKey] = []
        var problems: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                // A missing key directory (e.g. /etc/securerun/trusted-keys on a fresh host) only means no keys there.
                if path.hasSuffix(".pub") || path.hasSuffix(".pem") { problems.append("trusted key \(path) does not exist") }
                continue
            }
            var files = [URL(fileURLWithPath: path)]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = names.filter { $0.hasSuffix(".pub") || $0.hasSuffix(".pem") }.sorted()
                    .map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            }
            for file in files {
                do {
                    let key = try load(file: file)
                    if !keys.contains(where: { $0.key == key.key }) { keys.append(key) }
                } catch {
                    problems.append("ignoring trusted key: \(error)")
                }
            }
        }
        return (keys, problems)
    }
}

/// Lower-case text for file-system errors, without Foundation's long `NSError` dumps.
enum IOText {
    static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain,
            let message = strerror(Int32(posix.code))
        {
            return String(cString: message).lowercased()
        }
        if nsError.domain == NSCocoaErrorDomain {
            switch nsError.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or directory"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileWriteFileExistsError: return "file exists"
            default: break
            }
        }
        return nsError.localizedDescription.lowercased()
    }
}
