import Foundation
import NIOConcurrencyHelpers

/// The webhook's counters and latency histogram in the Prometheus text format (version 0.0.4). Written by
/// hand: a few counters and one histogram do not justify swift-metrics and swift-prometheus in the build
/// (two more packages to compile on every fresh checkout); the names follow Prometheus' conventions.
final class AdmissionMetrics: Sendable {
    /// Latency bucket bounds in seconds: the target is 5 ms at p99, the API server's timeout 10 s.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Values {
        var reviews: [String: Int] = [:]
        var denials: [String: Int] = [:]
        var http: [String: Int] = [:]
        var reloads: [String: Int] = [:]
        var fetches: [String: Int] = [:]
        var bucketCounts = [Int](repeating: 0, count: AdmissionMetrics.buckets.count)
        var durationSum = 0.0
        var durationCount = 0
    }

    private let values = NIOLockedValueBox(Values())

    /// One review answered: its outcome, the rules it was refused by, and how long judging took.
    func review(outcome: String, rules: [String], seconds: Double) {
        values.withLockedValue { values in
            values.reviews[outcome, default: 0] += 1
            for rule in rules { values.denials[rule, default: 0] += 1 }
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { values.bucketCounts[index] += 1 }
            values.durationSum += seconds
            values.durationCount += 1
        }
    }

    /// One HTTP answer.
    func http(path: String, code: Int) {
        values.withLockedValue { $0.http["path=\"\(path)\",code=\"\(code)\"", default: 0] += 1 }
    }

    /// One reload of `what` (certificate, profile).
    func reload(_ what: String, ok: Bool) {
        values.withLockedValue { $0.reloads["what=\"\(what)\",result=\"\(ok ? "ok" : "failed")\"", default: 0] += 1 }
    }

    /// One fetch of an image's attestations from its registry, by outcome (found, none, unreadable).
    func registryFetch(outcome: String) {
        values.withLockedValue { $0.fetches[outcome, default: 0] += 1 }
    }

    /// The exposition.
    func text() -> String {
        let values = values.withLockedValue { $0 }
        var lines: [String] = []
        func counter(_ name: String, _ help: String, _ series: [String: Int], label: String? = nil) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) counter")
            for (key, value) in series.sorted(by: { $0.key < $1.key }) {
                let labels = label.map { "\($0)=\"\(key)\"" } ?? key
                lines.append("\(name){\(labels)} \(value)")
            }
        }
        var reviews = values.reviews
        for outcome in ["allowed", "denied", "malformed"] where reviews[outcome] == nil { reviews[outcome] = 0 }
        counter("securerun_admission_reviews_total", "AdmissionReviews answered, by outcome.", reviews, label: "outcome")
        counter("securerun_admission_denials_total", "Refusals by rule id (a denied pod counts once per rule).", values.denials, label: "rule")
        counter("securerun_admission_http_responses_total", "HTTP responses by path and status code.", values.http)
        counter("securerun_admission_reloads_total", "Certificate and profile reloads, by result.", values.reloads)
        var fetches = values.fetches
        for outcome in ["found", "none", "unreadable"] where fetches[outcome] == nil { fetches[outcome] = 0 }
        counter(
            "securerun_admission_registry_fetches_total", "Fetches of an image's attestations from its registry (cache misses), by outcome.", fetches,
            label: "outcome")
        let name = "securerun_admission_review_duration_seconds"
        lines.append("# HELP \(name) Time to read and judge one review.")
        lines.append("# TYPE \(name) histogram")
        for (index, bound) in Self.buckets.enumerated() {
            lines.append("\(name)_bucket{le=\"\(bound)\"} \(values.bucketCounts[index])")
        }
        lines.append("\(name)_bucket{le=\"+Inf\"} \(values.durationCount)")
        lines.append("\(name)_sum \(values.durationSum)")
        lines.append("\(name)_count \(values.durationCount)")
        return lines.joined(separator: "\n") + "\n"
    }
}
