/// docker accepts `--read-only=false` and `--privileged=true`; swift-argument-parser flags take no value.
/// This rewrites those spellings for `securerun run` into the flags securerun defines, so a loosening
/// request written docker's way reaches the policy (and its SR003/SR009 refusal) instead of a parse error.
/// Only the options before the image are touched: the container's own arguments pass unchanged.
public enum BooleanFlagSpelling {
    /// Flags of `run` that take no value.
    static let flags: Set<String> = [
        "--read-only", "--no-read-only", "--privileged", "--rm", "--dry-run", "-i", "--interactive", "-t", "--tty", "-d", "--detach", "--init",
        "-it", "-ti", "-itd", "-idt", "-dit", "-dti", "-tid", "-tdi", "-id", "-di", "-td", "-dt", "-h", "--help",
    ]

    /// The arguments (without the program name) with docker's boolean spellings rewritten.
    public static func normalize(_ arguments: [String]) -> [String] {
        guard arguments.first == "run" else { return arguments }
        var result = ["run"]
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            // The first positional is the image; everything from there on belongs to the container.
            guard argument.hasPrefix("-"), argument != "--" else {
                result.append(contentsOf: arguments[index...])
                return result
            }
            if let equals = argument.firstIndex(of: "="), flags.contains(String(argument[..<equals])) {
                let name = String(argument[..<equals])
                let value = argument[argument.index(after: equals)...].lowercased()
                switch (name, value) {
                case (_, "true"), (_, "1"): result.append(name)
                case ("--read-only", "false"), ("--read-only", "0"): result.append("--no-read-only")
                case (_, "false"), (_, "0"): break
                default: result.append(argument)
                }
            } else {
                result.append(argument)
                // An option with a separate value: keep the value with it.
                if !flags.contains(argument), !argument.contains("="), index + 1 < arguments.count {
                    index += 1
                    result.append(arguments[index])
                }
            }
            index += 1
        }
        return result
    }
}
