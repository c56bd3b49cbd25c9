import Policy
import Testing

@testable import DockerCompat

/// `--health-*`, `--no-healthcheck` and podman's `--health-on-failure`, read as docker (and podman) read them.
@Suite("DockerCompat: health check flags")
struct HealthFlagTests {
    @Test(
        "durations are Go's ParseDuration: 30s, 1m30s, 1.5h, 500ms, 0",
        arguments: [
            ("30s", Int64(30_000_000_000)), ("1m30s", 90_000_000_000), ("1.5h", 5_400_000_000_000), ("500ms", 500_000_000), ("0", 0), ("2us", 2000),
            (".5s", 500_000_000),
        ])
    func durations(_ text: String, _ nanoseconds: Int64) throws {
        #expect(try ValueParsers.duration(text) == nanoseconds)
    }

    @Test("what Go refuses is refused", arguments: ["", "30", "s", "1x", "1.5.5s", "--1s", "1 s"])
    func badDurations(_ text: String) {
        #expect(throws: ValueError.self) { try ValueParsers.duration(text) }
    }

    @Test("the flags land in the request with their origins; docker's own checks refuse what docker refuses")
    func flags() throws {
        let parsed = try Parse.run([
            "--health-cmd", "curl -f http://127.0.0.1/", "--health-interval", "5s", "--health-timeout=2s", "--health-retries", "4",
            "--health-start-period", "1m", "--health-on-failure", "restart", "img",
        ])
        let request = parsed.request
        #expect(request.healthCmd?.value == "curl -f http://127.0.0.1/" && request.healthCmd?.origin.typed == "--health-cmd curl -f http://127.0.0.1/")
        #expect(request.healthInterval?.value == 5_000_000_000 && request.healthTimeout?.value == 2_000_000_000 && request.healthRetries?.value == 4)
        #expect(request.healthStartPeriod?.value == 60_000_000_000 && request.healthOnFailure?.value == .restart)
        #expect(try Parse.run(["--no-healthcheck", "img"]).request.noHealthcheck?.value == true)
        #expect(Parse.error(["--health-interval", "-1s", "img"])?.description.contains("cannot be negative") == true)
        #expect(Parse.error(["--health-timeout", "10us", "img"])?.description.contains("cannot be less than 1ms") == true)
        #expect(Parse.error(["--health-retries", "-1", "img"])?.description.contains("cannot be negative") == true)
        #expect(Parse.error(["--health-on-failure", "kill", "img"])?.description.contains("none, stop or restart") == true)
        // podman's flag is securerun run's, not docker's: the drop-in reads docker's grammar.
        #expect(Parse.error(["--health-on-failure", "restart", "img"], mode: .dockerRun) != nil)
    }
}
