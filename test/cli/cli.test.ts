// The swarmsim executable as a user runs it: exit codes, file:line errors, JSON, trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { swarmsim } from '../helpers.js';


function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarmsim-'));
  const p = join(dir, 'scenario.yaml');
  writeFileSync(p, text);
  return p;
}

const HOST = 'hosts:\n  - { name: n1, ip: 192.168.205.10/24 }\n';

describe('swarmsim CLI', () => {
  it('prints help', () => {
    const r = swarmsim('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: swarmsim');
    expect(r.stdout).toContain('run');
    expect(r.stdout).toContain('trace');
  });

  it('exits 0 on a passing scenario and prints the transcript', () => {
    const r = swarmsim('run', 'scenarios/netns-veth.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[root@docker-node1 ~]# ip netns exec test1 ping -c 2 192.168.1.2\nPING 192.168.1.2 (192.168.1.2) 56(84) bytes of data.');
    expect(r.stdout).toContain('every expectation held');
  });

  it('exits 1 naming the failing step by file:line', () => {
    const p = file(`${HOST}steps:\n  - run: ip netns list\n    expect: { stdout: ghost }\n`);
    const r = swarmsim('run', p);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${p}:4: ip netns list: the output does not contain "ghost"\n`);
    expect(r.stdout).toContain('1 of 1 steps failed');
  });

  it('exits 2 with file:line:col for an invalid file, without a stack trace', () => {
    const p = file(`${HOST}steps:\n  - run: ip a\n    bogus: 1\n`);
    const r = swarmsim('run', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:5: unknown key "bogus" in a run step`));
    expect(r.stderr).not.toContain('    at ');
  });

  it('exits 2 for an unknown command, after printing the steps before it', () => {
    const p = file(`${HOST}steps:\n  - run: echo first\n  - run: telnet 10.0.0.1\n`);
    const r = swarmsim('run', p);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('first\n');
    expect(r.stderr).toContain(`${p}:5:10: unknown command "telnet"`);
  });

  it('exits 2 for a missing file', () => {
    const r = swarmsim('run', 'no/such.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('no/such.yaml: cannot read the scenario: no such file\n');
  });

  it('prints a machine-readable result with --json', () => {
    const r = swarmsim('run', 'scenarios/netns-bridge.yaml', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.passed).toBe(true);
    expect(j.steps.length).toBeGreaterThan(10);
    const trace = j.steps.find((s: { kind: string }) => s.kind === 'trace');
    expect(trace.trace.request.verdict).toBe('delivered');
  });

  it('traces one packet after the scenario, as text and as JSON', () => {
    const r = swarmsim('trace', 'scenarios/netns-router.yaml', '--on', 'docker-node1', '--ns', 'left', '--to', '10.0.2.2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('trace icmp from docker-node1/left to 10.0.2.2\nrequest:\n');
    expect(r.stdout).toContain('forward: forward via 10.0.2.0/24 dev veth-rr');
    const j = JSON.parse(swarmsim('trace', 'scenarios/netns-router.yaml', '--on', 'docker-node1', '--ns', 'left', '--to', '10.0.2.2:80', '--json').stdout);
    expect(j.trace.request.verdict).toBe('dropped');
    expect(j.trace.request.reason).toBe('no listener');
    expect(j.trace.reply.verdict).toBe('delivered');
  });

  it('prints the same bytes twice', () => {
    expect(swarmsim('run', 'scenarios/vxlan-two-hosts.yaml').stdout).toBe(swarmsim('run', 'scenarios/vxlan-two-hosts.yaml').stdout);
  });

  it('sweeps seeds with --repeat on worker threads, printing the same bytes for any number of workers', () => {
    // The node ID swarm init prints comes from the seed: this expectation holds for some seeds only.
    const f = file('name: node IDs by seed\n' + HOST + 'steps:\n  - run: docker swarm init --advertise-addr 192.168.205.10\n    expect: { stdout: "/current node \\\\([a-m]/" }\n');
    const one = swarmsim('run', f, '--repeat', '4', '--seed-from', '1', '--jobs', '1');
    const two = swarmsim('run', f, '--repeat', '4', '--seed-from', '1', '--jobs', '2');
    expect(one.code).toBe(1);
    expect(one.stdout).toBe(
      `seed 1: 1 expectation failed\n  ${f}:5: docker swarm init --advertise-addr 192.168.205.10: the output does not contain /current node \\([a-m]/\n` +
        'seed 2: every expectation held (1 steps)\nseed 3: every expectation held (1 steps)\n' +
        `seed 4: 1 expectation failed\n  ${f}:5: docker swarm init --advertise-addr 192.168.205.10: the output does not contain /current node \\([a-m]/\n` +
        '\nsweep of "node IDs by seed": 4 runs (seeds 1-4), 2 passed, 2 failed\n',
    );
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toMatch(/^sweep: [\d.]+ s on 2 threads\n$/);
    expect(swarmsim('run', f, '--repeat', '2', '--seed-from', '2').code).toBe(0);
  });

  it('refuses sweep flags that make no sense', () => {
    expect(swarmsim('run', 'scenarios/netns-veth.yaml', '--seed-from', '3')).toMatchObject({ code: 2, stderr: 'scenarios/netns-veth.yaml: --seed-from goes with --repeat N\n' });
    expect(swarmsim('run', 'scenarios/netns-veth.yaml', '--repeat', '0')).toMatchObject({ code: 2, stderr: 'scenarios/netns-veth.yaml: --repeat: "0" must be a whole number from 1 to 10000\n' });
    expect(swarmsim('run', 'scenarios/netns-veth.yaml', '--repeat', '2', '--jobs', 'x')).toMatchObject({ code: 2 });
  });
});
