import Capabilities
import Foundation
import Glibc
import Seccomp

/// Seccomp files resolved once for many profiles that name them (lint reads hundreds of profiles naming the
/// shipped `default`). Keyed by the file's path, device, inode, size and modification time, and the
/// capabilities, so a file changed in between is read again. Never used on the run path (one profile a run).
public final class SeccompCache: @unchecked Sendable {
    private struct Key: Hashable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int
        var modifiedNanoseconds: Int
        var capabilities: Set<Capability>
    }

    private let lock = NSLock()
    private var entries: [Key: Result<LinuxSeccomp, SeccompError>] = [:]

    /// An empty cache.
    public init() {}

    func resolved(
        _ path: String, capabilities: Set<Capability>, _ resolve: () throws(SeccompError) -> LinuxSeccomp
    ) throws(SeccompError) -> LinuxSeccomp {
        var status = stat()
        guard stat(path, &status) == 0 else { return try resolve() }
        let key = Key(
            path: path, device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size), modified: status.st_mtim.tv_sec,
            modifiedNanoseconds: status.st_mtim.tv_nsec, capabilities: capabilities)
        lock.lock()
        let known = entries[key]
        lock.unlock()
        if let known { return try known.get() }
        let result: Result<LinuxSeccomp, SeccompError>
        do {
            result = .success(try resolve())
        } catch {
            result = .failure(error)
        }
        lock.lock()
        entries[key] = result
        lock.unlock()
        return try result.get()
    }
}
