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

    /// A linter.
    public init(kind: FileKind? = nil, profile: Profile, host: HostFacts = .current()) {
        self.kind = kind
        self.profile = profile
        self.host = host
    }

    // MARK: - Paths

    /// Lints each path: a file, a directory (its `.json`, `.yaml`, `.yml` and `.sh` files, recursively, hidden
    /// entries and symlinks skipped, files of no known kind left out), or `-` for stdin.
    public func lint(paths: [String], stdin: () -> [UInt8]? = { LintFiles.readStandardInput() }) -> [FileReport] {
        var reports: [FileReport] = []
        for path in paths {
            if path == "-" {
                guard let bytes = stdin() else {
                    reports.append(FileReport(file: "-", kind: nil, findings: [], problem: "cannot read standard input (or it is over \(Self.maxBytes) bytes)"))
                    continue
                }
                let url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("stdin")
                reports.append(lint(bytes, file: "-", url: url, explicit: true))
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                for file in LintFiles.walk(path) {
                    let report = lintFile(file, explicit: false)
                    if report.kind != nil || report.problem == nil || !report.findings.isEmpty { reports.append(report) }
                }
            } else {
                reports.append(lintFile(path, explicit: true))
            }
        }
        return reports
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
        if first == "{" || first == "[" {
            return lintJSON(bytes, text: text, file: file, url: url)
        }
        if kind == nil || kind == .profile || kind == .compose || kind == .seccomp {
            if let report = lintYAML(text, file: file, url: url, requireKind: kind) {
                return report
            }
        }
        if kind == .dockerRun || (kind == nil && Detection.hasRunCommands(text)) {
            return lintRunLines(text, file: file, url: url)
        }
        return FileReport(
            file: file, kind: nil, findings: [],
            problem:
                "cannot tell what kind of file this is (a securerun profile, seccomp profile, runtime config.json, docker run lines or compose file); pass --kind"
        )
    }

    func lintJSON(_ bytes: [UInt8], text: String, file: String, url: URL) -> FileReport {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes, limits: JSONLimits(maxBytes: Self.maxBytes, maxDepth: 64))
        } catch {
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
            return lintRunLines(text, file: file, url: url)
        }
        var findings = sink.findings
        Suppressions.apply(Suppressions.json(root, sink: &sink), to: &findings)
        findings += sink.findings.filter { $0.rule == MalformedSuppression.description.id }
        return FileReport(file: file, kind: kind, findings: Self.sorted(findings), problem: nil)
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
                for rule in Catalogue.profileRules { rule.check(source, into: &sink) }
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
        }
        guard let fileKind else { return nil }
        var sink = FindingSink(file: file, index: PositionIndex())
        Suppressions.apply(Suppressions.comments(in: text, sink: &sink), to: &findings)
        findings += sink.findings
        return FileReport(file: file, kind: fileKind, findings: Self.sorted(findings), problem: nil)
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

    func lintRunLines(_ text: String, file: String, url: URL) -> FileReport {
        var sink = FindingSink(file: file, index: PositionIndex())
        let commands = ShellLines.split(text)
        let runs = RunCommands.find(in: commands)
        let check = RequestCheck(profile: profile, host: host)
        for run in runs {
            check.check(
                run.arguments.map(\.text), mode: run.mode, directory: url.deletingLastPathComponent().path,
                place: { origin in
                    guard let index = origin.index, index < run.arguments.count else { return (run.verb.start, nil) }
                    return (run.arguments[index].position(at: origin.offset), nil)
                }, fallback: (run.verb.start, nil), into: &sink)
        }
        var findings = sink.findings
        let span: (Int) -> ClosedRange<Int> = { line in commands.first { $0.lines.contains(line) }?.lines ?? line...line }
        Suppressions.apply(Suppressions.comments(in: text, span: span, sink: &sink), to: &findings)
        findings += sink.findings.filter { $0.rule == MalformedSuppression.description.id }
        return FileReport(file: file, kind: .dockerRun, findings: Self.sorted(findings), problem: nil)
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
