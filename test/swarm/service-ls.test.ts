// `docker service ls` as docker/cli 19.03 lists services (service/list.go, service/formatter.go)
// and the daemon filters them (daemon/cluster/services.go GetServices): -q, --format, -f, names in
// natural order, REPLICAS counted on nodes that are not Down with "(max N per node)", PORTS grouped.
import { describe, expect, it } from 'vitest';
import { swarm } from './helpers.js';

const on = (...lines: string[]): string => lines.map((l) => (l.startsWith('sleep ') ? `  - sleep: ${l.slice(6)}\n` : l.startsWith('fault ') ? `  - fault: ${l.slice(6)}\n` : `  - run: ${l}\n    on: m1\n`)).join('');

describe('docker service ls', () => {
  it('lists in natural order, quiet, by template and by filter', () => {
    const r = swarm(on(
      'docker service create -d --name web10 --label tier=front nginx',
      'docker service create -d --name web2 --label tier=back nginx',
      'docker service create -d --name agent --mode global busybox sleep 1d',
      'sleep 10',
      "docker service ls --format '{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}}'",
      'docker service ls -q',
      "docker service ls -f name=web --format '{{.Name}}'",
      "docker service ls -f mode=global --format '{{.Name}}'",
      "docker service ls -f label=tier=back --format '{{.Name}}'",
      "docker service ls -f label=tier --format '{{.Name}}'",
      "docker service ls -f name=agent -f name=web1 --format '{{.Name}}'",
      'docker service ls -f bogus=1',
      "docker service ls --format 'table {{.Name}}\\t{{.Replicas}}'",
      "docker service inspect --format '{{.ID}}' agent web2 web10",
    ));
    expect(r.out[4]).toBe('agent global 3/3 busybox:latest\nweb2 replicated 1/1 nginx:latest\nweb10 replicated 1/1 nginx:latest\n');
    const ids = r.out[13]!.trim().split('\n').map((id) => id.slice(0, 12));
    expect(r.out[5]).toBe(ids.map((id) => `${id}\n`).join(''));
    expect(r.out[6]).toBe('web2\nweb10\n');
    expect(r.out[7]).toBe('agent\n');
    expect(r.out[8]).toBe('web2\n');
    expect(r.out[9]).toBe('web2\nweb10\n');
    expect(r.out[10]).toBe('agent\nweb10\n');
    expect(r.exit[11]).toBe(1);
    expect(r.out[11]).toBe("Error response from daemon: Invalid filter 'bogus'\n");
    expect(r.out[12]).toBe('NAME                REPLICAS\nagent               3/3\nweb2                1/1\nweb10               1/1\n');
  });

  it('counts only tasks running on nodes that are not Down, and says the per-node maximum', () => {
    const r = swarm(on(
      'docker service create -d --name agent --mode global busybox sleep 1d',
      'docker service create -d --name capped --replicas 2 --max-replicas 1 --constraint node.role==worker busybox sleep 1d',
      'sleep 10',
      "docker service ls --format '{{.Name}} {{.Replicas}}'",
      'fault { host: w2, down: true }',
      'sleep 30',
      "docker service ls --format '{{.Name}} {{.Replicas}}'",
    ));
    expect(r.out[3]).toBe('agent 3/3\ncapped 2/2 (max 1 per node)\n');
    // w2's tasks still say running (it cannot report), but a Down node's tasks are not counted;
    // the global orchestrator shuts down the one on a Down node (global.go updateNode), and the
    // capped service has nowhere else to go.
    expect(r.out[6]).toBe('agent 2/2\ncapped 1/2 (max 1 per node)\n');
  });

  it('groups consecutive published ports as the CLI does', () => {
    const r = swarm(on(
      'docker service create -d --name web -p 8081:81 -p 8080:80 -p 8082:80 -p 9000:53/udp nginx',
      "docker service ls --format '{{.Ports}}'",
    ));
    // 8080->80, 8081->81 are one range; 8082->80 overlaps its targets and starts another.
    expect(r.out[1]).toBe('*:8080-8081->80-81/tcp, *:8082->80/tcp, *:9000->53/udp\n');
  });
});
