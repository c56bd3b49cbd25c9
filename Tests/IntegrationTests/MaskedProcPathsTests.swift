import Foundation
import Testing

/// The floor masks docker's list of /proc and /sys paths (kernel memory, keys, timers, scheduler and
/// hardware details a container has no business reading). Checked from inside, as an attacker would look:
/// each masked file reads as nothing (it is /dev/null, device 1:3) and each masked directory is empty.
@Suite("masked /proc and /sys paths, seen from inside a container on runc and on docker", .sharedHost)
struct MaskedProcPathsTests {
    /// Docker's masked paths (moby oci/defaults.go), which the README promises as the floor.
    static let masked = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
        "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
    ]

    /// For each path: `PATH file MAJOR:MINOR BYTES`, `PATH dir ENTRIES` or `PATH absent`.
    static let script = masked.map { path in
        """
        if [ -d \(path) ]; then echo "\(path) dir $(ls -A \(path) 2>/dev/null | wc -l)"; \
        elif [ -e \(path) ]; then echo "\(path) file $(busybox stat -c %t:%T \(path)) $(cat \(path) 2>/dev/null | wc -c)"; \
        else echo "\(path) absent"; fi
        """
    }.joined(separator: "\n")

    static func check(runtime: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let fixture = RunFixture.available(sourceLocation: sourceLocation) else { return }
        if runtime == "docker" { guard DockerBackendTests.engineAvailable(sourceLocation: sourceLocation) else { return } }
        let root = try ContainerLifecycleTests.Root(fixture)
        let result = try root.cli.run(["run", "--runtime", runtime, "--profile", root.profile, root.image, "sh", "-c", script])
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        var checked = 0
        for path in masked {
            let line = lines.first { $0.first == path } ?? []
            var isDirectory: ObjCBool = false
            // A path the host lacks has nothing to hide (runc skips masks of missing paths).
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            checked += 1
            if isDirectory.boolValue {
                #expect(line == [path, "dir", "0"], "\(runtime): \(path) is not an empty directory inside: \(line)", sourceLocation: sourceLocation)
            } else {
                #expect(line == [path, "file", "1:3", "0"], "\(runtime): \(path) is not /dev/null inside: \(line)", sourceLocation: sourceLocation)
            }
        }
        // This host has these (every Linux kernel does): the check saw something to mask.
        #expect(checked >= 4, "\(runtime): only \(checked) of the masked paths exist on this host", sourceLocation: sourceLocation)
    }

    @Test("runc: /proc/kcore, /proc/keys, /proc/timer_list, /proc/sched_debug … read as empty, masked directories are empty")
    func runc() throws { try Self.check(runtime: "runc") }

    @Test("docker backend: the same paths are masked in a container on the engine")
    func docker() throws { try Self.check(runtime: "docker") }
}
