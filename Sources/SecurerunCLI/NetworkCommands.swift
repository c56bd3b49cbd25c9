import ArgumentParser
import Foundation
import Orchestration
import Policy
import Runtime

/// `securerun network …`: networks containers share.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Create, list, inspect and remove networks that containers share.",
        discussion: """
            Containers on the same securerun network reach each other, by container name and by address; \
            each keeps its own bandwidth caps and egress rules, and nothing else is reachable beyond what \
            its profile's egress allow-list names. Containers join with run --network NAME where the \
            profile's network.allowedNetworks lists NAME (or *).
            """,
        subcommands: [NetworkCreateCommand.self, NetworkListCommand.self, NetworkInspectCommand.self, NetworkRemoveCommand.self]
    )
}

/// `securerun network create NAME`.
struct NetworkCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a network (a bridge on the host) containers can join with run --network NAME.")

    @Argument(help: "The network's name: letters, digits, '_', '.' and '-'.")
    var name: String

    @Flag(help: "Reach nothing outside the network: no route out, no egress allow-list, not even the host.")
    var `internal` = false

    @Option(help: "The network's IPv4 subnet (CIDR, /16 to /29); by default the first free /24 of 10.214.0.0/16.")
    var subnet: String?

    func run() async throws {
        try await reportingErrors {
            var requested: IPv4Network?
            if let subnet {
                guard let parsed = IPv4Network(parsing: subnet) else {
                    throw ValidationError("--subnet \"\(subnet)\" is not an IPv4 network such as 10.214.7.0/24 (host bits clear)")
                }
                requested = parsed
            }
            let root = try securedStateRoot()
            let network = try SharedNetworks(stateRoot: root).create(name, internal: `internal`, subnet: requested)
            print(network.name)
        }
    }
}

/// `securerun network ls`.
struct NetworkListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks.", aliases: ["list"])

    @Flag(help: "Print the networks as a JSON array.")
    var json = false

    func run() async throws {
        try await reportingErrors(code: 1) {
            let networks = SharedNetworks(stateRoot: stateRoot())
            let rows = networks.list().map { NetworkRow($0, networks: networks) }
            if json {
                print(try jsonString(rows))
                return
            }
            printTable(
                [["NAME", "SUBNET", "INTERNAL", "BRIDGE", "CONTAINERS"]]
                    + rows.map { [$0.name, $0.subnet, $0.internal ? "yes" : "no", $0.bridge, "\($0.containers.count)"] })
        }
    }
}

/// `securerun network inspect NAME…`.
struct NetworkInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show networks and the addresses of their containers, as JSON.")

    @Argument(help: "Network names.")
    var names: [String]

    func run() async throws {
        try await reportingErrors {
            let networks = SharedNetworks(stateRoot: stateRoot())
            var rows: [NetworkRow] = []
            for name in names {
                guard let network = networks.read(name) else {
                    throw RuntimeError.invalidNetwork(name: name, reason: "no such network (securerun network ls lists them)")
                }
                rows.append(NetworkRow(network, networks: networks))
            }
            print(try jsonString(rows))
        }
    }
}

/// `securerun network rm NAME…`.
struct NetworkRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove networks (refused while a container is on one).", aliases: ["remove"])

    @Argument(help: "Network names.")
    var names: [String]

    func run() async throws {
        try await reportingErrors {
            let root = try securedStateRoot()
            // Containers that died without tearing down still hold an address: the sweep frees them first.
            for message in Sweep.run(stateRoot: root).messages { printError(message) }
            let networks = SharedNetworks(stateRoot: root)
            for name in names {
                try networks.remove(name)
                print(name)
            }
        }
    }
}

/// One network as `network ls` and `network inspect` show it.
struct NetworkRow: Encodable {
    struct Member: Encodable {
        var id: String
        var address: String
    }

    var name: String
    var subnet: String
    var gateway: String
    var `internal`: Bool
    var bridge: String
    var created: String
    var containers: [Member]

    init(_ network: SharedNetwork, networks: SharedNetworks) {
        name = network.name
        subnet = network.subnet.description
        gateway = IPv4Network.format(network.gateway)
        self.internal = network.internal
        bridge = networks.bridge(network.name)
        created = network.created
        containers = networks.members(network.name).map { Member(id: $0.names.id, address: $0.containerAddress) }
    }
}
