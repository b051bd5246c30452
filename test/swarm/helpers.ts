// A swarm in a few lines: manager m1 and workers w1..wN on one LAN, joined, then the test's steps.
import { runText } from '../helpers.js';
import type { RunResult } from '../../src/scenario/run.js';

export interface SwarmRun {
  readonly res: RunResult;
  /** The output of each of the test's own steps, in order (the setup steps are left out). */
  readonly out: string[];
  readonly exit: Array<number | null>;
}

/** `steps` is YAML for the steps after the join (each `- run:` needs its `on:`). */
/** `lanDns`: the LAN gets a DNS server (10.1.0.53, owning no names) as every host's resolver, so
 *  a name the embedded DNS forwards is answered NXDOMAIN at once instead of timing out. */
export function swarm(steps: string, opts: { workers?: number; managers?: number; images?: string; seed?: number; lanDns?: boolean } = {}): SwarmRun {
  const workers = opts.workers ?? 2;
  const managers = opts.managers ?? 1;
  const names = [...Array.from({ length: managers }, (_, i) => `m${i + 1}`), ...Array.from({ length: workers }, (_, i) => `w${i + 1}`)];
  let hosts = names.map((n, i) => `  - { name: ${n}, ip: 10.1.0.${10 + i}/24 }\n`).join('');
  if (opts.lanDns === true) hosts += '  - { name: dns1, ip: 10.1.0.53/24, docker: false, dns_zone: {} }\nlan:\n  dns: [10.1.0.53]\n';
  let setup = '  - run: docker swarm init --advertise-addr 10.1.0.10\n    on: m1\n';
  setup += '  - run: docker swarm join-token worker -q\n    on: m1\n    save: WTOKEN\n';
  setup += '  - run: docker swarm join-token manager -q\n    on: m1\n    save: MTOKEN\n';
  for (const n of names.slice(1)) setup += `  - run: docker swarm join --token \${${n.startsWith('m') ? 'MTOKEN' : 'WTOKEN'}} 10.1.0.10:2377\n    on: ${n}\n`;
  const setupCount = 3 + names.length - 1;
  const text = `name: test swarm\nseed: ${opts.seed ?? 7}\nhosts:\n${hosts}${opts.images ?? ''}steps:\n${setup}${steps}`;
  const { res } = runText(text);
  const mine = res.steps.slice(setupCount);
  return { res, out: mine.map((s) => s.output), exit: mine.map((s) => s.exit) };
}

/** How many lines of `text` name each node (for `--format '{{.Node}}'` listings). */
export function perNode(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of text.split('\n').filter((l) => l !== '')) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}
