import ContentDigest
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// Removes what interrupted imports, pulls and removals left behind (SIGKILL, a crash, a full disk),
    /// and returns it as paths relative to the state root. Never touches the work of a live operation.
    ///
    /// - Work areas (`tmp/<kind>-<id>/`) whose lock can be taken without waiting, or that have no lock
    ///   file, belong to a dead process (the kernel drops an flock when its holder dies); they go, with
    ///   every `.tmp-<kind>-<id>-…` entry that operation made in `rootfs/`, `blobs/sha256/` and `images/`.
    ///   Temporary entries of older securerun versions (no owner) go too.
    /// - Then, only if the store lock is free right now (the sweep never waits for it): rootfs trees,
    ///   unpack records, tags and blobs that no image record names. Blobs are collected only when every
    ///   stored manifest can be read, so a broken record never makes its image's layers look unused.
    @discardableResult
    public func sweep() -> [String] {
        guard FS.isDirectory(root) else { return [] }
        var removed = sweepDeadOperations()
        removed += collectOrphans()
        return removed
    }

    /// Only what interrupted imports, pulls and removals left (their work areas and `.tmp-*` entries), for
    /// the run path: no store-wide walk.
    @discardableResult
    public func sweepInterrupted() -> [String] {
        guard FS.isDirectory(root) else { return [] }
        return sweepDeadOperations()
    }

    /// Directories where operations leave `.tmp-<owner>-…` entries.
    private var temporaryHolders: [URL] {
        [rootfsDirectory, blobs.directory, tagsDirectory, recordsDirectory, unpackedDirectory]
    }

    /// Whether the operation that owns a work area or temporary entry is still running.
    private enum Owner {
        case alive
        /// Dead; its lock (if it had a lock file) is held by the sweep until its leftovers are gone.
        case dead(LockFile?)
    }

    private func sweepDeadOperations() -> [String] {
        var verdicts: [String: Owner] = [:]
        func owner(_ id: String) -> Owner {
            if let known = verdicts[id] { return known }
            let lockPath = tmpDirectory.appendingPathComponent(id + ".lock").path
            let verdict: Owner
            if !FS.exists(URL(fileURLWithPath: lockPath)) {
                // The lock is made before anything else of the operation and unlinked after it: without it, dead.
                verdict = .dead(nil)
            } else if let lock = try? LockFile.acquire(lockPath, wait: false, create: false) {
                verdict = .dead(lock)
            } else {
                verdict = .alive
            }
            verdicts[id] = verdict
            return verdict
        }

        var removed: [String] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: tmpDirectory.path)) ?? []).sorted() {
            if name.hasPrefix("rootfs-") && name.hasSuffix(".lock") {
                // A per-image unpack lock nobody holds: left by a killed process (holders unlink their own).
                if let unheld = try? LockFile.acquire(tmpDirectory.appendingPathComponent(name).path, wait: false, create: false) {
                    unheld.releaseAndUnlink()
                }
                continue
            }
            _ = owner(name.hasSuffix(".lock") ? String(name.dropLast(5)) : name)
        }
        for holder in temporaryHolders {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: holder.path)) ?? []).sorted() where name.hasPrefix(".tmp-") {
                guard let id = WorkArea.owner(ofTemporary: name), case .dead = owner(id) else { continue }
                FS.removeTree(holder.appendingPathComponent(name))
                removed.append(relative(holder.appendingPathComponent(name)))
            }
        }
        for (id, verdict) in verdicts.sorted(by: { $0.key < $1.key }) {
            guard case .dead(let lock) = verdict else { continue }
            let directory = tmpDirectory.appendingPathComponent(id, isDirectory: true)
            if FS.exists(directory) {
                FS.removeTree(directory)
                removed.append(relative(directory))
            }
            lock?.releaseAndUnlink()
        }
        return removed
    }

    private func collectOrphans() -> [String] {
        guard let lock = try? StoreLock.tryExclusive(root: root) else { return [] }
        defer { lock.release() }
        guard let records = try? Set(recordDigests()) else { return [] }
        var removed: [String] = []
        var work: WorkArea?
        defer { work?.close() }

        for name in (try? listNames(rootfsDirectory)) ?? [] where Digest.isHex(name, count: 64) {
            let digest = Digest(hex: name)
            guard !records.contains(digest), (try? containers(using: digest))?.isEmpty == true,
                let unpacking = try? LockFile.acquire(RootfsLock.path(root: root, digest: digest), wait: false, create: true)
            else { continue }
            defer { unpacking.releaseAndUnlink() }
            guard let area = work ?? (try? WorkArea(root: root, kind: "sweep")) else { continue }
            work = area
            // Renamed aside first: a half-deleted tree must never look like an unpacked rootfs.
            let doomed = area.temporary(in: rootfsDirectory, "orphan-\(name.prefix(12))")
            if rename(rootfs(for: digest).path, doomed.path) == 0 {
                removed.append(relative(rootfs(for: digest)))
            }
        }
        for name in (try? listNames(unpackedDirectory)) ?? [] where name.hasSuffix(".record") {
            let hex = String(name.dropLast(7))
            if Digest.isHex(hex, count: 64), !records.contains(Digest(hex: hex)), !FS.exists(rootfs(for: Digest(hex: hex))) {
                unlink(unpackedDirectory.appendingPathComponent(name).path)
                removed.append(relative(unpackedDirectory.appendingPathComponent(name)))
            }
        }
        for (reference, digest) in (try? allTags()) ?? [:] where !records.contains(digest) {
            unlink(tagURL(reference).path)
            removed.append(relative(tagURL(reference)))
        }
        if let used = referencedBlobs() {
            for name in (try? listNames(blobs.directory)) ?? [] where Digest.isHex(name, count: 64) && !used.contains(Digest(hex: name)) {
                unlink(blobs.url(Digest(hex: name)).path)
                removed.append(relative(blobs.url(Digest(hex: name))))
            }
        }
        return removed
    }

    /// `url` relative to the state root, for messages.
    func relative(_ url: URL) -> String {
        let prefix = root.standardizedFileURL.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
