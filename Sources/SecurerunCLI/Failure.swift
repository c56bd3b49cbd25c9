import ArgumentParser
import Foundation
import Orchestration
import Runtime

/// Where securerun keeps its state: `$SECURERUN_ROOT`, else /var/lib/securerun.
public func stateRoot() -> URL {
    if let root = ProcessInfo.processInfo.environment["SECURERUN_ROOT"], !root.isEmpty {
        return URL(fileURLWithPath: root, isDirectory: true)
    }
    return URL(fileURLWithPath: "/var/lib/securerun", isDirectory: true)
}

/// Exit codes securerun uses for its own outcomes, as docker run does.
public enum SecurerunExit {
    /// securerun itself refused or failed (docker's 125).
    public static let refused: Int32 = 125
}

/// Prints one line `securerun: <message>` to stderr.
package func printError(_ message: String) {
    FileHandle.standardError.write(Data("securerun: \(message)\n".utf8))
}

/// Runs `body`, turning any thrown error into one clear line on stderr and exit 125.
/// Errors' `description` is their user-facing message (each module's error type provides it).
package func reportingErrors<T>(code: Int32? = nil, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as CleanExit {
        throw error
    } catch {
        printError(String(describing: error))
        throw ExitCode(code ?? exitCode(for: error))
    }
}

/// docker's codes: 127 when the command is not in the image, 126 when it cannot be executed, else 125
/// for securerun's own refusals and failures.
func exitCode(for error: any Error) -> Int32 {
    ExitCodes.code(for: error)
}
