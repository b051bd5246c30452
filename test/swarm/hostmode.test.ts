// Host-mode publishing: a global service with a host port runs on every node, and the port is
// the bridge driver's mapping (DOCKER chain DNAT, docker-proxy) on the task's gateway network, so
// the server sees the client's own address (ingress would show the ingress network's SNAT).
import { describe, expect, it } from 'vitest';
import { swarm } from './helpers.js';

const WHO = 'images:\n  - { name: "who:1", port: 80, reply: "client {client_ip}\\n" }\n';

describe('host-mode published ports', () => {
  it('starts a global service with a host-mode UDP port on every node', () => {
    const r = swarm(
      '  - run: docker service create --name dns --publish published=53,target=53,protocol=udp,mode=host --mode global nginx\n    on: m1\n'
      + "  - run: docker service ps --format '{{.Node}} {{.CurrentState}} {{.Ports}}' dns\n    on: m1\n"
      + '  - run: iptables -t nat -S DOCKER\n    on: w2\n',
    );
    expect(r.exit[0]).toBe(0);
    expect(r.out[0]).toContain('overall progress: 3 out of 3 tasks');
    const rows = r.out[1]!.trim().split('\n').sort();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^(m1|w1|w2) Running .* \*:53->53\/udp$/);
    expect(r.out[2]).toMatch(/-A DOCKER ! -i docker0 -p udp -m udp --dport 53 -j DNAT --to-destination 172\.17\.0\.\d+:53/);
  });

  it('preserves the client address through a host-mode port, on docker0 or on docker_gwbridge', () => {
    const hosts = '  - run: docker network create -d overlay appnet\n    on: m1\n'
      + '  - run: docker service create --name a --constraint node.hostname==w1 --publish published=8081,target=80,mode=host who:1\n    on: m1\n'
      + '  - run: docker service create --name b --constraint node.hostname==w1 --network appnet --publish published=8082,target=80,mode=host --publish 8083:80 who:1\n    on: m1\n'
      + '  - run: curl -s http://10.1.0.11:8081/\n    on: m1\n'
      + '  - run: curl -s http://10.1.0.11:8082/\n    on: m1\n'
      + '  - run: curl -s http://10.1.0.11:8083/\n    on: m1\n'
      + '  - run: curl -s http://10.1.0.12:8081/\n    on: m1\n';
    const r = swarm(hosts, { images: WHO });
    expect(r.out[3]).toBe('client 10.1.0.10\n');
    expect(r.out[4]).toBe('client 10.1.0.10\n');
    // The routing mesh masquerades into the ingress network.
    expect(r.out[5]).toMatch(/^client 10\.0\.0\.\d+\n$/);
    // Bound only on the node running the task.
    expect(r.exit[6]).toBe(7);
  });
});
