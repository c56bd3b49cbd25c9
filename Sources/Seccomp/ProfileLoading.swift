import Foundation

extension SeccompProfile {
    /// Reads a Docker-format seccomp profile. Errors name the file and, where JSON decoding can tell, the
    /// field (`syscalls[3].action`).
    public static func load(contentsOf path: String) throws(SeccompError) -> SeccompProfile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(file: path, reason: Self.readFailureReason(path: path, error: error))
        }
        return try decode(data, source: path)
    }

    /// Decodes a Docker-format seccomp profile from JSON bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(SeccompError) -> SeccompProfile {
        try decodeJSON(SeccompProfile.self, from: data, source: source)
    }

    private static func readFailureReason(path: String, error: any Error) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "is a directory" }
        return "\(error.localizedDescription)".lowercased()
    }
}

extension LinuxSeccomp {
    /// Decodes an OCI runtime-spec `linux.seccomp` object; `source` names the bytes in errors.
    public static func decode(_ data: Data, source: String) throws(SeccompError) -> LinuxSeccomp {
        try decodeJSON(LinuxSeccomp.self, from: data, source: source)
    }
}

/// Decodes JSON and turns Foundation's decoding errors into one naming the file and the field path.
func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, source: String) throws(SeccompError) -> T {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        throw SeccompError(decoding: error, source: source)
    } catch {
        throw .malformed(file: source, field: nil, reason: "\(error)")
    }
}

extension SeccompError {
    init(decoding error: DecodingError, source: String) {
        switch error {
        case .typeMismatch(let type, let context):
            self = .malformed(file: source, field: fieldPath(context.codingPath), reason: "expected \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            self = .malformed(file: source, field: fieldPath(context.codingPath), reason: "expected \(jsonTypeName(type)), found null")
        case .keyNotFound(let key, let context):
            self = .malformed(file: source, field: fieldPath(context.codingPath + [key]), reason: "required field is missing")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                var reason = "not valid json"
                if let underlying = context.underlyingError {
                    reason += " (\(underlyingDescription(underlying)))"
                }
                self = .malformed(file: source, field: nil, reason: reason)
            } else {
                self = .malformed(file: source, field: fieldPath(context.codingPath), reason: context.debugDescription)
            }
        @unknown default:
            self = .malformed(file: source, field: nil, reason: "\(error)")
        }
    }
}

/// `syscalls[3].args[0].op` from a coding path.
func fieldPath(_ path: [any CodingKey]) -> String? {
    guard !path.isEmpty else { return nil }
    var text = ""
    for key in path {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : "." + key.stringValue
        }
    }
    return text
}

private func jsonTypeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is UInt32.Type, is UInt64.Type, is Int.Type: return "a non-negative integer"
    case is Bool.Type: return "a boolean"
    default:
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "an object"
    }
}

private func underlyingDescription(_ error: any Error) -> String {
    let nsError = error as NSError
    if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail.lowercased() }
    return "\(error)".lowercased()
}
