// What the Docker differential check (test/docker-diff, issue 23) found against a real dockerd,
// each confirmed in Docker 19.03's code and asserted here as the user sees it.
import { describe, expect, it } from 'vitest';
import { runText } from '../helpers.js';

const LOOP = 'busybox sh -c "while true; do sleep 3600; done"';

function run(steps: string): string {
  const { res, transcript } = runText(`name: t\nhosts:\n  - { name: h1, ip: 10.1.0.10/24 }\nsteps:\n${steps}`);
  expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
  return transcript;
}

describe('libnetwork behaviour found by the docker differential check', () => {
  it('docker network connect adds the new address to /etc/hosts; a disconnect from a user network drops the lines of the short-ID hostname', () => {
    run(`  - run: docker network create n1
  - run: docker run -d --name ca ${LOOP}
  - run: docker network connect n1 ca
  - run: docker exec ca cat /etc/hosts
    expect: { stdout: "/172\\\\.17\\\\.0\\\\.2\\t[0-9a-f]{12}\\n172\\\\.18\\\\.0\\\\.2\\t[0-9a-f]{12}\\n$/" }
  - run: docker network disconnect n1 ca
  - run: docker exec ca cat /etc/hosts
    expect: { stdout: "/ff02::2\\tip6-allrouters\\n$/" }
`);
  });

  it("a --network host container sees the host's own /etc/hosts", () => {
    run(`  - run: docker run -d --name ch --network host ${LOOP}
  - run: docker exec ch cat /etc/hosts
    expect: { stdout: "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\\n" }
`);
  });

  it('the default bridge network gets a new ID when the daemon restarts', () => {
    const t = run(`  - run: docker network inspect -f '{{.Id}}' bridge
  - run: systemctl restart docker
  - run: docker network inspect -f '{{.Id}}' bridge
`);
    const ids = t.match(/^[0-9a-f]{64}$/gm) ?? [];
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('enable_icc=false appends its DROP at the end of FORWARD (setIcc), the ACCEPT of icc=true is inserted at the top', () => {
    run(`  - run: docker network create -o com.docker.network.bridge.enable_icc=false quiet
  - run: iptables -S FORWARD
    expect: { stdout: "/-A FORWARD -i docker0 -o docker0 -j ACCEPT\\n-A FORWARD -i br-[0-9a-f]{12} -o br-[0-9a-f]{12} -j DROP\\n$/" }
`);
  });

  it('docker port lists the published bindings, or says which port is not published', () => {
    run(`  - run: docker run -d --name cw -p 8080:80 -p 127.0.0.1:8443:443 nginx
  - run: docker port cw
    expect: { stdout: "443/tcp -> 127.0.0.1:8443\\n80/tcp -> 0.0.0.0:8080\\n" }
  - run: docker port cw 80
    expect: { stdout: "0.0.0.0:8080\\n" }
  - run: docker port cw 81
    expect: { exit: 1, stdout: "Error: No public port '81/tcp' published for cw" }
`);
  });

  it('joining a network whose name sorts first moves the default route and the published ports to it', () => {
    run(`  - run: docker network create back
  - run: docker run -d --name cw -p 8080:80 ${LOOP}
  - run: docker network connect back cw
  - run: docker exec cw ip route
    expect: { stdout: "default via 172.18.0.1 dev eth1" }
  - run: iptables -t nat -S DOCKER
    expect: { stdout: "-j DNAT --to-destination 172.18.0.2:80" }
  - run: docker network disconnect back cw
  - run: docker exec cw ip route
    expect: { stdout: "default via 172.17.0.1 dev eth0" }
`);
  });

  it('a stopped container has no address; it gets one again when it starts', () => {
    run(`  - run: docker run -d --name ca ${LOOP}
  - run: docker stop -t 1 ca
  - run: docker inspect -f '{{.State.ExitCode}} [{{.NetworkSettings.IPAddress}}]' ca
    expect: { stdout: "137 []\\n" }
  - run: docker start ca
  - run: docker inspect -f '{{.State.ExitCode}} [{{.NetworkSettings.IPAddress}}]' ca
    expect: { stdout: "0 [172.17.0.2]\\n" }
`);
  });

  it('a start that finds its host port taken prints the ID, then the error, and leaves the container created with exit code 128', () => {
    run(`  - run: docker run -d --name w1 -p 8080:80 nginx
  - run: docker run -d --name w2 -p 8080:80 nginx
    expect: { exit: 125, stdout: "/^[0-9a-f]{64}\\ndocker: Error response from daemon: driver failed programming external connectivity on endpoint w2 \\\\([0-9a-f]{64}\\\\): Bind for 0.0.0.0:8080 failed: port is already allocated.\\n$/" }
  - run: docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' w2
    expect: { stdout: "created 128\\n" }
`);
  });

  it('a stop takes back every rule of a port published on all addresses (rules that start with `! -i`)', () => {
    const t = run(`  - run: docker run -d --name cu -p 8080:80/udp ${LOOP}
  - run: docker stop -t 1 cu
  - run: iptables -t nat -S DOCKER
    expect: { stdout: "-N DOCKER\\n-A DOCKER -i docker0 -j RETURN\\n" }
`);
    expect(t).not.toContain('--dport 8080 -j DNAT');
  });

  it('docker create leaves the container Created with no address and no hosts file; start joins its network', () => {
    run(`  - run: docker create --name cc ${LOOP}
    expect: { stdout: "/^Unable to find image 'busybox:latest' locally\\n(.*\\n)*[0-9a-f]{64}\\n$/" }
  - run: docker inspect -f '{{.State.Status}} [{{.NetworkSettings.IPAddress}}]' cc
    expect: { stdout: "created []\\n" }
  - run: docker start cc
  - run: docker inspect -f '{{.State.Status}} [{{.NetworkSettings.IPAddress}}]' cc
    expect: { stdout: "running [172.17.0.2]\\n" }
  - run: docker create --name cc ${LOOP}
    expect: { exit: 1, stdout: "/^Error response from daemon: Conflict\\\\. The container name \\"\\\\/cc\\" is already in use/" }
`);
  });

  it("--network container:X shares X's namespace and hostname; it cannot start while X is stopped, and a created one does not start with the daemon", () => {
    run(`  - run: docker run -d --name base --hostname hb ${LOOP}
  - run: docker run -d --name side --network container:base ${LOOP}
  - run: docker exec side hostname
    expect: { stdout: "hb\\n" }
  - run: docker exec side ip -4 addr show eth0
    expect: { stdout: "/inet 172\\\\.17\\\\.0\\\\.2\\\\/16/" }
  - run: docker inspect -f '{{.HostConfig.NetworkMode}}' side
    expect: { stdout: "/^container:[0-9a-f]{64}\\n$/" }
  - run: docker network connect bridge side
    expect: { exit: 1, stdout: "Error response from daemon: container sharing network namespace with another container or host cannot be connected to any other network\\n" }
  - run: docker stop -t 1 base side
  - run: docker start side
    expect: { exit: 1, stdout: "/cannot join network of a non running container/" }
  - run: docker create --name later --restart always ${LOOP}
  - run: systemctl restart docker
  - run: docker inspect -f '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}' later
    expect: { stdout: "created always\\n" }
`);
  });

  it('on-failure brings a container back with the daemon when its last exit was not 0, even after docker stop (restartmanager)', () => {
    run(`  - run: docker run -d --name of --restart on-failure:2 ${LOOP}
  - run: docker stop -t 1 of
  - run: systemctl restart docker
  - run: docker inspect -f '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' of
    expect: { stdout: "running on-failure 2\\n" }
`);
  });

  it('a restart of the container others joined gives it a new namespace; the joined ones keep the old, down to lo', () => {
    run(`  - run: docker run -d --name main ${LOOP}
  - run: docker run -d --name car --network container:main ${LOOP}
  - run: docker restart -t 1 main
  - run: docker exec main ip -4 -o addr show eth0
    expect: { stdout: "/172\\\\.17\\\\.0\\\\.2\\\\/16/" }
  - run: docker exec car ip link
    expect: { stdout: "/^1: lo: /", stdout_not: eth0 }
`);
  });

  it('after a daemon restart a --subnet network shows the gateway it was given (moby#26799)', () => {
    run(`  - run: docker network create --subnet 10.12.0.0/24 n1
  - run: docker network inspect -f '{{json .IPAM.Config}}' n1
    expect: { stdout: "[{\\"Subnet\\":\\"10.12.0.0/24\\"}]\\n" }
  - run: systemctl restart docker
  - run: docker network inspect -f '{{json .IPAM.Config}}' n1
    expect: { stdout: "[{\\"Subnet\\":\\"10.12.0.0/24\\",\\"Gateway\\":\\"10.12.0.1\\"}]\\n" }
`);
  });

  it('a container on --network none or the default bridge gets Google\'s IPv4 servers only when the host has only a localhost resolver (its endpoint join drops the IPv6 ones setupDNS added)', () => {
    const { res, transcript } = runText(`name: t\nhosts:\n  - { name: h1, ip: 10.1.0.10/24, dns: [127.0.0.53] }\nsteps:
  - run: docker run -d --name cn --network none ${LOOP}
  - run: docker exec cn cat /etc/resolv.conf
  - run: docker run -d --name cb ${LOOP}
  - run: docker exec cb cat /etc/resolv.conf
`);
    expect(res.steps.flatMap((s) => s.failures)).toEqual([]);
    expect(transcript).not.toContain('2001:4860');
    expect(transcript.match(/nameserver 8\.8\.8\.8\nnameserver 8\.8\.4\.4\n/g)).toHaveLength(2);
  });

  it('a start that failed on a link shows, once the daemon restarts, the addresses and ports it had written to disk (start.go checkpoints before Cleanup)', () => {
    const t = run(`  - run: docker run -d --name c1 ${LOOP}
  - run: docker run -d --name c2 -p 8080:80 --link c1 nginx
  - run: docker stop -t 1 c1
  - run: docker restart -t 1 c2
    expect: { exit: 1 }
  - run: docker inspect -f '[{{.NetworkSettings.IPAddress}}] [{{.NetworkSettings.Gateway}}]' c2
  - run: systemctl restart docker
  - run: docker inspect -f '[{{.NetworkSettings.IPAddress}}] [{{.NetworkSettings.Gateway}}] {{json .NetworkSettings.Ports}}' c2
`);
    expect(t).toContain('Cannot link to a non running container: /c1 AS /c2/c1');
    const shown = t.match(/^\[[^\]]*\] \[.*$/gm) ?? [];
    // Before the restart memory shows none; after it, what the failed start left on disk (c1's
    // stop gave 172.17.0.2 back, so the failed start had taken it).
    expect(shown).toEqual(['[] []', '[172.17.0.2] [172.17.0.1] {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}']);
  });

  it('a start that failed on a taken port left its address on disk but no gateway and no ports (the join never finished)', () => {
    const t = run(`  - run: docker run -d --name c1 -p 8080:80 nginx
  - run: docker run -d --name c2 -p 8080:80 nginx
    expect: { exit: 125 }
  - run: systemctl restart docker
  - run: docker inspect -f '[{{.NetworkSettings.IPAddress}}] [{{.NetworkSettings.Gateway}}] {{json .NetworkSettings.Ports}}' c2
    expect: { stdout: "[172.17.0.3] [] {}\\n" }
`);
    expect(t).toContain('port is already allocated');
  });

  it('a --link to a container that does not exist is refused with the daemon\'s wrapped not-found error (registerLinks)', () => {
    const { res } = runText(`name: t\nhosts:\n  - { name: h1, ip: 10.1.0.10/24 }\nsteps:\n  - run: docker run -d --name c4 --link c3:alc3 nginx\n    expect: { exit: 125 }\n`);
    expect(res.steps[0]!.output).toContain("docker: Error response from daemon: could not get container for c3: No such container: c3.\nSee 'docker run --help'.\n");
  });
});
