import Foundation
import Testing

/// Issue 17, a new user's problem: `securerun inspect` showed a private container's /30 but not its
/// address, so a user could not tell where to reach it from the host. The network section now carries
/// `containerAddress` and `hostAddress`, and they are the addresses the container really has.
@Suite("inspect shows a private container's address", .serialized)
struct InspectNetworkAddressTests {
    @Test("inspect's network.containerAddress is eth0's address inside the container, and hostAddress its route's gateway")
    func inspectShowsThePrivateContainersAddress() throws {
        guard let network = try NetworkFixture.available() else { return }
        let profile = try network.profile("inspect-address")
        let name = "inspect-address-\(UUID().uuidString.prefix(8).lowercased())"
        let script = "busybox ip -4 -o addr show eth0; busybox ip route show default; echo listed; exec sleep 60"
        let id = try network.detach(["--name", name], ["sh", "-c", script], profile: profile)
        defer {
            _ = try? network.cli.run(["rm", "-f", id])
            #expect(network.networkLeftovers().isEmpty, "\(network.networkLeftovers())")
        }
        // Polled until the container printed its addresses, for at most a minute.
        var logs = ""
        let deadline = Date().addingTimeInterval(60)
        while !logs.contains("listed"), Date() < deadline {
            logs = (try? network.cli.run(["logs", name]).stdout) ?? ""
            if !logs.contains("listed") { usleep(50_000) }
        }
        let inspect = try network.cli.run(["inspect", name])
        #expect(inspect.status == 0, "\(inspect)")
        let array = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [[String: Any]]
        let section = try #require(array?.first?["network"] as? [String: Any], "inspect shows no network: \(inspect)")
        let container = try #require(section["containerAddress"] as? String, "no containerAddress: \(inspect)")
        let host = try #require(section["hostAddress"] as? String, "no hostAddress: \(inspect)")
        #expect(logs.contains("inet \(container)/30"), "the container's eth0 is \(container): \(logs)")
        #expect(logs.contains("default via \(host) "), "the container's route goes through \(host): \(logs)")
    }
}
