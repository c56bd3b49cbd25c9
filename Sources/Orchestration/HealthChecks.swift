import Foundation
import HostSystem
import Images
import Policy
import Runtime

/// A container's health check, as docker runs it: the request's `--health-*` flags over the image's
/// HEALTHCHECK (`--no-healthcheck` turns the image's off), with docker's defaults.
struct HealthCheck: Sendable, Equatable {
    /// The probe's argv inside the container (`/bin/sh -c CMD` for a shell form).
    var command: [String]
    /// Seconds between probes, one probe's limit, the start period, and failures that make it unhealthy.
    var interval: Double
    var timeout: Double
    var startPeriod: Double
    var retries: Int
    var onFailure: HealthFailureAction

    /// The check for `request` on an image with `config`, or nil when there is none.
    static func resolve(_ request: RunRequest, image config: ImageConfig) -> HealthCheck? {
        let image = request.noHealthcheck?.value == true ? nil : config.Healthcheck
        let test: [String]
        if let command = request.healthCmd?.value {
            test = ["CMD-SHELL", command]
        } else {
            test = image?.Test ?? []
        }
        let command: [String]
        switch test.first {
        case "CMD": command = Array(test.dropFirst())
        case "CMD-SHELL": command = ["/bin/sh", "-c", test.dropFirst().joined(separator: " ")]
        default: return nil  // NONE, empty, or a form docker does not know
        }
        guard !command.isEmpty else { return nil }
        // Zero means the default, in the request and the image alike (docker's rule).
        func seconds(_ flag: Flagged<Int64>?, _ image: Int64?, _ fallback: Double) -> Double {
            if let value = flag?.value, value > 0 { return Double(value) / 1e9 }
            if let value = image, value > 0 { return Double(value) / 1e9 }
            return fallback
        }
        let retries = request.healthRetries.map(\.value).flatMap { $0 > 0 ? $0 : nil } ?? image?.Retries.flatMap { $0 > 0 ? $0 : nil } ?? 3
        return HealthCheck(
            command: command, interval: seconds(request.healthInterval, image?.Interval, 30), timeout: seconds(request.healthTimeout, image?.Timeout, 30),
            startPeriod: seconds(request.healthStartPeriod, image?.StartPeriod, 0), retries: retries,
            onFailure: request.healthOnFailure?.value ?? .none)
    }
}

/// Runs a container's health check from its monitor while the container runs: each probe an exec with
/// exactly the container's floor (its user, groups, environment and working directory from the spec it
/// started with; the runtime copies its capabilities, no-new-privileges, rlimits and seccomp filter, as
/// `securerun exec` does), its state and the last probes in the record (`ps`, `inspect`). Once unhealthy,
/// `--health-on-failure stop|restart` kills the container and says which the monitor should do next.
final class HealthMonitor: @unchecked Sendable {
    let check: HealthCheck
    let place: ContainerPlace
    let backend: any ContainerBackend
    private let lock = NSLock()
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var stopped = false
    private var verdict: HealthFailureAction?

    /// Probes kept in the record, as docker keeps five.
    static let keptProbes = 5
    /// Output kept per probe (docker keeps 4 KiB).
    static let keptOutput = 4096

    init(check: HealthCheck, place: ContainerPlace, backend: any ContainerBackend) {
        self.check = check
        self.place = place
        self.backend = backend
    }

    /// What the check decided (stop or restart) once the container ended, if it killed it.
    var action: HealthFailureAction? { lock.withLock { verdict } }

    /// Starts probing (the record says `starting`).
    func start() {
        let started = Date()
        _ = try? RecordFile(directory: place.directory).update { $0.health = ContainerRecord.Health(status: .starting, failingStreak: 0, log: []) }
        let thread = Thread { [self] in
            defer { done.signal() }
            while !sleep(check.interval) {
                let probe = run()
                if lock.withLock({ stopped }) { return }
                let counts = Date().timeIntervalSince(started) >= check.startPeriod
                guard let record = try? RecordFile(directory: place.directory).update({ Self.note(probe, counts: counts, retries: check.retries, in: &$0) })
                else { continue }
                if record.health?.status == .unhealthy, check.onFailure != .none, lock.withLock({ verdict == nil }) {
                    lock.withLock { verdict = check.onFailure }
                    _ = try? RecordFile(directory: place.directory).update {
                        $0.notes.append("\(Clock.now()): unhealthy after \(check.retries) failed checks; --health-on-failure \(check.onFailure.rawValue)")
                    }
                    try? backend.kill(id: place.id, signal: SIGKILL)
                    return
                }
            }
        }
        thread.start()
    }

    /// Stops probing (the container ended) and waits for a probe under way.
    func stop() {
        lock.withLock { stopped = true }
        wake.signal()
        done.wait()
    }

    /// Sleeps `seconds`; true when stopped meanwhile.
    private func sleep(_ seconds: Double) -> Bool {
        _ = wake.wait(timeout: .now() + seconds)
        return lock.withLock { stopped }
    }

    /// The record's health after `probe`: docker's rule (a success makes it healthy; a failure counts
    /// once the start period is over, and `retries` in a row make it unhealthy).
    static func note(_ probe: ContainerRecord.Probe, counts: Bool, retries: Int, in record: inout ContainerRecord) {
        var health = record.health ?? ContainerRecord.Health(status: .starting, failingStreak: 0, log: [])
        health.log = Array((health.log + [probe]).suffix(keptProbes))
        if probe.exitCode == 0 {
            health.status = .healthy
            health.failingStreak = 0
        } else if counts {
            health.failingStreak += 1
            if health.failingStreak >= retries { health.status = .unhealthy }
        }
        record.health = health
    }

    /// One probe: the command in the container, killed after the timeout.
    func run() -> ContainerRecord.Probe {
        let begin = Clock.nowPrecise()
        func failed(_ text: String, code: Int32 = -1) -> ContainerRecord.Probe {
            ContainerRecord.Probe(start: begin, end: Clock.nowPrecise(), exitCode: code, output: text)
        }
        let spec: ExecStart.StartedSpec
        do {
            spec = try ExecStart.startedSpec(place.directory)
        } catch {
            return failed("cannot read the container's spec: \(error)")
        }
        var process = ExecProcess(args: check.command, env: spec.env, cwd: spec.cwd, user: spec.user.id, terminal: false)
        process.additionalGids = spec.additionalGids
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let output: PipePair
        do {
            output = try PipePair()
        } catch {
            return failed("no pipe for its output: \(error)")
        }
        let started: StartedContainer
        do {
            started = try backend.exec(place, process, io: .descriptors([null, output.write, output.write]))
        } catch {
            output.closeBoth()
            return failed("the check could not start: \(error)")
        }
        output.closeWrite()
        let reader = OutputReader(fd: output.read, limit: Self.keptOutput)
        guard let pid = started.pid else {
            reader.finish()
            return failed("the runtime gave no process")
        }
        let deadline = Date().addingTimeInterval(check.timeout)
        var status: Int32 = 0
        var ended = false
        while Date() < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) {
                ended = result == pid
                break
            }
            usleep(10_000)
        }
        if !ended {
            kill(pid, SIGKILL)
            _ = ChildProcess.wait(pid)
            reader.finish()
            return failed("Health check exceeded timeout (\(Self.format(check.timeout)))")
        }
        let text = reader.finish()
        return ContainerRecord.Probe(start: begin, end: Clock.nowPrecise(), exitCode: ExitStatus(waitStatus: status).code, output: text)
    }

    static func format(_ seconds: Double) -> String {
        seconds >= 1 && seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(Int(seconds * 1000))ms"
    }
}

/// Reads a probe's output on a thread of its own (so a chatty probe never blocks on a full pipe), keeping
/// the first `limit` bytes.
final class OutputReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var kept: [UInt8] = []

    init(fd: Int32, limit: Int) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                if kept.count < limit { kept += buffer[0..<min(count, limit - kept.count)] }
            }
            close(fd)
            done.signal()
        }.start()
    }

    /// Waits for the end of the output (every writer gone) and returns it as text.
    @discardableResult
    func finish() -> String {
        done.wait()
        return String(decoding: kept, as: UTF8.self)
    }
}
