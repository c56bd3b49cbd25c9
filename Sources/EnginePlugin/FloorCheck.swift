import Capabilities
import Foundation
import Policy
import Seccomp
import StrictJSON

/// What `Policy.enforce` does not check because `securerun run` adds it itself: the floor. A plugin cannot
/// change a request, so a create must already carry it; each missing piece is refused with its rule id,
/// the API field and the compose key to set. The rule itself is `Policy.floorViolations` (lint judges
/// compose files with it too); this reads the body into it and judges the inline seccomp profile.
enum FloorCheck {
    static func check(_ body: CreateBody, profile: Profile, hardened: HardenedSpec, cgroupnsPrivateByDefault: Bool) throws(EnginePluginError) {
        let missing = Policy.floorViolations(
            body.floor, profile: profile, cgroupnsPrivateByDefault: cgroupnsPrivateByDefault,
            origin: { field, value in EngineFields.origin(field.rawValue, value) })
        if let first = missing.first { throw .policy(.violation(first)) }
        if case .inline(let json) = body.seccomp {
            try checkSeccomp(json, capabilities: hardened.capabilities, profile: profile)
        }
    }

    /// The inline profile, read as the engine reads it and judged as `--security-opt seccomp=FILE` is.
    static func checkSeccomp(_ json: String, capabilities: Set<Capability>, profile: Profile) throws(EnginePluginError) {
        let origin = EngineFields.origin("HostConfig.SecurityOpt", "seccomp={…}")
        func invalid(_ reason: String) -> EnginePluginError {
            .policy(.invalidRequest(flag: origin.typed, reason: reason, origin: origin))
        }
        let bytes = Array(json.utf8)
        do {
            try SeccompKeys.check(try JSONParser.parse(bytes, limits: SeccompProfile.limits))
        } catch let error as EnginePluginError {
            throw error
        } catch {
            throw invalid("the seccomp profile is not JSON securerun can read as the engine does: \(error)")
        }
        let resolved: LinuxSeccomp
        do {
            resolved = try SeccompProfile.decode(Data(bytes), source: "seccomp=").resolve(capabilities: capabilities, source: "seccomp=")
        } catch {
            throw invalid(error.description)
        }
        let looser = resolved.loosening(comparedTo: profile.seccomp)
        if !looser.isEmpty {
            let shown = looser.prefix(5).joined(separator: "; ")
            let more = looser.count > 5 ? " and \(looser.count - 5) more" : ""
            throw .policy(
                .violation(
                    PolicyViolation(
                        rule: .seccomp, origin: origin, profile: profile.name,
                        detail: "a seccomp profile may only be stricter than \(profile.seccompPath.lastPathComponent), but this one permits: \(shown)\(more)")))
        }
    }

}

/// The keys of a Docker seccomp profile, level by level (moby `profiles/seccomp` types): the engine reads
/// the profile with Go's decoder, which matches keys without regard to case and ignores unknown ones, and
/// securerun's reader ignores unknown keys too, so `"DefaultAction": "SCMP_ACT_ALLOW"` beside
/// `"defaultAction": "SCMP_ACT_ERRNO"` would read differently on each side. Every key must be one of these.
enum SeccompKeys {
    static let top: Set<String> = [
        "defaultAction", "defaultErrnoRet", "architectures", "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata",
    ]
    static let arch: Set<String> = ["architecture", "subArchitectures"]
    static let syscall: Set<String> = ["name", "names", "action", "errnoRet", "args", "comment", "includes", "excludes"]
    static let argument: Set<String> = ["index", "value", "valueTwo", "op"]
    static let filter: Set<String> = ["caps", "arches", "minKernel"]

    static func check(_ root: JSONNode) throws(EnginePluginError) {
        let endpoint = CreateBody.endpoint
        let field = "HostConfig.SecurityOpt seccomp"
        let object = try BodyObject(root, path: field, known: top, endpoint: endpoint)
        for entry in try object.objects("archMap", known: arch) ?? [] { _ = entry }
        for rule in try object.objects("syscalls", known: syscall) ?? [] {
            _ = try rule.objects("args", known: argument)
            _ = try rule.object("includes", known: filter)
            _ = try rule.object("excludes", known: filter)
        }
    }
}
