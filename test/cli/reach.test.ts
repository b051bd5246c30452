// `swarmsim reach` and `swarmsim diff` on the user problems of shared/reference/user-problems.md,
// and the `reach:` step: who answered each probe (and the source the server saw), or where it died.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runText, swarmsim } from '../helpers.js';

function file(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'swarmsim-reach-')), name);
  writeFileSync(p, text);
  return p;
}

/** A swarm of `nodes` on `lan`, a laptop without Docker at `laptop`, then `steps`. */
function swarm(nodes: string[], laptop: string, steps: string, len = 24): string {
  const hosts = nodes.map((ip, i) => `  - { name: ${i === 0 ? 'm1' : `w${i}`}, ip: ${ip}/${len} }\n`).join('') + `  - { name: laptop, ip: ${laptop}/${len}, docker: false }\n`;
  const joins = nodes.slice(1).map((_, i) => `  - run: docker swarm join --token \${TOKEN} ${nodes[0]}:2377\n    on: w${i + 1}\n`).join('');
  return `name: reach test\nseed: 5\nhosts:\n${hosts}steps:\n  - run: docker swarm init --advertise-addr ${nodes[0]}\n    on: m1\n  - run: docker swarm join-token worker -q\n    on: m1\n    save: TOKEN\n${joins}${steps}`;
}

const MESH = ['192.168.205.10', '192.168.205.11', '192.168.205.12'];

describe('swarmsim reach', () => {
  it('shows the routing mesh balancing every node port over all tasks, with the source address the task saw', () => {
    const r = swarmsim('reach', 'scenarios/swarm-routing-mesh.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reach: 13 flows, 3 probes each: 13 answered, 0 not (or not always)\n');
    // From the laptop to any node: the three whoami tasks in turn, each seeing the entry node's
    // ingress address instead of the laptop's (user problem 2, the lost client address).
    expect(r.stdout).toMatch(/laptop +192\.168\.205\.11:8000\/tcp +whoami\.1@swarm-manager 10\.0\.0\.6:8000 \(saw 10\.0\.0\.3\) ×1, whoami\.2@swarm-worker1 10\.0\.0\.7:8000 \(saw 10\.0\.0\.3\) ×1, whoami\.3@swarm-worker2 10\.0\.0\.8:8000 \(saw 10\.0\.0\.3\) ×1\n/);
    // Each node on 127.0.0.1, and east-west from the client task: the VIP balances, tasks.NAME does not.
    expect(r.stdout).toMatch(/swarm-worker2 +127\.0\.0\.1:8000\/tcp +whoami\.1@swarm-manager/);
    expect(r.stdout).toMatch(/client\.1@swarm-manager +whoami 10\.0\.1\.2:8000\/tcp +whoami\.1@swarm-manager 10\.0\.1\.3:8000 \(saw 10\.0\.1\.6\) ×1, whoami\.2/);
    expect(r.stdout).toMatch(/client\.1@swarm-manager +tasks\.whoami 10\.0\.1\.8:8000\/tcp +whoami\.3@swarm-worker2 10\.0\.1\.8:8000 \(saw 10\.0\.1\.5\) ×3\n/);
    const j = JSON.parse(swarmsim('reach', 'scenarios/swarm-routing-mesh.yaml', '--json', '--count', '1').stdout) as { flows: Array<{ from: string; to: string; probes: Array<{ outcome: string; seenFrom?: string }> }> };
    expect(j.flows).toHaveLength(13);
    expect(j.flows[0]).toMatchObject({ from: 'laptop', to: '192.168.205.10', probes: [{ outcome: 'answered', seenFrom: '10.0.0.2' }] });
  });

  it('diff --what-if: with 4789/udp dropped on one node, only that node still reaches its task (user problem 1)', () => {
    const r = swarmsim('diff', 'scenarios/swarm-routing-mesh.yaml', '--what-if', "{ run: 'iptables -I INPUT -p udp --dport 4789 -j DROP', on: swarm-worker2 }");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('diff: 11 of 13 flows changed (scenarios/swarm-routing-mesh.yaml → scenarios/swarm-routing-mesh.yaml + what-if)\n');
    // One probe in three goes to the task on the blocked node and dies there.
    expect(r.stdout).toContain('laptop -> 192.168.205.10:8000/tcp\n  scenarios/swarm-routing-mesh.yaml: whoami.1@swarm-manager 10.0.0.6:8000 (saw 10.0.0.2) ×1, whoami.2@swarm-worker1 10.0.0.7:8000 (saw 10.0.0.2) ×1, whoami.3@swarm-worker2 10.0.0.8:8000 (saw 10.0.0.2) ×1\n  scenarios/swarm-routing-mesh.yaml + what-if: dropped at swarm-worker2/root eth0: filter INPUT #1 DROP (netfilter) ×1,');
    expect(r.stdout).toMatch(/first different hop:\n {4}scenarios\/swarm-routing-mesh\.yaml: swarm-worker2 \/ 1-\w+ \/ vxlan0 {2}vxlan: decapsulate vni 4096 from 192\.168\.205\.10: .*\n {4}scenarios\/swarm-routing-mesh\.yaml \+ what-if: swarm-worker2 \/ root \/ eth0 {2}nf: filter INPUT #1 DROP\n/);
    // The flows that stay on the blocked node's own task are not listed.
    expect(r.stdout).not.toContain('client.1@swarm-manager -> tasks.whoami 10.0.1.3');
    expect(swarmsim('diff', 'scenarios/swarm-routing-mesh.yaml', 'scenarios/swarm-routing-mesh.yaml')).toMatchObject({ code: 0, stdout: 'diff: the 13 flows have the same outcome in scenarios/swarm-routing-mesh.yaml and scenarios/swarm-routing-mesh.yaml\n' });
  });

  it('diff: a LAN client inside the ingress subnet gets no answer; outside it, it does (user problem 3)', () => {
    const steps = '  - run: docker service create --name web -p 8080:80 --replicas 2 -d nginx\n    on: m1\n  - sleep: 5s\n';
    const a = file('a.yaml', swarm(['10.0.5.10', '10.0.5.11'], '10.0.0.50', steps, 16));
    const b = file('b.yaml', swarm(['10.0.5.10', '10.0.5.11'], '10.0.9.50', steps, 16));
    const r = swarmsim('diff', a, b, '--from', 'laptop', '--count', '2');
    expect(r.code).toBe(1);
    // The reply to 10.0.0.50 is routed into the ingress overlay (10.0.0.0/24) and asks ARP there.
    expect(r.stdout).toContain(`laptop -> 10.0.5.10:8080/tcp\n  ${a}: reply dropped at m1/ingress_sbox eth0: 10.0.0.50 did not answer 3 ARP requests (no ARP answer) ×2\n  ${b}: web.1@m1 10.0.0.5:80 (saw 10.0.0.2) ×1, web.2@w1 10.0.0.6:80 (saw 10.0.0.2) ×1\n`);
  });

  it('diff --what-if mode=host: the task sees the client address, and a node without a task has no listener (user problem 2)', () => {
    const steps = '  - run: docker service create --name web -p 8080:80 --replicas 1 --constraint node.hostname==w1 -d nginx\n    on: m1\n  - sleep: 5s\n';
    const a = file('mesh.yaml', swarm(MESH, '192.168.205.50', steps));
    const r = swarmsim('diff', a, '--what-if', "{ run: 'docker service update -q --publish-rm 8080 --publish-add mode=host,published=8080,target=80 web; sleep 5', on: m1 }", '--from', 'laptop', '--count', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`diff: 3 of 3 flows changed (${a} → ${a} + what-if)\n`);
    // Through the mesh the task saw the ingress sandbox's address; published in host mode, the laptop's own.
    // (No network but the ingress: with host-mode ports only, the task is on the default bridge.)
    expect(r.stdout).toContain(`laptop -> 192.168.205.11:8080/tcp\n  ${a}: web.1@w1 10.0.0.6:80 (saw 10.0.0.3)\n  ${a} + what-if: web.1@w1 172.17.0.2:80 (saw 192.168.205.50)\n`);
    // The first hop that differs is the ingress DNAT rule that no longer matches, on the entry node.
    expect(r.stdout).toContain(`  first different hop:\n    ${a}: w1 / root / eth0  nf: nat DOCKER-INGRESS #1 DNAT to:172.18.0.2:8080\n    ${a} + what-if: w1 / root / eth0  nf: nat DOCKER-INGRESS #1 RETURN\n    they differ in the nf decision\n`);
    // A node without the task has no listener on 8080 any more (the flow was probed on both sides).
    expect(r.stdout).toContain(`laptop -> 192.168.205.10:8080/tcp\n  ${a}: web.1@w1 10.0.0.6:80 (saw 10.0.0.2)\n  ${a} + what-if: dropped at m1/root eth0: nothing listens on TCP 192.168.205.10:8080 (no listener)\n`);
  });

  it('diff --size: an underlay MTU smaller than the overlay needs loses full segments; driver.mtu fixes it (user problem 4)', () => {
    const text = (opts: string) =>
      'name: mtu\nseed: 21\nhosts:\n  - { name: m1, ip: 192.168.205.10/24 }\n  - { name: w1, ip: 192.168.205.11/24 }\nlan:\n  pairs:\n    - { between: [m1, w1], mtu: 1400 }\n' +
      'images:\n  - { name: demo/page, port: 80, reply: "page" }\nsteps:\n  - run: docker swarm init --advertise-addr=192.168.205.10\n    on: m1\n  - run: docker swarm join-token worker -q\n    on: m1\n    save: TOKEN\n' +
      `  - run: docker swarm join --token \${TOKEN} 192.168.205.10:2377\n    on: w1\n  - run: docker network create -d overlay ${opts}net\n    on: m1\n` +
      '  - run: docker service create --name page --network net --constraint node.hostname==w1 -d demo/page\n    on: m1\n  - run: docker service create --name client --network net --constraint node.hostname==m1 -d centos sleep infinity\n    on: m1\n  - sleep: 5s\n';
    const a = file('underlay-1400.yaml', text(''));
    const b = file('driver-mtu.yaml', text('--opt com.docker.network.driver.mtu=1400 '));
    // A bare connect passes either way: the handshake's segments are small (the user's "ping works").
    expect(swarmsim('diff', a, b, '--count', '1')).toMatchObject({ code: 0, stdout: `diff: the 2 flows have the same outcome in ${a} and ${b}\n` });
    const r = swarmsim('diff', a, b, '--count', '1', '--size', '3000');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`diff: 2 of 2 flows changed (${a} → ${b})\n`);
    // (The client's own overlay address depends on the allocation order: any of the network's.)
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(r.stdout).toMatch(new RegExp(
      esc(`client.1@m1 -> page 10.0.1.2:80/tcp\n  ${a}: dropped at m1/root eth0: inner 1450 + 50 = outer 1500 > mtu 1400 underlay m1 → w1 (frame larger than the underlay path MTU)\n  ${b}: page.1@w1 10.0.1.3:80 (saw 10.0.1.`) + '\\d+' +
        esc(`)\n  first different hop:\n    ${a}: m1 / root / eth0  drop: inner 1450 + 50 = outer 1500 > mtu 1400 underlay m1 → w1\n    ${b}: m1 / root / eth0  lan: LAN m1:eth0 → w1:eth0\n    they differ in what happened there (drop → lan)\n`),
    ));
  });

  it('gives the same matrix for any number of worker threads (chunks replay the scenario afresh)', () => {
    const services = [1, 2, 3, 4, 5, 6].map((i) => `  - run: docker service create --name s${i} -p 80${i}0:80 -d nginx\n    on: m1\n`).join('');
    const f = file('many.yaml', swarm(MESH, '192.168.205.50', services + '  - sleep: 5s\n'));
    const one = swarmsim('reach', f, '--count', '1', '--jobs', '1');
    const two = swarmsim('reach', f, '--count', '1', '--jobs', '2');
    // 18 from the laptop, 36 from the nodes themselves: more than one chunk of 48.
    expect(one.stdout).toContain('reach: 54 flows, 1 probe each: 54 answered');
    expect(two.stdout).toBe(one.stdout);
  });

  it('--html writes the view page with the matrix it computed', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'swarmsim-reach-')), 'reach.html');
    const r = swarmsim('reach', 'scenarios/swarm-routing-mesh.yaml', '--count', '1', '--html', out);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<caption>swarmsim reach: ✓ every probe answered (green)');
    // A cell per flow, every one answered and a button opening its probe.
    expect((html.match(/<td class="ok" title=/g) ?? []).length).toBe(13);
    expect(html).toMatch(/<button type="button" data-trace="1" aria-label="laptop to 192\.168\.205\.10:8000\/tcp: whoami\.1@swarm-manager/);
  });

  it('refuses what it cannot probe, naming the flag', () => {
    expect(swarmsim('reach', 'scenarios/swarm-routing-mesh.yaml', '--from', 'nobody')).toMatchObject({ code: 2, stderr: 'scenarios/swarm-routing-mesh.yaml: --from: no host named "nobody" (hosts: swarm-manager, swarm-worker1, swarm-worker2, laptop)\n' });
    expect(swarmsim('reach', 'scenarios/swarm-routing-mesh.yaml', '--count', '0').code).toBe(2);
    expect(swarmsim('diff', 'scenarios/swarm-routing-mesh.yaml')).toMatchObject({ code: 2, stderr: 'scenarios/swarm-routing-mesh.yaml: give a second scenario or --what-if STEP (one of the two)\n' });
  });
});

describe('the reach step', () => {
  const base = swarm(MESH, '192.168.205.50', '  - run: docker service create --name web -p 8080:80 --replicas 1 --constraint node.hostname==w2 -d nginx\n    on: m1\n  - sleep: 5s\n');

  it('checks a reachability policy and says which flow broke it', () => {
    const ok = runText(base + '  - reach: { from: [laptop], expect: { "*:8080": web, "laptop -> w2:8080/tcp": answered } }\n');
    expect(ok.res.passed).toBe(true);
    expect(ok.transcript).toContain('reach from laptop');
    const bad = runText(base + '  - run: iptables -I INPUT -p udp --dport 4789 -j DROP\n    on: w2\n  - reach: { from: [laptop], count: 2, expect: { "*:8080": web, "*:9999": dropped } }\n');
    expect(bad.res.passed).toBe(false);
    expect(bad.res.steps[bad.res.steps.length - 1]!.failures).toEqual([
      '*:8080: laptop -> 192.168.205.10:8080/tcp: 2 of 2 probes dropped at w2/root: netfilter, expected the tasks of web',
      '*:8080: laptop -> 192.168.205.11:8080/tcp: 2 of 2 probes dropped at w2/root: netfilter, expected the tasks of web',
      'no flow matches "*:9999"',
    ]);
  });

  it('takes the simulated time its probes take: an answered probe is over in milliseconds, an unanswered one waits its 5 s', () => {
    const before = runText(base).res.world.eq.now;
    // 3 flows from the laptop (one per node address), 3 probes each: all answered.
    const answered = runText(base + '  - reach: { from: [laptop] }\n').res.world.eq.now - before;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(1e9);
    // With VXLAN dropped on w2 the two flows entering at m1 and w1 are never answered: 2 × 3 probes of 5 s.
    const blocked = runText(base + '  - run: iptables -I INPUT -p udp --dport 4789 -j DROP\n    on: w2\n  - reach: { from: [laptop] }\n').res.world.eq.now - before;
    expect(blocked).toBeGreaterThanOrEqual(6 * 5e9);
    expect(blocked).toBeLessThan(6 * 5e9 + 1e9);
  });

  it('refuses a pattern it cannot read, with the line', () => {
    expect(() => runText(base + '  - reach: { expect: { "8080": web } }\n')).toThrow(/"8080" is not a flow pattern/);
  });
});
