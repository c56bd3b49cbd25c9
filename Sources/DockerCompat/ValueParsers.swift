import Capabilities
import Foundation
import Policy

/// Flag values parsed the way docker parses them (docker/cli `opts/`, moby's `runconfig`, docker/go-units).
enum ValueParsers {
    // MARK: - Numbers and sizes

    /// A duration as Go's `time.ParseDuration` reads it (`30s`, `1m30s`, `1.5h`, `500ms`, `0`), in nanoseconds.
    static func duration(_ text: String) throws(ValueError) -> Int64 {
        let failure = ValueError("expected a duration such as 30s, 1m30s or 500ms (units ns, us, ms, s, m, h)")
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" {
            negative = rest.first == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { throw failure }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number.hasPrefix(".") ? "0" + number : String(number)) else { throw failure }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { throw failure }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total < 9.2e18 else { throw ValueError("duration is too long") }
        return negative ? -Int64(total) : Int64(total)
    }

    static func integer(_ text: String) throws(ValueError) -> Int64 {
        guard let value = GoSyntax.parseInt(text) else { throw ValueError("expected a whole number (docker reads 0x10, 0o17 and 017 too)") }
        return value
    }

    static func size(_ text: String) throws(ValueError) -> ByteSize {
        guard let size = ByteSize(parsing: text) else {
            throw ValueError("expected a size such as 512m, 1.5g or 64MiB (docker's units: b, k, m, g, t, p, powers of 1024, optionally followed by b or ib)")
        }
        return size
    }

    /// `--cpus`: a decimal (`1.5`, `.5`, `1e-1`) or a fraction (`3/2`) with at most nine decimal places,
    /// as docker's `big.Rat` reading allows; returned in billionths of a CPU.
    static func nanoCPUs(_ text: String) throws(ValueError) -> Int64 {
        let failure = ValueError("expected a number of CPUs such as 0.5, 1.5 or 3/2")
        if let slash = text.firstIndex(of: "/") {
            guard let numerator = Int64(text[..<slash]), let denominator = Int64(text[text.index(after: slash)...]), denominator > 0 else { throw failure }
            let (scaled, overflow) = numerator.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else { throw failure }
            guard scaled % denominator == 0 else { throw ValueError("value is too precise (at most nine decimal places)") }
            return try nonNegative(scaled / denominator)
        }
        var chars = Array(text.utf8)
        var negative = false
        if let first = chars.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            chars.removeFirst()
        }
        var digits: [UInt8] = []
        var fraction = 0
        var seenPoint = false
        var index = 0
        while index < chars.count, chars[index] | 0x20 != UInt8(ascii: "e") {
            let char = chars[index]
            if char == UInt8(ascii: ".") {
                guard !seenPoint else { throw failure }
                seenPoint = true
            } else if (48...57).contains(char) {
                digits.append(char - 48)
                if seenPoint { fraction += 1 }
            } else {
                throw failure
            }
            index += 1
        }
        guard !digits.isEmpty else { throw failure }
        var exponent = 0
        if index < chars.count {
            guard let value = Int(String(decoding: chars[(index + 1)...], as: UTF8.self)), abs(value) < 100 else { throw failure }
            exponent = value
        }
        // value = digits × 10^(exponent − fraction); nano = value × 10^9.
        var shift = exponent - fraction + 9
        while shift < 0, let last = digits.last, last == 0 {
            digits.removeLast()
            shift += 1
        }
        if shift < 0 { throw ValueError("value is too precise (at most nine decimal places)") }
        var nano: Int64 = 0
        for digit in digits + Array(repeating: 0, count: shift) {
            let (times, overflowTimes) = nano.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(Int64(digit))
            guard !overflowTimes, !overflowSum else { throw failure }
            nano = sum
        }
        return try nonNegative(negative ? -nano : nano)
    }

    static func nonNegative(_ value: Int64) throws(ValueError) -> Int64 {
        guard value >= 0 else { throw ValueError("the number of CPUs cannot be negative") }
        return value
    }

    static func boolean(_ text: String?) throws(ValueError) -> Bool {
        guard let text else { return true }
        guard let value = GoSyntax.parseBool(text) else { throw ValueError("expected true or false (or 1, 0, t, f)") }
        return value
    }

    static func cpuSet(_ text: String) throws(ValueError) -> CPUSet {
        guard let set = CPUListParser.parse(text) else { throw ValueError("expected CPU numbers and ranges such as 0-3,5") }
        return set
    }

    // MARK: - Identity

    static func user(_ text: String) throws(ValueError) -> UserSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
            throw ValueError("expected user[:group], each a name or a number")
        }
        for part in parts where part.contains(where: { $0.isWhitespace || $0 == "\0" }) {
            throw ValueError("\"\(part)\" contains spaces or control characters")
        }
        return UserSpec(user: parts[0], group: parts.count == 2 ? parts[1] : nil)
    }

    /// `-e KEY[=VALUE]`: a bare KEY takes the caller's value, and is left out when the caller has none.
    static func environment(_ text: String, lookup: [String: String]) throws(ValueError) -> String? {
        let key = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !key.isEmpty else { throw ValueError("invalid environment variable: the name before '=' is empty") }
        if text.contains("=") { return text }
        return lookup[text].map { "\(text)=\($0)" }
    }

    /// `-l KEY[=VALUE]`: a key without whitespace.
    static func label(_ text: String) throws(ValueError) -> Label {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = String(parts[0])
        guard !key.trimmingCharacters(in: CharacterSet(charactersIn: " \t")).isEmpty else { throw ValueError("the label's name is empty") }
        guard !key.contains(where: { $0 == " " || $0 == "\t" }) else { throw ValueError("the label name '\(key)' contains whitespace") }
        return Label(key: key, value: parts.count == 2 ? String(parts[1]) : "")
    }

    static func capability(_ text: String) throws(ValueError) -> CapabilityName {
        if text.uppercased() == "ALL" { return .all }
        do {
            return .capability(try Capability(parsing: text))
        } catch {
            throw ValueError(error.description)
        }
    }

    // MARK: - Lifecycle

    static let signalNumbers: [String: Int32] = {
        var table: [String: Int32] = [
            "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11,
            "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21,
            "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
            "RTMIN": 34, "RTMAX": 64,
        ]
        for offset in 1...15 {
            table["RTMIN+\(offset)"] = 34 + Int32(offset)
            table["RTMAX-\(offset)"] = 64 - Int32(offset)
        }
        return table
    }()

    /// `--stop-signal`: a number from 1 to 64, or a name with or without `SIG`, in any case (moby's ParseSignal).
    static func signal(_ text: String) throws(ValueError) -> StopSignal {
        if let number = Int32(text) {
            guard (1...64).contains(number) else { throw ValueError("invalid signal: \(text) (signals are 1 to 64)") }
            return StopSignal(number: number, name: text)
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        guard let number = signalNumbers[name] else { throw ValueError("invalid signal: \(text) (use a name such as SIGTERM, QUIT or a number)") }
        return StopSignal(number: number, name: text)
    }

    /// `--restart no|always|unless-stopped|on-failure[:N]`.
    static func restart(_ text: String) throws(ValueError) -> RestartPolicy {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var retries: Int?
        if parts.count == 2 {
            guard !parts[0].isEmpty else { throw ValueError("invalid restart policy format: no policy provided before colon") }
            guard let count = Int(parts[1]) else { throw ValueError("invalid restart policy format: maximum retry count must be an integer") }
            retries = count
        }
        switch parts[0] {
        case "", "no":
            guard retries == nil else { throw ValueError("maximum retry count cannot be used with restart policy 'no'") }
            return .no
        case "always":
            guard retries == nil else { throw ValueError("maximum retry count cannot be used with restart policy 'always'") }
            return .always
        case "unless-stopped":
            guard retries == nil else { throw ValueError("maximum retry count cannot be used with restart policy 'unless-stopped'") }
            return .unlessStopped
        case "on-failure":
            if let retries, retries < 0 { throw ValueError("maximum retry count cannot be negative") }
            return .onFailure(maxRetries: retries)
        default:
            throw ValueError("invalid restart policy '\(parts[0])' (no, always, unless-stopped, on-failure[:N])")
        }
    }

    static func pull(_ text: String) throws(ValueError) -> PullPolicy {
        guard let policy = PullPolicy(rawValue: text) else {
            throw ValueError("invalid pull option: '\(text)': must be one of \"always\", \"missing\" or \"never\"")
        }
        return policy
    }

    // MARK: - Resources

    /// `--ulimit NAME=SOFT[:HARD]` (docker/go-units ParseUlimit; -1 is unlimited).
    static func ulimit(_ text: String) throws(ValueError) -> Ulimit {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw ValueError("invalid ulimit argument: expected NAME=SOFT[:HARD], such as nofile=1024:2048") }
        guard let name = UlimitName(rawValue: parts[0]) else {
            throw ValueError("invalid ulimit type: \(parts[0]) (known: \(UlimitName.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        switch Ulimit.parse(name: name, value: parts[1]) {
        case .success(let limit): return limit
        case .failure(let problem): throw ValueError(problem.description)
        }
    }

    /// `--sysctl KEY=VALUE`.
    static func sysctl(_ text: String) throws(ValueError) -> Sysctl {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw ValueError("expected KEY=VALUE, such as net.ipv4.ip_unprivileged_port_start=80")
        }
        guard !parts[1].contains(where: { $0 == "\n" || $0 == "\0" }) else { throw ValueError("the value contains a newline or NUL") }
        return Sysctl(key: parts[0], value: parts[1])
    }

    // MARK: - Namespaces and devices

    static func namespace(_ kind: NamespaceKind, _ text: String) throws(ValueError) -> NamespaceMode {
        let allowed: [NamespaceKind: String] = [
            .pid: "host or container:NAME", .ipc: "none, private, shareable, host or container:NAME", .uts: "host", .userns: "host",
            .cgroupns: "host or private",
        ]
        let failure = ValueError("invalid \(kind.rawValue) mode \"\(text)\" (docker knows \(allowed[kind] ?? ""))")
        if text.hasPrefix("container:") {
            let name = String(text.dropFirst("container:".count))
            guard kind == .pid || kind == .ipc, !name.isEmpty else { throw failure }
            return .container(name)
        }
        switch (kind, text) {
        case (_, "host"): return .host
        case (.ipc, "none"): return .none
        case (.ipc, "private"), (.cgroupns, "private"): return .own
        case (.ipc, "shareable"): return .shareable
        default: throw failure
        }
    }

    /// `--device HOST[:CONTAINER[:PERMISSIONS]]`, or a CDI name (`vendor.com/class=name`).
    static func device(_ text: String) throws(ValueError) -> DeviceRequest {
        if !text.hasPrefix("/"), text.contains("="), text.contains("/") { return .cdi(text) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), parts[0].hasPrefix("/") else { throw ValueError("expected HOST-DEVICE[:CONTAINER-PATH[:rwm]]") }
        var container = parts[0]
        var permissions = "rwm"
        if parts.count >= 2 {
            if parts.count == 2, !parts[1].hasPrefix("/") {
                permissions = parts[1]
            } else {
                container = parts[1]
            }
        }
        if parts.count == 3 { permissions = parts[2] }
        guard !permissions.isEmpty, permissions.allSatisfy({ "rwm".contains($0) }) else { throw ValueError("invalid device mode: \(permissions)") }
        return .device(host: parts[0], container: container, permissions: permissions)
    }

    /// `--device-cgroup-rule 'c 42:* rmw'`.
    static func cgroupRule(_ text: String) throws(ValueError) -> DeviceRequest {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        func number(_ part: Substring) -> Bool { part == "*" || (!part.isEmpty && part.allSatisfy(\.isNumber)) }
        let numbers = fields.count == 3 ? fields[1].split(separator: ":", omittingEmptySubsequences: false) : []
        guard fields.count == 3, ["a", "b", "c"].contains(fields[0]), numbers.count == 2, numbers.allSatisfy(number), (1...3).contains(fields[2].count),
            fields[2].allSatisfy({ "rwm".contains($0) })
        else { throw ValueError("invalid device cgroup format '\(text)'") }
        return .cgroupRule(text)
    }

    // MARK: - Security options

    /// `--security-opt KEY=VALUE` (or `KEY:VALUE`), as docker's parseSecurityOpts reads it.
    static func securityOption(_ text: String) throws(ValueError) -> SecurityOption {
        if text == "no-new-privileges" { return .noNewPrivileges(true) }
        guard let separator = text.firstIndex(of: "=") ?? text.firstIndex(of: ":") else {
            throw ValueError("invalid --security-opt: expected KEY=VALUE (no-new-privileges, seccomp=FILE, …)")
        }
        let key = String(text[..<separator])
        let value = String(text[text.index(after: separator)...])
        switch key {
        case "no-new-privileges":
            guard let on = GoSyntax.parseBool(value) else { throw ValueError("no-new-privileges takes true or false") }
            return .noNewPrivileges(on)
        case "seccomp":
            switch value {
            case "": throw ValueError("seccomp needs a value: a profile file, builtin or unconfined")
            case "unconfined": return .seccompUnconfined
            case "builtin", "default": return .seccompBuiltin
            default: return .seccompFile(value)
            }
        case "systempaths":
            guard value == "unconfined" else { throw ValueError("systempaths takes only unconfined") }
            return .systemPathsUnconfined
        case "apparmor":
            guard !value.isEmpty else { throw ValueError("apparmor needs a profile name") }
            return .apparmor(value)
        case "label":
            if value == "disable" { return .labelDisable }
            guard ["user:", "role:", "type:", "level:", "filetype:", "nested"].contains(where: value.hasPrefix) else {
                throw ValueError("label takes disable, user:…, role:…, type:… or level:…")
            }
            return .label(value)
        case "writable-cgroups":
            guard let on = GoSyntax.parseBool(value) else { throw ValueError("writable-cgroups takes true or false") }
            return .writableCgroups(on)
        case "credentialspec":
            throw ValueError("credentialspec is for Windows containers")
        default:
            throw ValueError("unknown security option \"\(key)\" (known: no-new-privileges, seccomp, apparmor, label, systempaths)")
        }
    }
}
