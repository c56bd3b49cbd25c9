import Foundation
import Policy

/// `-v`, `--mount` and `--tmpfs` values, as docker reads them.
enum MountParsers {
    /// `-v [SOURCE:]DESTINATION[:OPTIONS]`: a source starting with `/` or `.` is a host path (a relative one
    /// is made absolute against `workingDirectory`, as docker 23+ does); another source is a named volume;
    /// no source is an anonymous volume. Like docker, `-v` binds are writable unless `ro` is given.
    static func volume(_ text: String, workingDirectory: String) throws(ValueError) -> MountRequest {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw ValueError("expected HOST-PATH:CONTAINER-PATH[:ro], with absolute paths (or ./relative host paths)")
        }
        if parts.count == 1 { return .volume(name: nil, destination: parts[0]) }
        let source = parts[0]
        let destination = parts[1]
        guard destination.hasPrefix("/") else { throw ValueError("\"\(destination)\" is not an absolute container path") }
        var readOnly = false
        var propagation: String?
        var relabel: String?
        var nocopy = false
        if parts.count == 3 {
            for option in parts[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                switch option {
                case "ro": readOnly = true
                case "rw": readOnly = false
                case "z", "Z": relabel = option
                case "private", "rprivate": propagation = nil
                case "shared", "rshared", "slave", "rslave": propagation = option
                case "nocopy": nocopy = true
                // Docker Desktop's macOS consistency hints; docker on Linux reads and ignores them too.
                case "consistent", "cached", "delegated": break
                default:
                    throw ValueError("unknown volume option \"\(option)\" (known: ro, rw, z, Z, shared, rshared, slave, rslave, private, rprivate, nocopy)")
                }
            }
        }
        if source.hasPrefix("~") {
            throw ValueError("\"\(source)\": ~ is not expanded here; write the host path in full (your shell expands ~ only at the start of a word)")
        }
        guard source.hasPrefix("/") || source.hasPrefix(".") else {
            return .volume(name: source, destination: destination)
        }
        if nocopy { throw ValueError("nocopy applies to named volumes only") }
        return .bind(
            BindRequest(source: absolute(source, workingDirectory), destination: destination, readOnly: readOnly, propagation: propagation, relabel: relabel))
    }

    static func absolute(_ path: String, _ workingDirectory: String) -> String {
        let joined = path.hasPrefix("/") ? path : workingDirectory + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }

    /// `--mount type=bind|tmpfs|volume,KEY=VALUE,…`, a CSV line as docker reads it (quoted fields allowed).
    static func mount(_ text: String, workingDirectory: String) throws(ValueError) -> MountRequest {
        var type = "volume"
        var source: String?
        var target: String?
        var readOnly = false
        var propagation: String?
        var tmpfsSize: ByteSize?
        var tmpfsMode: UInt32?
        var sawVolumeOption = false
        for field in try csvFields(text) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = parts[0].lowercased()
            let value = parts.count == 2 ? parts[1] : nil
            func required() throws(ValueError) -> String {
                guard let value, !value.isEmpty else { throw ValueError("invalid field '\(field)' must be a key=value pair") }
                return value
            }
            switch key {
            case "type": type = try required()
            case "source", "src": source = try required()
            case "target", "destination", "dst": target = try required()
            case "readonly", "ro":
                if let value {
                    guard let on = GoSyntax.parseBool(value) else { throw ValueError("invalid value for \(key): \(value)") }
                    readOnly = on
                } else {
                    readOnly = true
                }
            case "bind-propagation":
                let mode = try required()
                switch mode {
                case "private", "rprivate": propagation = nil
                case "shared", "rshared", "slave", "rslave": propagation = mode
                default: throw ValueError("invalid bind-propagation \"\(mode)\"")
                }
            case "bind-recursive":
                switch try required() {
                case "enabled", "readonly": break
                case "writable":
                    throw ValueError("bind-recursive=writable leaves mounts under the source writable; securerun makes them all read-only with the volume")
                case "disabled":
                    throw ValueError("non-recursive binds are not supported; mount the nested directory itself")
                case let other: throw ValueError("invalid bind-recursive \"\(other)\" (enabled, disabled, writable, readonly)")
                }
            case "bind-nonrecursive":
                if GoSyntax.parseBool(value ?? "true") == true { throw ValueError("non-recursive binds are not supported; mount the nested directory itself") }
            case "consistency":
                _ = try required()
            case "bind-create-mountpoint":
                _ = value
            case "volume-driver", "volume-label", "volume-nocopy", "volume-opt", "volume-subpath":
                sawVolumeOption = true
            case "tmpfs-size":
                tmpfsSize = try ValueParsers.size(required())
            case "tmpfs-mode":
                guard let mode = UInt32(try required(), radix: 8), mode <= 0o7777 else { throw ValueError("tmpfs-mode takes an octal mode such as 1777") }
                tmpfsMode = mode
            default:
                throw ValueError("unexpected key '\(key)' in '\(field)'")
            }
        }
        guard let target else { throw ValueError("target is required (target=/path)") }
        guard target.hasPrefix("/") else { throw ValueError("\"\(target)\" is not an absolute container path") }
        switch type {
        case "bind":
            guard let source else { throw ValueError("source is required when specifying type=bind") }
            guard source.hasPrefix("/") || source.hasPrefix(".") else { throw ValueError("\"\(source)\" is not an absolute host path") }
            return .bind(BindRequest(source: absolute(source, workingDirectory), destination: target, readOnly: readOnly, propagation: propagation))
        case "tmpfs":
            guard source == nil else { throw ValueError("source must not be specified for type=tmpfs") }
            if readOnly { throw ValueError("a read-only tmpfs stays empty; leave readonly out") }
            return .tmpfs(TmpfsRequest(path: target, size: tmpfsSize, mode: tmpfsMode))
        case "volume":
            _ = sawVolumeOption
            return .volume(name: source, destination: target)
        default:
            throw ValueError("type=\(type) is not supported (bind and tmpfs are)")
        }
    }

    /// Fields of one CSV record (encoding/csv as docker uses it: commas separate, "…" quotes, "" escapes a quote).
    static func csvFields(_ text: String) throws(ValueError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var atFieldStart = true
        var chars = Array(text)[...]
        while let char = chars.popFirst() {
            if quoted {
                if char == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(char)
                }
            } else if char == "\"" && atFieldStart {
                quoted = true
                atFieldStart = false
            } else if char == "," {
                fields.append(current)
                current = ""
                atFieldStart = true
            } else {
                if char == "\"" { throw ValueError("bare \" in a field; quote the whole field") }
                current.append(char)
                atFieldStart = false
            }
        }
        if quoted { throw ValueError("unterminated quote") }
        fields.append(current)
        return fields
    }

    /// `--tmpfs PATH[:OPTIONS]`: the options are tmpfs mount options (size as the kernel reads it, 65536k).
    static func tmpfs(_ text: String) throws(ValueError) -> TmpfsRequest {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard !parts[0].isEmpty else { throw ValueError("expected an absolute container path, such as /run:size=16m") }
        var request = TmpfsRequest(path: parts[0])
        if parts.count == 2, !parts[1].isEmpty {
            for option in parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
                try applyTmpfsOption(option, to: &request)
            }
        }
        return request
    }

    static func applyTmpfsOption(_ option: String, to request: inout TmpfsRequest) throws(ValueError) {
        let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        switch (parts[0], parts.count == 2 ? parts[1] : nil) {
        case ("size", let value?): request.size = try kernelSize(value)
        case ("mode", let value?):
            guard let mode = UInt32(value, radix: 8), mode <= 0o7777 else { throw ValueError("mode needs an octal value such as 1777") }
            request.mode = mode
        case ("exec", nil): request.exec = true
        case ("noexec", nil): request.exec = false
        case ("suid", nil): request.setuid = true
        case ("dev", nil): request.devices = true
        case ("nosuid", nil), ("nodev", nil), ("rw", nil), ("rprivate", nil), ("private", nil): break
        case ("uid", _), ("gid", _):
            throw ValueError("securerun makes tmpfs mounts owned by the container's user; leave \(parts[0])= out")
        default:
            throw ValueError("unknown tmpfs option \"\(option)\" (known: size, mode, noexec, nosuid, nodev, rw)")
        }
    }

    /// A size as the kernel's tmpfs reads it (memparse): a number (0x hex, leading-0 octal) and an optional
    /// k, m, g, t, p or e; `%` of RAM is refused (give the size).
    static func kernelSize(_ text: String) throws(ValueError) -> ByteSize {
        let failure = ValueError("size needs a value such as 64m or 65536k")
        guard !text.hasSuffix("%") else { throw ValueError("give the size itself (such as 64m), not a share of the host's memory") }
        var digits = Substring(text)
        var shift: Int64 = 0
        if let last = digits.last, let index = "kmgtpe".firstIndex(of: Character(last.lowercased())) {
            shift = Int64("kmgtpe".distance(from: "kmgtpe".startIndex, to: index) + 1) * 10
            digits = digits.dropLast()
        }
        guard !digits.isEmpty else { throw failure }
        let value: UInt64?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            value = UInt64(digits.dropFirst(2), radix: 16)
        } else if digits.count > 1 && digits.hasPrefix("0") {
            value = UInt64(digits.dropFirst(), radix: 8)
        } else {
            value = digits.allSatisfy(\.isASCII) ? UInt64(digits) : nil
        }
        guard let value, shift < 63, value <= UInt64(Int64.max) >> UInt64(shift) else { throw failure }
        return ByteSize(bytes: Int64(value) << shift)
    }
}
