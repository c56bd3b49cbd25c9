import DockerCompat
import Foundation
import Policy
import Seccomp
import StrictJSON
import Yams

/// What linting one file gave: its kind, its findings (suppressed ones included), or why it could not be read.
public struct FileReport: Sendable, Equatable {
    /// The file as given (`-` for stdin).
    public var file: String
    /// What it was read as; nil when it could not be told (or read).
    public var kind: FileKind?
    /// The findings, in file order.
    public var findings: [Finding]
    /// Why it could not be read or recognised, if so (exit 2).
    public var problem: String?
}

/// Lints files: detects each one's kind (or takes `kind`), runs that kind's rules, applies inline
/// suppressions. `profile` is what `docker run` lines and compose services are judged against.
public struct Linter: Sendable {
    /// The kind every file is read as, instead of detecting it.
    public var kind: FileKind?
    /// The profile command lines are judged against (`--profile` inside a line wins).
    public var profile: Profile
    /// The host's facts for rules that need them.
    public var host: HostFacts
    /// Seccomp files profiles name, resolved once per linter.
    let seccompCache = SeccompCache()

    /// The most lint reads of one file: far above any profile, config or compose file.
    public static let maxBytes = 8 << 20
    /// The most findings lint reports of one file; past it, one SR902 finding says how many more there were.
    public static let maxFindings = 1000

    /// A linter.
    public init(kind: FileKind? = nil, profile: Profile, host: HostFacts = .current()) {
        self.kind = kind
        self.profile = profile
        self.host = host
    }

    // MARK: - Paths

    /// Lints each path: a file, a directory (its `.json`, `.yaml`, `.yml` and `.sh` files, recursively, hidden
    /// entries and symlinks skipped, files of no known kind left out), or `-` for stdin. A path that is not a
    /// regular file or directory (a symlink, FIFO, device, socket, a file of /proc) is refused, never opened.
    /// `stdin` replaces standard input (tests).
    public func lint(paths: [String], stdin: (() -> [UInt8]?)? = nil) -> [FileReport] {
        var reports: [FileReport] = []
        for path in paths {
            if path == "-" {
                let bytes: [UInt8]
                do {
                    bytes = try Self.standardInput(stdin)
                } catch {
                    reports.append(FileReport(file: "-", kind: nil, findings: [], problem: error.reason))
                    continue
                }
                let url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("stdin")
                reports.append(lint(bytes, file: "-", url: url, explicit: true))
                continue
            }
            do {
                switch try LintFiles.entry(path) {
                case .directory:
                    for file in LintFiles.walk(path) {
                        let report = lintFile(file, explicit: false)
                        if report.kind != nil || report.problem == nil || !report.findings.isEmpty { reports.append(report) }
                    }
                case .file:
                    reports.append(lintFile(path, explicit: true))
                }
            } catch {
                reports.append(FileReport(file: path, kind: nil, findings: [], problem: error.reason))
            }
        }
        return reports
    }

    static func standardInput(_ replacement: (() -> [UInt8]?)?) throws(LintFiles.Unreadable) -> [UInt8] {
        guard let replacement else { return try LintFiles.standardInput(limit: maxBytes) }
        guard let bytes = replacement() else { throw LintFiles.Unreadable(reason: "cannot read standard input") }
        return bytes
    }

    /// Lints one file; `explicit` when the caller named it (an unknown kind is then a problem).
    func lintFile(_ path: String, explicit: Bool) -> FileReport {
        let bytes: [UInt8]
        do {
            bytes = try LintFiles.read(path, limit: Self.maxBytes)
        } catch {
            return FileReport(file: path, kind: nil, findings: [], problem: error.reason)
        }
        let report = lint(bytes, file: path, url: URL(fileURLWithPath: path), explicit: explicit)
        if !explicit, report.problem != nil { return FileReport(file: path, kind: nil, findings: [], problem: nil) }
        return report
    }

    // MARK: - One document

    /// Lints `bytes` as the file `file` (named so in findings) at `url` (relative paths inside it resolve there).
    public func lint(_ bytes: [UInt8], file: String, url: URL, explicit: Bool = true) -> FileReport {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            var sink = FindingSink(file: file, index: PositionIndex())
            sink.add(DocumentUnparseable.description, "the file is not UTF-8 text", at: SourcePosition(line: 1, column: 1))
            return FileReport(file: file, kind: kind, findings: sink.findings, problem: nil)
        }
        let first = text.first { !$0.isWhitespace }
        let looksLikeJSON = (first == "{" || first == "[") && kind != .dockerRun
        if looksLikeJSON, let report = lintJSON(bytes, text: text, file: file, url: url, mayBeOther: true) {
            return report
        }
        if kind == nil || kind == .profile || kind == .compose || kind == .seccomp {
            if let report = lintYAML(text, file: file, url: url, requireKind: kind) {
                return report
            }
        }
        if kind == .dockerRun || kind == nil, let report = lintRunLines(bytes, file: file, url: url, required: kind == .dockerRun) {
            return report
        }
        if looksLikeJSON, let report = lintJSON(bytes, text: text, file: file, url: url, mayBeOther: false) {
            // Nothing else recognised it: it is JSON that does not parse.
            return report
        }
        return FileReport(
            file: file, kind: nil, findings: [],
            problem:
                "cannot tell what kind of file this is (a securerun profile, seccomp profile, runtime config.json, docker run lines or compose file); pass --kind"
        )
    }

    /// Lints a JSON document; nil when it does not parse and it `mayBeOther` kind of file: no kind was asked
    /// for and the file is not named `.json` (a shell script may begin with `{` or `[[`).
    func lintJSON(_ bytes: [UInt8], text: String, file: String, url: URL, mayBeOther: Bool = false) -> FileReport? {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, limits: JSONLimits(maxBytes: Self.maxBytes, maxDepth: 64))
        } catch {
            if mayBeOther, kind == nil, url.pathExtension.lowercased() != "json" { return nil }
            var sink = FindingSink(file: file, index: PositionIndex())
            sink.add(DocumentUnparseable.description, error.description, at: Self.position(of: error))
            return FileReport(file: file, kind: kind, findings: sink.findings, problem: nil)
        }
        guard let kind = kind ?? Detection.kind(ofJSON: root) else {
            return FileReport(file: file, kind: nil, findings: [], problem: "cannot tell what kind of JSON document this is; pass --kind")
        }
        var sink = FindingSink(file: file, index: JSONIndex.build(root))
        switch kind {
        case .seccomp:
            lintSeccomp(root, prefix: "", into: &sink)
        case .runtimeConfig:
            let config = RuntimeConfigDocument(root: root)
            for rule in Catalogue.runtimeConfigRules { rule.check(config, into: &sink) }
            if let seccomp = JSONIndex.node(root, "linux.seccomp") { lintSeccomp(seccomp, prefix: "linux.seccomp", into: &sink) }
        case .profile, .compose:
            // JSON is YAML: the same readers apply, with YAML's marks.
            return lintYAML(text, file: file, url: url, requireKind: kind) ?? FileReport(file: file, kind: kind, findings: [], problem: nil)
        case .dockerRun:
            return lintRunLines(bytes, file: file, url: url, required: true) ?? FileReport(file: file, kind: kind, findings: [], problem: nil)
        }
        var findings = sink.findings
        let rulesSink = sink
        Suppressions.apply(Suppressions.json(root, sink: &sink), to: &findings)
        findings += sink.findings.dropFirst(rulesSink.findings.count).filter { $0.rule == MalformedSuppression.description.id }
        return FileReport(
            file: file, kind: kind, findings: Self.capped(findings, omitted: sink.omitted, from: sink.firstOmitted, file: file), problem: nil)
    }

    func lintSeccomp(_ node: JSONNode, prefix: String, into sink: inout FindingSink) {
        let profile: SeccompProfile
        do {
            if prefix.isEmpty {
                profile = try StrictJSONDecoder(limits: SeccompProfile.limits).decode(SeccompProfile.self, from: node)
            } else {
                profile = Self.dockerForm(try StrictJSONDecoder(limits: SeccompProfile.limits).decode(LinuxSeccomp.self, from: node))
            }
        } catch let error as JSONError {
            if case .decoding(let path, let position, let reason) = error {
                let field = prefix.isEmpty ? path : (path.isEmpty ? prefix : "\(prefix).\(path)")
                sink.add(SeccompInvalid.description, "\(path.isEmpty ? "(document)" : path): \(reason)", field: field, at: position.map(JSONIndex.position))
            } else {
                sink.add(SeccompInvalid.description, error.description, field: prefix)
            }
            return
        } catch {
            sink.add(SeccompInvalid.description, "\(error)", field: prefix)
            return
        }
        let document = SeccompDocument(profile: profile, prefix: prefix)
        for rule in Catalogue.seccompRules { rule.check(document, into: &sink) }
    }

    /// An OCI `linux.seccomp` in Docker's form, so the same rules read it (field paths stay the same).
    static func dockerForm(_ filter: LinuxSeccomp) -> SeccompProfile {
        SeccompProfile(
            defaultAction: filter.defaultAction, defaultErrnoRet: filter.defaultErrnoRet, architectures: filter.architectures,
            syscalls: filter.syscalls?.map { SeccompProfile.Syscall(names: $0.names, action: $0.action, errnoRet: $0.errnoRet, args: $0.args) },
            flags: filter.flags, listenerPath: filter.listenerPath, listenerMetadata: filter.listenerMetadata)
    }

    /// Lints YAML (or JSON read as YAML), each document of a multi-document file on its own; nil when it
    /// is not YAML of a kind lint knows and `requireKind` is nil.
    func lintYAML(_ text: String, file: String, url: URL, requireKind: FileKind?) -> FileReport? {
        let documents: [Node]
        do {
            documents = try BoundedYAML.composeAll(text, path: file)
        } catch {
            guard requireKind != nil || url.pathExtension == "yaml" || url.pathExtension == "yml" else { return nil }
            var sink = FindingSink(file: file, index: PositionIndex())
            sink.add(DocumentUnparseable.description, Self.yamlReason(error), at: Self.yamlPosition(error))
            return FileReport(file: file, kind: requireKind, findings: sink.findings, problem: nil)
        }
        var fileKind: FileKind?
        var findings: [Finding] = []
        var omitted = 0
        var firstOmitted: SourcePosition?
        for root in documents {
            guard let kind = requireKind ?? Detection.kind(ofYAML: root) else { continue }
            fileKind = fileKind ?? kind
            var sink = FindingSink(file: file, index: YAMLIndex.build(root))
            switch kind {
            case .profile:
                guard documents.count == 1 else {
                    sink.add(ProfileInvalid.description, "a profile is one YAML document; this file has \(documents.count)", field: "")
                    break
                }
                let source = ProfileSource(text: text, root: root, file: url, seccompCache: seccompCache)
                if let refusal = LintFiles.seccompRefusal(ofProfile: root, file: url) {
                    // The loader would open it blocking: judge the rest, not the file.
                    sink.add(ProfileInvalid.description, "seccomp: \(refusal)", field: "seccomp")
                    for rule in Catalogue.profileRules where rule != ProfileInvalid.self { rule.check(source, into: &sink) }
                } else {
                    for rule in Catalogue.profileRules { rule.check(source, into: &sink) }
                }
            case .compose:
                lintCompose(root, directory: url.deletingLastPathComponent().path, into: &sink)
            case .seccomp:
                guard let spec = root.at("spec") else { continue }
                do {
                    let profile = try YAMLDecoder().decode(SeccompProfile.self, from: try Yams.serialize(node: spec))
                    let document = SeccompDocument(profile: profile, prefix: "spec")
                    for rule in Catalogue.seccompRules { rule.check(document, into: &sink) }
                } catch {
                    sink.add(SeccompInvalid.description, "spec: \(error)", field: "spec")
                }
            case .runtimeConfig, .dockerRun:
                continue
            }
            findings += sink.findings
            omitted += sink.omitted
            firstOmitted = firstOmitted ?? sink.firstOmitted
        }
        guard let fileKind else { return nil }
        var sink = FindingSink(file: file, index: PositionIndex())
        Suppressions.apply(Suppressions.comments(in: text, sink: &sink), to: &findings)
        findings += sink.findings
        omitted += sink.omitted
        return FileReport(file: file, kind: fileKind, findings: Self.capped(findings, omitted: omitted, from: firstOmitted, file: file), problem: nil)
    }

    func lintCompose(_ root: Node, directory: String, into sink: inout FindingSink) {
        let check = RequestCheck(profile: profile, host: host)
        for (name, words) in ComposeServices.services(root) {
            let image = root.at("services.\(name).image")?.text ?? "compose-service-\(name)"
            let service = "services.\(name)"
            check.check(
                words.map(\.text) + [image], mode: .dockerRun, directory: directory,
                place: { origin in
                    guard let index = origin.index, index < words.count else { return (nil, service) }
                    return (nil, words[index].field)
                }, fallback: (nil, service), floorField: { key in "\(service).\(key)" }, into: &sink)
        }
    }

    /// Lints shell text for the commands that start containers; nil when it has none and was not `required`
    /// to (a file of another kind), unless securerun could not read it and it names a container tool.
    func lintRunLines(_ bytes: [UInt8], file: String, url: URL, required: Bool) -> FileReport? {
        let check = RunLineCheck(
            check: RequestCheck(profile: profile, host: host), directory: url.deletingLastPathComponent().path,
            sink: FindingSink(file: file, index: PositionIndex()))
        ShellReader.read(bytes, visitor: check)
        if !required, check.commands == 0 {
            guard check.problems > 0, Self.namesContainerTool(bytes) else { return nil }
        }
        check.groups.seal()
        let groups = check.groups
        var findings = check.sink.findings
        var sink = FindingSink(file: file, index: PositionIndex())
        Suppressions.apply(Suppressions.comments(in: bytes, span: groups.span, sink: &sink), to: &findings, span: groups.span)
        findings += sink.findings
        return FileReport(
            file: file, kind: .dockerRun,
            findings: Self.capped(findings, omitted: check.sink.omitted + sink.omitted, from: check.sink.firstOmitted, file: file), problem: nil)
    }

    /// Whether the text names docker, podman or securerun anywhere.
    static func namesContainerTool(_ bytes: [UInt8]) -> Bool {
        for name in ["docker", "podman", "securerun"] {
            let needle = Array(name.utf8)
            var index = 0
            while let found = bytes[index...].firstIndex(of: needle[0]) {
                if found + needle.count <= bytes.count, bytes[found..<found + needle.count].elementsEqual(needle) { return true }
                index = found + 1
            }
        }
        return false
    }

    /// The findings in file order, at most ``maxFindings`` of them, and an SR902 finding for the rest.
    static func capped(_ findings: [Finding], omitted: Int, from firstOmitted: SourcePosition?, file: String) -> [Finding] {
        var kept = sorted(findings)
        var more = omitted
        var first = firstOmitted
        if kept.count > maxFindings {
            more += kept.count - maxFindings
            if let position = kept[maxFindings].position { first = min(first ?? position, position) }
            kept.removeSubrange(maxFindings...)
        }
        guard more > 0 else { return kept }
        kept.append(
            Finding(
                rule: TooManyFindings.description.id, name: TooManyFindings.description.name, severity: TooManyFindings.description.severity,
                message: "lint reports at most \(maxFindings) findings of a file; \(more) more were found from here on (fix these and lint again)",
                file: file, position: first ?? SourcePosition(line: 1, column: 1)))
        return kept
    }

    // MARK: - Helpers

    static func sorted(_ findings: [Finding]) -> [Finding] {
        findings.enumerated().sorted { lhs, rhs in
            switch (lhs.element.position, rhs.element.position) {
            case (let a?, let b?) where a != b: return a < b
            case (nil, _?): return true
            case (_?, nil): return false
            default: return lhs.offset < rhs.offset
            }
        }.map(\.element)
    }

    static func position(of error: JSONError) -> SourcePosition {
        switch error {
        case .syntax(let position, _), .tooDeep(let position, _): return JSONIndex.position(position)
        case .duplicateKey(_, _, _, let second): return JSONIndex.position(second)
        case .decoding(_, let position, _): return position.map(JSONIndex.position) ?? SourcePosition(line: 1, column: 1)
        case .tooLarge: return SourcePosition(line: 1, column: 1)
        }
    }

    static func yamlReason(_ error: PolicyError) -> String {
        if case .invalidField(_, _, let reason) = error { return reason }
        return error.description
    }

    /// The `line N, column M` a YAML error names, if it names one.
    static func yamlPosition(_ error: PolicyError) -> SourcePosition {
        let text = yamlReason(error)
        let numbers = text.split { !$0.isNumber }.compactMap { Int($0) }
        if text.contains("line"), numbers.count >= 2 { return SourcePosition(line: numbers[0], column: numbers[1]) }
        return SourcePosition(line: 1, column: 1)
    }
}
