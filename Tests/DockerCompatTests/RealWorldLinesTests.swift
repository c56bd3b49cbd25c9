import Capabilities
import DockerCompat
import Foundation
import Testing

@testable import Policy

/// `docker run` lines as people type them, from docker's documentation, image READMEs, security guides and
/// tutorials, each parsed with docker's grammar and enforced under the shipped `default` profile: accepted
/// with the spec they get, or refused by the right rule naming the flag as typed.
@Suite("real docker run lines under the default profile")
struct RealWorldLinesTests {
    enum Outcome: Sendable {
        /// Accepted; the closure checks the spec (and request) it produced.
        case accepted(@Sendable (HardenedSpec, RunRequest) -> Bool)
        /// Refused by `rule`, naming `flag` as typed.
        case refused(PolicyViolation.Rule, String)
        /// Malformed for this host or request, naming `flag` as typed.
        case invalid(String)
    }

    struct Line: Sendable, CustomTestStringConvertible {
        var source: String
        var line: String
        var outcome: Outcome
        var testDescription: String { line }
    }

    static func accepted(_ check: @escaping @Sendable (HardenedSpec, RunRequest) -> Bool = { _, _ in true }) -> Outcome { .accepted(check) }

    // Sources, abbreviated in the comments:
    //   CR  docker/cli docs/reference/commandline/container_run.md (docs.docker.com/reference/cli/docker/container/run/)
    //   RUN docker/cli docs/reference/run.md (the "Docker run reference" page)
    //   CIS CIS Docker Benchmark 5.12/5.13 as published by Tenable (tenable.com/audits/items/CIS_Docker_…)
    //   OWASP cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html
    //   LWI learnwithirfan.com/blog/docker/docker-resource-management/
    //   KC  karchunt.com/docs/docker/resource-limits
    //   PG  the postgres image README (docker-library/docs postgres), as copied into project READMEs
    //   WN  whoisnexus.com/44/articles/docker-security-guide.php
    static let lines: [Line] = [
        // CR "Assign name"
        Line(source: "CR", line: "docker run --name test -d nginx:alpine", outcome: accepted { _, r in r.runsDetached && r.containerName == "test" }),
        Line(source: "CR", line: "docker run --name test --net mynet -d nginx:alpine", outcome: .refused(.network, "--net mynet")),
        Line(source: "CR", line: "docker run --net mynet busybox:latest ping test", outcome: .refused(.network, "--net mynet")),
        Line(
            source: "CR", line: "docker run --cidfile /tmp/docker_test.cid ubuntu echo \"test\"",
            outcome: .refused(.notSupported, "--cidfile /tmp/docker_test.cid")),
        Line(source: "CR", line: "docker run --rm -it --pid=host alpine", outcome: .refused(.hostNamespaces, "--pid=host")),
        Line(source: "CR", line: "docker run --rm --name my-nginx -d nginx:alpine", outcome: accepted { _, r in r.removesOnExit && r.runsDetached }),
        Line(
            source: "CR",
            line: "docker run --rm -it --pid=container:my-nginx \\\n  --cap-add SYS_PTRACE \\\n  --security-opt seccomp=unconfined \\\n  alpine",
            outcome: .refused(.hostNamespaces, "--pid=container:my-nginx")),
        Line(source: "CR", line: "docker run --userns=host hello-world", outcome: .refused(.hostNamespaces, "--userns=host")),
        Line(
            source: "CR", line: "docker run -t -i --rm ubuntu bash",
            outcome: accepted { s, r in r.allocatesTerminal && r.keepsStdinOpen && s.args == ["bash"] && s.user.uid == 65534 }),
        Line(source: "CR", line: "docker run -t -i --privileged ubuntu bash", outcome: .refused(.privileged, "--privileged")),
        Line(source: "CR", line: "docker run -w /path/to/dir/ ubuntu pwd", outcome: accepted { s, _ in s.cwd == "/path/to/dir/" && s.args == ["pwd"] }),
        Line(source: "CR", line: "docker run -it --storage-opt size=120G fedora /bin/bash", outcome: .refused(.notSupported, "--storage-opt size=120G")),
        Line(
            source: "CR", line: "docker run -d --tmpfs /run:rw,noexec,nosuid,size=65536k my_image",
            outcome: accepted { s, _ in s.tmpfs.contains(TmpfsMount(path: "/run", size: ByteSize(bytes: 64 << 20))) }),
        Line(source: "CR", line: "docker  run  -v /work/app:/work/app -w /work/app -i -t  ubuntu pwd", outcome: .refused(.volumes, "-v /work/app:/work/app")),
        Line(source: "CR", line: "docker  run  -v ./content:/content -w /content -i -t  ubuntu pwd", outcome: .refused(.volumes, "-v ./content:/content")),
        Line(source: "CR", line: "docker run -v /doesnt/exist:/foo -w /foo -i -t ubuntu bash", outcome: .refused(.volumes, "-v /doesnt/exist:/foo")),
        Line(source: "CR", line: "docker run --read-only -v /icanwrite busybox touch /icanwrite/here", outcome: .refused(.volumes, "-v /icanwrite")),
        Line(
            source: "CR", line: "docker run -t -i -v /var/run/docker.sock:/var/run/docker.sock -v /path/to/static-docker-binary:/usr/bin/docker busybox sh",
            outcome: .refused(.volumes, "-v /var/run/docker.sock:/var/run/docker.sock")),
        Line(
            source: "CR", line: "docker run --read-only --mount type=volume,target=/icanwrite busybox touch /icanwrite/here",
            outcome: .refused(.volumes, "--mount type=volume,target=/icanwrite")),
        Line(
            source: "CR", line: "docker run -t -i --mount type=bind,src=/data,dst=/data busybox sh",
            outcome: .refused(.volumes, "--mount type=bind,src=/data,dst=/data")),
        Line(source: "CR", line: "docker run -p 127.0.0.1:80:8080/tcp nginx:alpine", outcome: .refused(.publish, "-p 127.0.0.1:80:8080/tcp")),
        Line(source: "CR", line: "docker run --expose 80 nginx:alpine", outcome: .refused(.network, "--expose 80")),
        Line(source: "CR", line: "docker run -P nginx:alpine", outcome: .refused(.network, "-P")),
        Line(source: "CR", line: "docker run --pull=never hello-world", outcome: accepted { _, r in r.pull?.value == .never }),
        Line(
            source: "CR", line: "docker run -e MYVAR1 --env MYVAR2=foo --env-file ./env.list ubuntu bash",
            outcome: accepted { s, _ in s.env.suffix(5) == ["VAR1=value1", "VAR2=value2", "USER=jonzeolla", "MYVAR1=from-shell", "MYVAR2=foo"] }),
        Line(
            source: "CR", line: "docker run --env VAR1=value1 --env VAR2=value2 ubuntu env | grep VAR",
            outcome: accepted { s, _ in s.env.contains("VAR1=value1") && s.env.contains("VAR2=value2") && s.args.prefix(2) == ["env", "|"] }),
        Line(
            source: "CR", line: "docker run --env-file env.list ubuntu env | grep -E 'VAR|USER'",
            outcome: accepted { s, _ in s.env.contains("USER=jonzeolla") && !s.env.contains { $0.hasPrefix("#") } }),
        Line(
            source: "CR", line: "docker run -l my-label --label com.example.foo=bar ubuntu bash",
            outcome: accepted { _, r in r.labels.map(\.value) == [Label(key: "my-label", value: ""), Label(key: "com.example.foo", value: "bar")] }),
        Line(
            source: "CR", line: "docker run --label-file ./labels ubuntu bash",
            outcome: accepted { _, r in r.labels.map(\.value.key) == ["com.example.label1", "com.example.label2"] }),
        Line(source: "CR", line: "docker run -itd --network=my-net busybox", outcome: .refused(.network, "--network=my-net")),
        Line(source: "CR", line: "docker run -itd --network=my-net --ip=192.0.2.69 busybox", outcome: .refused(.network, "--network=my-net")),
        Line(
            source: "CR", line: "docker run -itd --network=name=my-net1,ip=192.0.2.42 --network=name=my-net2,ip=192.0.3.42 busybox",
            outcome: .refused(.network, "--network=name=my-net1,ip=192.0.2.42")),
        Line(
            source: "CR", line: "docker run --volumes-from 777f7dc92da7 --volumes-from ba8c0c54f0f2:ro -i -t ubuntu pwd",
            outcome: .refused(.volumesFrom, "--volumes-from 777f7dc92da7")),
        Line(source: "CR", line: "docker run -d -p 80:80 my_image nginx -g 'daemon off;'", outcome: .refused(.publish, "-p 80:80")),
        Line(
            source: "CR", line: "docker run -it --rm \\\n    --device=/dev/sdc:/dev/xvdc \\\n    --device=/dev/sdd \\\n    ubuntu ls -l /dev/xvdc",
            outcome: .refused(.hostDevices, "--device=/dev/sdc:/dev/xvdc")),
        Line(
            source: "CR", line: "docker run --device=/dev/sda:/dev/xvdc:r --rm -it ubuntu fdisk  /dev/xvdc",
            outcome: .refused(.hostDevices, "--device=/dev/sda:/dev/xvdc:r")),
        Line(
            source: "CR", line: "docker run --device=vendor.com/class=device-name --rm -it ubuntu",
            outcome: .refused(.hostDevices, "--device=vendor.com/class=device-name")),
        Line(source: "CR", line: "docker run -a stdin -a stdout -i -t ubuntu /bin/bash", outcome: .refused(.notSupported, "-a stdin")),
        Line(source: "CR", line: "docker run -a stderr ubuntu echo test", outcome: .refused(.notSupported, "-a stderr")),
        Line(source: "CR", line: "docker run --rm -i busybox cat", outcome: accepted { s, r in r.keepsStdinOpen && s.args == ["cat"] }),
        Line(source: "CR", line: "docker run -it debian", outcome: accepted { s, _ in s.args == ["/bin/sh"] }),
        Line(source: "CR", line: "docker run -i debian passwd root", outcome: accepted { s, _ in s.args == ["passwd", "root"] && s.user.uid != 0 }),
        Line(
            source: "CR", line: "docker run -d --device-cgroup-rule='c 42:* rmw' --name my-container my-image",
            outcome: .refused(.hostDevices, "--device-cgroup-rule=c 42:* rmw")),
        Line(source: "CR", line: "docker run -it --rm --gpus all ubuntu nvidia-smi", outcome: .refused(.hostDevices, "--gpus all")),
        // The default profile allows on-failure and unless-stopped, not always.
        Line(source: "CR", line: "docker run --restart=always redis", outcome: .refused(.restartPolicy, "--restart=always")),
        Line(
            source: "CR", line: "docker run --restart=on-failure:10 redis",
            outcome: accepted { _, request in request.restart?.value == .onFailure(maxRetries: 10) }),
        Line(source: "CR", line: "docker run --add-host=my-hostname=8.8.8.8 --rm -it alpine", outcome: .refused(.network, "--add-host=my-hostname=8.8.8.8")),
        Line(source: "CR", line: "docker run --log-driver=none -d nginx:alpine", outcome: .refused(.notSupported, "--log-driver=none")),
        Line(
            source: "CR", line: "docker run --ulimit nofile=1024:1024 --rm debian sh -c \"ulimit -n\"",
            outcome: accepted { s, _ in s.rlimits.contains(Ulimit(name: .nofile, soft: 1024, hard: 1024)) && s.args == ["sh", "-c", "ulimit -n"] }),
        Line(
            source: "CR", line: "docker run -d -u daemon --ulimit nproc=3 busybox top",
            outcome: accepted { s, _ in s.user == UserID(uid: 1, gid: 1) && s.rlimits.first { $0.name == .nproc }?.hard == 3 }),
        Line(
            source: "CR", line: "docker run --security-opt label=level:s0:c100,c200 -it fedora bash",
            outcome: .refused(.notSupported, "--security-opt label=level:s0:c100,c200")),
        Line(
            source: "CR", line: "docker run --security-opt label=disable -it ubuntu bash", outcome: .refused(.securityOptions, "--security-opt label=disable")),
        Line(source: "CR", line: "docker run --security-opt no-new-privileges -it ubuntu bash", outcome: accepted { s, _ in s.noNewPrivileges }),
        Line(source: "CR", line: "docker run -d --isolation default busybox top", outcome: accepted { _, r in r.unsupported.isEmpty }),
        Line(source: "CR", line: "docker run --sysctl net.ipv4.ip_forward=1 someimage", outcome: .refused(.sysctls, "--sysctl net.ipv4.ip_forward=1")),
        // RUN
        Line(source: "RUN", line: "docker run -it -m 100M --oom-kill-disable ubuntu:22.04 /bin/bash", outcome: .refused(.oomProtection, "--oom-kill-disable")),
        Line(source: "RUN", line: "docker run -it -m 500M --kernel-memory 50M ubuntu:22.04 /bin/bash", outcome: .refused(.notSupported, "--kernel-memory 50M")),
        Line(source: "RUN", line: "docker run -it --memory-swappiness=0 ubuntu:22.04 /bin/bash", outcome: accepted { s, _ in s.memorySwappiness == 0 }),
        Line(
            source: "RUN", line: "docker run -it --cpu-period=50000 --cpu-quota=25000 ubuntu:22.04 /bin/bash",
            outcome: accepted { s, _ in s.cpuPeriod == 50_000 && s.cpuQuota == 25_000 }),
        Line(
            source: "RUN", line: "docker run -it --cpuset-cpus=\"1,3\" ubuntu:22.04 /bin/bash", outcome: accepted { s, _ in s.cpusetCPUs?.description == "1,3" }
        ),
        Line(
            source: "RUN", line: "docker run -it --cpuset-cpus=\"0-2\" ubuntu:22.04 /bin/bash",
            outcome: accepted { s, _ in s.cpusetCPUs?.members == [0, 1, 2] }),
        Line(source: "RUN", line: "docker run -it --cpuset-mems=\"1,3\" ubuntu:22.04 /bin/bash", outcome: .invalid("--cpuset-mems=1,3")),
        Line(source: "RUN", line: "docker run -it --name c1 --blkio-weight 300 ubuntu:22.04 /bin/bash", outcome: .refused(.notSupported, "--blkio-weight 300")),
        Line(source: "RUN", line: "docker run -it --device-read-bps /dev/sda:1mb ubuntu", outcome: .refused(.notSupported, "--device-read-bps /dev/sda:1mb")),
        Line(
            source: "RUN", line: "docker run --rm --group-add audio --group-add nogroup --group-add 777 busybox id",
            outcome: accepted { s, _ in s.additionalGids == [29, 65534, 777] }),
        Line(
            source: "RUN", line: "docker run -it --rm  --cap-add=NET_ADMIN ubuntu:22.04 ip link add dummy0 type dummy",
            outcome: .refused(.capabilities, "--cap-add=NET_ADMIN")),
        Line(source: "RUN", line: "docker run --rm -it --cap-add SYS_ADMIN --device /dev/fuse sshfs", outcome: .refused(.hostDevices, "--device /dev/fuse")),
        Line(
            source: "RUN", line: "docker run -it --entrypoint /bin/bash example/redis -c ls -l",
            outcome: accepted { s, _ in s.args == ["/bin/bash", "-c", "ls", "-l"] }),
        Line(source: "RUN", line: "docker run -it --entrypoint=\"\" mysql bash", outcome: accepted { s, _ in s.args == ["bash"] }),
        // CIS
        Line(
            source: "CIS", line: "docker run --interactive --tty --read-only --tmpfs \"/run\" --tmpfs \"/tmp\" centos /bin/bash",
            outcome: accepted { s, _ in s.tmpfs.map(\.path) == ["/tmp", "/run"] && s.tmpfs.allSatisfy { !$0.exec } && s.readOnlyRootfs }),
        // OWASP
        Line(source: "OWASP", line: "docker run -u 4000 alpine", outcome: accepted { s, _ in s.user == UserID(uid: 4000, gid: 4000) }),
        Line(source: "OWASP", line: "docker run --cap-drop all --cap-add CHOWN alpine", outcome: .refused(.capabilities, "--cap-add CHOWN")),
        Line(
            source: "OWASP", line: "docker run --read-only alpine sh -c 'echo \"whatever\" > /tmp'",
            outcome: accepted { s, _ in s.args == ["sh", "-c", "echo \"whatever\" > /tmp"] }),
        Line(source: "OWASP", line: "docker run --security-opt=no-new-privileges alpine", outcome: accepted()),
        // WN
        Line(
            source: "WN",
            line:
                "docker run \\\n--read-only \\\n--security-opt=no-new-privileges:true \\\n--cap-drop=ALL \\\n--cap-add=NET_BIND_SERVICE \\\n--user 1001:1001 \\\nmyapp:latest",
            outcome: .refused(.capabilities, "--cap-add=NET_BIND_SERVICE")),
        // LWI
        Line(source: "LWI", line: "docker run -d --memory 512m nginx", outcome: accepted { s, _ in s.memory.bytes == 512 << 20 }),
        Line(source: "LWI", line: "docker run -d --memory 1g nginx", outcome: .refused(.memory, "--memory 1g")),
        Line(source: "LWI", line: "docker run -d --memory 536870912 nginx", outcome: accepted { s, _ in s.memory.bytes == 536_870_912 }),
        Line(source: "LWI", line: "docker run -d --memory 512m --memory-swap 1g nginx", outcome: .refused(.memory, "--memory-swap 1g")),
        Line(source: "LWI", line: "docker run -d --memory 512m --memory-swap -1 nginx", outcome: .refused(.memory, "--memory-swap -1")),
        Line(
            source: "LWI", line: "docker run -d --memory 512m --memory-reservation 256m nginx",
            outcome: accepted { s, _ in s.memoryReservation?.bytes == 256 << 20 }),
        Line(source: "LWI", line: "docker run -d --cpus 1.5 nginx", outcome: .refused(.cpu, "--cpus 1.5")),
        Line(source: "LWI", line: "docker run -d --cpus 0.5 nginx", outcome: accepted { s, _ in s.cpuQuota == 50_000 && s.cpuPeriod == 100_000 }),
        Line(source: "LWI", line: "docker run -d --cpu-shares 2048 nginx", outcome: .refused(.cpu, "--cpu-shares 2048")),
        Line(source: "LWI", line: "docker run -d --cpu-shares 512 nginx", outcome: accepted { s, _ in s.cpuShares == 512 }),
        // KC
        Line(source: "KC", line: "docker run --cpuset-cpus=0-1 ubuntu", outcome: accepted { s, _ in s.cpusetCPUs?.members == [0, 1] }),
        Line(source: "KC", line: "docker run -m 512m ubuntu", outcome: accepted()),
        Line(source: "KC", line: "docker run --memory=512m --memory-swap=768m ubuntu", outcome: .refused(.memory, "--memory-swap=768m")),
        Line(source: "KC", line: "docker run --cpus=2.5 ubuntu", outcome: .refused(.cpu, "--cpus=2.5")),
        // PG
        Line(
            source: "PG", line: "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d postgres",
            outcome: accepted { s, _ in s.env.contains("POSTGRES_PASSWORD=mysecretpassword") }),
        Line(
            source: "PG", line: "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d postgres -p 6432:5432",
            outcome: accepted { s, r in r.ports.isEmpty && s.args == ["-p", "6432:5432"] }),
        Line(
            source: "PG", line: "docker run -it --rm --network some-network postgres psql -h some-postgres -U postgres",
            outcome: .refused(.network, "--network some-network")),
        Line(
            source: "PG",
            line: "docker run --name tek24-postgres -v ./TENANT_DATA:/var/lib/postgresql/data -e POSTGRES_PASSWORD=mysecretpassword -d postgres:latest",
            outcome: .refused(.volumes, "-v ./TENANT_DATA:/var/lib/postgresql/data")),
    ]

    static let profilesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("profiles")

    static let files = InMemoryFiles([
        "/work/app/env.list": "# This is a comment\nVAR1=value1\nVAR2=value2\nUSER\n",
        "/work/app/labels": "com.example.label1=\"a label\"\n\n# this is a comment\ncom.example.label2=another\\ label\ncom.example.label3\n",
    ])
    static let context = ParseContext(
        environment: ["USER": "jonzeolla", "MYVAR1": "from-shell"], workingDirectory: "/work/app", files: files)
    static let host = HostFacts(
        rlimits: [.nofile: (1024, 1_048_576), .nproc: (63_000, 63_000)], cpus: [0, 1, 2, 3], memoryNodes: [0], platform: "linux/amd64")
    /// Names the image's /etc/passwd and /etc/group would give (ContainerStart resolves them before enforcing).
    static let users = ["daemon": "1:1"]
    static let groups = ["audio": "29", "nogroup": "65534"]

    @Test("at least 60 lines, every one from a cited source")
    func enoughLines() {
        #expect(Self.lines.count >= 60)
        #expect(Self.lines.allSatisfy { ["CR", "RUN", "CIS", "OWASP", "LWI", "KC", "PG", "WN"].contains($0.source) })
    }

    @Test("each line gets the outcome docker's semantics and the profile give it", arguments: lines)
    func line(_ line: Line) throws {
        var words = ShellWords.split(line.line)
        // Only the docker run part: "echo hello | docker run …" and "… | grep" pipelines are cut at the shell's words.
        guard let start = words.firstIndex(of: "run"), words.first == "docker" else { throw TestFailure("not a docker run line: \(line.line)") }
        words = Array(words[(start + 1)...])
        let profile = try ProfileLoader.load(file: Self.profilesDirectory.appendingPathComponent("default.yaml"))
        var request = try DockerRunParser.parse(words, mode: .dockerRun, context: Self.context).request
        if let user = request.user, let numeric = Self.users[user.value.user] {
            let parts = numeric.split(separator: ":").map(String.init)
            request.user = Flagged(UserSpec(user: parts[0], group: parts[1]), user.origin)
        }
        request.groupAdd = request.groupAdd.map { Flagged(Self.groups[$0.value] ?? $0.value, $0.origin) }
        let outcome: Result<HardenedSpec, PolicyError>
        do {
            outcome = .success(
                try Policy.enforce(request, profile: profile, image: ImageDefaults(cmd: ["/bin/sh"]), hostSecrets: HostSecrets(patterns: []), host: Self.host))
        } catch {
            outcome = .failure(error)
        }
        switch (line.outcome, outcome) {
        case (.accepted(let check), .success(let spec)):
            let matches = check(spec, request)
            #expect(matches, "\(line.line): the spec is not what it should be: args \(spec.args), env \(spec.env)")
        case (.refused(let rule, let flag), .failure(.violation(let violation))):
            #expect(violation.rule == rule && violation.flag == flag, "\(line.line): \(violation)")
            #expect(violation.origin.map { words[$0.index ?? 0].contains($0.flag.trimmingCharacters(in: CharacterSet(charactersIn: "-"))) } == true, "position")
        case (.invalid(let flag), .failure(.invalidRequest(let typed, _, _))):
            #expect(typed == flag, "\(line.line): \(outcome)")
        default:
            Issue.record("\(line.line): expected \(line.outcome), got \(outcome)")
        }
    }

}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
