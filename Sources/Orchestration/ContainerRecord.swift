import Admission
import Foundation
import HostSystem
import Policy
import Runtime
import StrictJSON

/// Everything securerun knows about one container, in `<root>/containers/<id>/record.json`: what was
/// asked, under which profile and verdict it started, who looks after it, and how it ended. Written
/// atomically (temporary file, fsync, rename) under `record.lock`, so readers never see half of one.
public struct ContainerRecord: Codable, Sendable, Equatable {
    /// Where a container is in its life.
    public enum Status: String, Codable, Sendable {
        /// Claimed; its steps and runtime are being set up.
        case created
        /// Its process runs.
        case running
        /// It ended and its restart policy brings it back after the back-off (its monitor waits).
        case restarting
        /// It ended; its mounts, runtime state and cgroup are gone, the record and log remain.
        case exited
    }

    /// 32 hex digits; also the runtime's container id.
    public var id: String
    /// `--name`, unique per state root.
    public var name: String?
    /// The image as the user named it.
    public var image: String
    /// The manifest digest that was admitted and runs.
    public var imageDigest: String
    /// The profile's name, file, and the SHA-256 of its bytes when the container started.
    public var profile: String
    public var profileSource: String
    public var profileDigest: String
    /// `runc`, `crun` (later `docker`).
    public var runtime: String
    /// The request as parsed (audit re-applies it to the current profile).
    public var request: RunRequest
    /// The admission verdict it started under, and when it was given.
    public var verdict: Verdict
    public var admittedAt: String
    /// `-d`: a monitor looks after it.
    public var detached: Bool
    /// The process looking after it (securerun itself in the foreground, else its monitor): pid and start time.
    public var ownerPID: Int32
    public var ownerStartTime: String
    /// The container init's host pid while it runs.
    public var initPID: Int32?
    public var status: Status
    /// RFC 3339 times.
    public var created: String
    public var started: String?
    public var finished: String?
    /// The exit code, when known (128+N after signal N); nil for one whose monitor died before it ended.
    public var exitCode: Int32?
    /// Why the exit code is unknown, or other notes (its monitor was replaced).
    public var notes: [String]
    /// How often its monitor restarted it under its restart policy (docker's `RestartCount`).
    public var restartCount: Int?
    /// How each run under a restart policy ended, oldest first (the last ``maxExits``).
    public var exits: [Exit]?
    /// `securerun stop` stopped it: no restart policy brings it back while the host runs, and
    /// `unless-stopped` stays down when the host starts again (docker's "explicitly stopped").
    public var stoppedByUser: Bool?
    /// Why its restart policy did not bring it back (its image is no longer admitted, the profile now
    /// refuses it): `ps` says so.
    public var restartRefused: String?

    /// Its health check's state while it runs (docker's `State.Health`), nil without a check.
    public var health: Health?

    /// A health check's state: docker's status, the failures in a row, and the last probes.
    public struct Health: Codable, Sendable, Equatable {
        /// `starting` until the first success or enough failures after the start period.
        public enum Status: String, Codable, Sendable {
            case starting, healthy, unhealthy
        }
        public var status: Status
        public var failingStreak: Int
        public var log: [Probe]
    }

    /// One probe: when it ran, its exit code (-1 when it could not run or timed out) and its first 4 KiB of output.
    public struct Probe: Codable, Sendable, Equatable {
        public var start: String
        public var end: String
        public var exitCode: Int32
        public var output: String
    }

    /// One ended run: its exit code (nil when unknown) and when it ended.
    public struct Exit: Codable, Sendable, Equatable {
        public var exitCode: Int32?
        public var finished: String
    }

    /// How many ended runs a record keeps.
    public static let maxExits = 20

    /// A short id, as `ps` shows it.
    public var shortID: String { String(id.prefix(12)) }
    /// The name if it has one, else the short id.
    public var displayName: String { name ?? shortID }
}

/// Reads and writes one container's record.
struct RecordFile {
    let directory: URL

    var url: URL { directory.appendingPathComponent("record.json") }

    /// The record, or nil when there is none yet.
    func read() throws(OrchestrationError) -> ContainerRecord? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            let bytes = try FileContents.read(url.path, limit: 16 << 20)
            return try StrictJSONDecoder(limits: JSONLimits(maxBytes: 16 << 20, maxDepth: 32)).decode(ContainerRecord.self, from: bytes)
        } catch {
            throw .corruptRecord(path: url.path, reason: "\(error)")
        }
    }

    /// Writes `record` atomically.
    func write(_ record: ContainerRecord) throws(OrchestrationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(record)
            try AtomicFile.write(Array(data), to: url.path, durable: record.detached)
        } catch {
            throw .stateFailure(path: url.path, reason: "\(error)")
        }
    }

    /// Reads, changes and writes the record under its lock.
    @discardableResult
    func update(_ change: (inout ContainerRecord) -> Void) throws(OrchestrationError) -> ContainerRecord? {
        let lock: FileLock
        do {
            lock = try FileLock.acquire(directory.appendingPathComponent("record.lock").path)
        } catch {
            throw .stateFailure(path: directory.path, reason: "\(error)")
        }
        return try withExtendedLifetime(lock) { () throws(OrchestrationError) -> ContainerRecord? in
            guard var record = try read() else { return nil }
            change(&record)
            try write(record)
            return record
        }
    }
}

/// RFC 3339 in UTC, whole seconds.
enum Clock {
    static func now() -> String { Timestamp.format(Date()) }

    /// RFC 3339 in UTC with milliseconds, for health probes (several a second).
    static func nowPrecise() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
