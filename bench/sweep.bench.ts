// sweep.speedup (ratio): `swarmsim run scenarios/default.yaml --repeat 8` with `--jobs 1` over the
// same with one job per core, whole processes, interleaved run by run (the same-run baseline is the
// one-job sweep itself). Both must print the same bytes.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { type BenchOptions, type Figure, MIN_RUNS, progress } from './harness.js';
import { cliArgv } from './cli-node.js';
import { summary } from './interleave.js';

function sweep(jobs: number): { ms: number; out: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, cliArgv('run', 'scenarios/default.yaml', '--repeat', '8', '--seed-from', '14', '--jobs', String(jobs)), { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`bench sweep: exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { ms, out: r.stdout };
}

export function sweepBench(options: BenchOptions): Figure[] {
  const cores = availableParallelism();
  const one: number[] = [];
  const all: number[] = [];
  // No separate reference run: every sweep must print the first one's bytes.
  let ref: string | null = null;
  for (let r = 0; r < Math.max(MIN_RUNS, options.runs); r++) {
    const a = sweep(1);
    const b = sweep(cores);
    ref ??= a.out;
    if (a.out !== ref || b.out !== ref) throw new Error('bench sweep: the sweep printed different bytes from one run to another');
    one.push(a.ms);
    all.push(b.ms);
    progress(`  sweep: run ${r + 1} --jobs 1 ${a.ms.toFixed(0)} ms, --jobs ${cores} ${b.ms.toFixed(0)} ms`);
  }
  return [
    { name: 'sweep.8.jobs1', unit: 'ms', ...summary(one), target: null },
    { name: `sweep.8.jobs${cores}`, unit: 'ms', ...summary(all), target: null },
    { name: 'sweep.speedup', unit: 'x', ...summary(one.map((t, i) => t / all[i]!)), target: null },
  ];
}
