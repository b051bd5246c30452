// reach.10x10x5 (seconds): `swarmsim reach` on 10 swarm nodes with 10 published services (2 tasks
// each) and 5 client hosts, 3 probes per flow (700 flows: 500 from the clients, 200 from the nodes
// to themselves), whole processes, with `--jobs 1` and with one job per core, interleaved; both must
// print the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchOptions, type Figure, MIN_RUNS, progress } from './harness.js';
import { cliArgv } from './cli-node.js';
import { summary } from './interleave.js';

function scenario(): string {
  const ip = (i: number): string => `192.168.205.${10 + i}`;
  let hosts = '';
  for (let i = 0; i < 10; i++) hosts += `  - { name: n${i}, ip: ${ip(i)}/24 }\n`;
  for (let i = 0; i < 5; i++) hosts += `  - { name: c${i}, ip: 192.168.205.${100 + i}/24, docker: false }\n`;
  let steps = `  - run: docker swarm init --advertise-addr ${ip(0)}\n    on: n0\n  - run: docker swarm join-token worker -q\n    on: n0\n    save: TOKEN\n`;
  for (let i = 1; i < 10; i++) steps += `  - run: docker swarm join --token \${TOKEN} ${ip(0)}:2377\n    on: n${i}\n`;
  for (let i = 0; i < 10; i++) steps += `  - run: docker service create --name s${i} -p ${8000 + i}:80 --replicas 2 -d nginx\n    on: n0\n`;
  return `name: reach bench\nhosts:\n${hosts}steps:\n${steps}  - sleep: 10s\n`;
}

export function reachBench(options: BenchOptions): Figure[] {
  const file = join(mkdtempSync(join(tmpdir(), 'swarmsim-bench-')), 'reach.yaml');
  writeFileSync(file, scenario());
  const cores = availableParallelism();
  const once = (jobs: number): { s: number; out: string } => {
    const start = performance.now();
    const r = spawnSync(process.execPath, cliArgv('reach', file, '--jobs', String(jobs)), { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.startsWith('reach: 700 flows, 3 probes each: 700 answered')) throw new Error(`bench reach: exited ${r.status}: ${r.stdout.slice(0, 200)}${r.stderr.slice(0, 300)}`);
    return { s: (performance.now() - start) / 1000, out: r.stdout };
  };
  // No separate reference run: every run's matrix must print the first run's bytes (whole
  // processes, so there is no JIT state to warm up).
  let ref: string | null = null;
  const one: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < Math.max(MIN_RUNS, options.runs); r++) {
    const a = once(1);
    const b = once(cores);
    ref ??= a.out;
    if (a.out !== ref || b.out !== ref) throw new Error('bench reach: the matrix differs between runs or thread counts');
    one.push(a.s);
    all.push(b.s);
    progress(`  reach: run ${r + 1} --jobs 1 ${a.s.toFixed(2)} s, --jobs ${cores} ${b.s.toFixed(2)} s`);
  }
  return [
    { name: 'reach.10x10x5.jobs1', unit: 's', ...summary(one), target: null },
    { name: `reach.10x10x5.jobs${cores}`, unit: 's', ...summary(all), target: null },
  ];
}
