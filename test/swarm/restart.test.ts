// systemctl restart docker on a swarm node: libnetwork's chains come back (DOCKER, the ingress
// DNAT once the node's task is attached again) and containers with a restart policy run again.
import { describe, expect, it } from 'vitest';
import { swarm } from './helpers.js';

describe('restarting dockerd', () => {
  it('restores the chains and the ingress rules, and restarts containers by their restart policy', () => {
    const r = swarm(
      '  - run: docker service create -d --name web -p 8080:80 --constraint node.hostname==m1 nginx\n    on: m1\n'
      + '  - run: docker run -d --name always --restart always -p 9090:80 nginx\n    on: m1\n'
      + '  - run: docker run -d --name unless --restart unless-stopped nginx\n    on: m1\n'
      + '  - run: docker run -d --name plain nginx\n    on: m1\n'
      + '  - run: docker stop unless\n    on: m1\n  - sleep: 10\n'
      + '  - run: systemctl restart docker\n    on: m1\n  - sleep: 30\n'
      + '  - run: iptables-save -t nat\n    on: m1\n'
      + "  - run: docker ps --format '{{.Names}}'\n    on: m1\n"
      + '  - run: curl -s -m 2 http://10.1.0.10:8080/\n    on: w1\n'
      + '  - run: curl -s -m 2 http://10.1.0.10:9090/\n    on: w1\n',
    );
    const nat = r.out[8]!;
    expect(nat).toContain('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER-INGRESS\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n');
    expect(nat).toMatch(/-A DOCKER-INGRESS -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.18\.0\.\d+:8080\n-A DOCKER-INGRESS -j RETURN\n/);
    expect(nat).toMatch(/-A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172\.17\.0\.\d+:80\n/);
    const names = r.out[9]!.trim().split('\n');
    expect(names).toContain('always');
    expect(names.some((n) => n.startsWith('web.1.'))).toBe(true);
    expect(names).not.toContain('unless');
    expect(names).not.toContain('plain');
    expect(r.out[10]).toContain('Welcome to nginx!');
    expect(r.out[11]).toContain('Welcome to nginx!');
  });
});
