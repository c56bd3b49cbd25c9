import ArgumentParser
import Foundation
import KubernetesAdmission
import Policy
import SARIF

/// `securerun audit --kubernetes FILE|-`: the pods of a `kubectl get pods -A -o json` dump judged by the
/// decision the admission webhook makes (policy, floor, image admission), so what is deployed is re-checked
/// against the profile and the attestations as they are now.
enum KubernetesAudit {
    /// One row per container; every refusal under it; exit 1 when any container fails.
    static func run(source: String, profileName: String?, format: String) throws {
        let bytes: [UInt8]
        do {
            bytes = source == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(try Data(contentsOf: URL(fileURLWithPath: source)))
        } catch {
            printError("--kubernetes \(source): cannot read the file (\(error.localizedDescription)); give a kubectl get pods -A -o json dump, or - for stdin")
            throw ExitCode(125)
        }
        let pods: [PodReading]
        let judge: PodJudge
        do {
            pods = try PodList.read(bytes, source: source == "-" ? "stdin" : source)
            judge = try PodJudge(profile: try ProfileLoader.load(profileName), stateRoot: stateRoot())
        } catch {
            printError("\(error)")
            throw ExitCode(125)
        }
        let judgements = pods.map { judge.judge($0) }
        switch format {
        case "json":
            print(try jsonString(judgements.map(Report.init)))
        case "sarif":
            print(try jsonString(sarif(judgements, source: source, profile: judge.profile)))
        default:
            var rows = [["POD", "CONTAINER", "IMAGE", "RESULT", "RULES"]]
            for pod in judgements {
                for container in pod.containers {
                    let rules = Array(Set(container.refusals.compactMap(\.rule))).sorted().joined(separator: ",")
                    rows.append([podName(pod), container.label, container.image, container.allowed ? "pass" : "FAIL", rules.isEmpty ? "-" : rules])
                }
            }
            printTable(rows)
            for pod in judgements {
                for container in pod.containers {
                    for refusal in container.refusals { print("\(podName(pod)) \(container.label): \(refusal.message)") }
                }
            }
            let failing = judgements.filter { !$0.allowed }.count
            printError("audited \(judgements.count) pod\(judgements.count == 1 ? "" : "s") under profile \"\(judge.profile.name)\": \(failing) failing")
        }
        if judgements.contains(where: { !$0.allowed }) { throw ExitCode(1) }
    }

    static func podName(_ pod: PodJudgement) -> String { pod.namespace.isEmpty ? pod.name : "\(pod.namespace)/\(pod.name)" }

    /// The JSON report: one entry per pod.
    struct Report: Encodable {
        struct Container: Encodable {
            var container: String
            var image: String
            var digest: String?
            var allowed: Bool
            var refusals: [Refusal]
        }
        struct Refusal: Encodable {
            var rule: String?
            var message: String
        }
        var pod: String
        var allowed: Bool
        var containers: [Container]

        init(_ pod: PodJudgement) {
            self.pod = KubernetesAudit.podName(pod)
            allowed = pod.allowed
            containers = pod.containers.map {
                Container(
                    container: $0.label, image: $0.image, digest: $0.digest, allowed: $0.allowed,
                    refusals: $0.refusals.map { Refusal(rule: $0.rule, message: $0.message) })
            }
        }
    }

    /// SARIF: the request rules and the image rules, one result per refusal, located at the pod's container.
    static func sarif(_ judgements: [PodJudgement], source: String, profile: Profile) -> SARIFLog {
        var catalogue = PolicyViolation.Rule.allCases.map { (id: $0.id, name: $0.name, summary: $0.summary) }
        catalogue.append((id: "SR000", name: "invalid-request", summary: "a value securerun cannot use whatever the profile says"))
        let rules = catalogue.map {
            SARIFLog.Rule(id: $0.id, name: $0.name, short: $0.summary, full: $0.summary, help: "securerun audit --help", level: .error)
        }
        let uri = source == "-" ? nil : URL(fileURLWithPath: source).standardizedFileURL.absoluteString
        var results: [SARIFLog.Result] = []
        for pod in judgements {
            for container in pod.containers {
                for refusal in container.refusals {
                    let id = refusal.rule ?? "SR000"
                    results.append(
                        SARIFLog.Result(
                            ruleId: id, ruleIndex: catalogue.firstIndex { $0.id == id }, level: .error, message: refusal.message,
                            locations: [.init(uri: uri, logical: "pod \(podName(pod)) \(container.label)", kind: "resource")]))
                }
            }
        }
        return SARIFLog(
            run: .init(
                tool: .init(driver: .init(name: "securerun audit", version: "0.1.0", informationUri: "https://github.com/securerun", rules: rules)),
                results: results))
    }
}
