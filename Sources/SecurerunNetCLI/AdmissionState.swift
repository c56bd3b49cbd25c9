import Foundation
import KubernetesAdmission
import Logging
import NIOConcurrencyHelpers
import NIOSSL
import Policy
import Registry

/// What the webhook serves with, each part swapped whole when its files change or on SIGHUP: the TLS
/// context (certificate and key) and the judge (profile, seccomp file name). A new certificate or profile
/// that does not load keeps the one in use, and says so in the log.
final class AdmissionState: Sendable {
    private let tlsBox: NIOLockedValueBox<NIOSSLContext>
    private let judgeBox: NIOLockedValueBox<PodJudge>
    let certificatePath: String
    let keyPath: String
    let profileName: String?
    let logger: Logger
    let metrics = AdmissionMetrics()
    /// Attestations fetched from images' registries (the store is asked first).
    let registry: RegistryAttestationCache

    init(
        certificatePath: String, keyPath: String, profileName: String?, stateRoot: URL, registry settings: RegistryAttestationCache.Settings,
        logger: Logger
    ) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.profileName = profileName
        self.logger = logger
        registry = RegistryAttestationCache(stateRoot: stateRoot, settings: settings)
        tlsBox = NIOLockedValueBox(try Self.loadTLS(certificate: certificatePath, key: keyPath))
        judgeBox = NIOLockedValueBox(try Self.makeJudge(profileName: profileName, stateRoot: stateRoot, registry: registry))
    }

    /// The judge for the named profile, asking `registry` what it fetched.
    static func makeJudge(profileName: String?, stateRoot: URL, registry: RegistryAttestationCache) throws -> PodJudge {
        try PodJudge(profile: try ProfileLoader.load(profileName), stateRoot: stateRoot) { reference, digest in
            registry.lookup(reference, digest: digest)
        }
    }

    var tls: NIOSSLContext { tlsBox.withLockedValue { $0 } }
    var judge: PodJudge { judgeBox.withLockedValue { $0 } }

    /// A server context for the PEM certificate chain and key; the key must be the certificate's.
    static func loadTLS(certificate: String, key: String) throws -> NIOSSLContext {
        for (flag, path) in [("--tls-cert", certificate), ("--tls-key", key)] where !FileManager.default.isReadableFile(atPath: path) {
            let reason = FileManager.default.fileExists(atPath: path) ? "it is not readable by this user" : "no such file"
            throw AdmissionSetupError("\(flag) \(path): \(reason); give the PEM file (a mounted Secret's tls.crt and tls.key)")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw AdmissionSetupError("--tls-cert \(certificate): not a PEM certificate securerun can read (\(error))")
        }
        guard !chain.isEmpty else { throw AdmissionSetupError("--tls-cert \(certificate): no certificate in the file") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw AdmissionSetupError("--tls-key \(key): not a PEM private key securerun can read (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw AdmissionSetupError("--tls-key \(key) does not go with --tls-cert \(certificate) (\(error)); give the certificate's own key")
        }
    }

    /// Loads the certificate and key again.
    func reloadTLS(reason: String) {
        do {
            let context = try Self.loadTLS(certificate: certificatePath, key: keyPath)
            tlsBox.withLockedValue { $0 = context }
            metrics.reload("certificate", ok: true)
            logger.notice("certificate reloaded", metadata: ["reason": "\(reason)", "certificate": "\(certificatePath)"])
        } catch {
            metrics.reload("certificate", ok: false)
            logger.error("certificate reload failed; keeping the one in use", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// Loads the profile again.
    func reloadProfile(reason: String) {
        do {
            let judge = try Self.makeJudge(profileName: profileName, stateRoot: self.judge.stateRoot, registry: registry)
            judgeBox.withLockedValue { $0 = judge }
            // Fetched envelopes were kept by the old profile's keys (trusted first, altered ones skipped).
            registry.clear()
            metrics.reload("profile", ok: true)
            logger.notice(
                "profile reloaded",
                metadata: [
                    "reason": "\(reason)", "profile": "\(judge.profile.name)", "source": "\(judge.profile.source.path)", "seccomp": "\(judge.seccompFile)",
                ])
        } catch {
            metrics.reload("profile", ok: false)
            logger.error("profile reload failed; keeping the one in use", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// What the certificate and key files look like now.
    func tlsFingerprint() -> String { Self.fingerprint([certificatePath, keyPath]) }

    /// What the files behind the profile look like now (the trusted keys are read at each decision).
    func profileFingerprint() -> String {
        let profile = judge.profile
        return Self.fingerprint([profile.source.path, profile.seccompPath.path])
    }

    /// Path, inode, size and modification time of each file (`stat`, so a replaced symlink target, as a
    /// Kubernetes Secret volume swaps it, counts as a change).
    static func fingerprint(_ paths: [String]) -> String {
        paths.map { path in
            var status = stat()
            guard stat(path, &status) == 0 else { return "\(path):-" }
            return "\(path):\(status.st_ino):\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
        }.joined(separator: "|")
    }
}

/// A webhook set-up failure (one line, exit 125).
struct AdmissionSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
