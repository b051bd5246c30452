// Start-up, as a user waits for it: whole processes, timed from spawn to exit. `node -e 0` is the
// baseline measured in the same run, interleaved run by run with the others, so the ratios stay
// comparable across noisy machines: `startup.help.ratio` is `swarmsim --help` over bare node (the
// aim: within 1.5x), `startup.default.ratio` the default scenario's whole run over bare node, and
// `startup.default.sim.ratio` a whole run of it over the time that same process spent replaying it
// (`--repeat 1 --jobs 1` prints that on stderr; the aim: within 2x, i.e. start-up costs no more
// than the simulation itself).
import { spawnSync } from 'node:child_process';
import { type BenchOptions, type Figure, MIN_RUNS, progress } from './harness.js';
import { cliArgv } from './cli-node.js';
import { summary } from './interleave.js';

interface Case {
  readonly name: string;
  readonly argv: string[];
  readonly target: number | null;
}

const CASES: Case[] = [
  { name: 'startup.node', argv: ['-e', '0'], target: null },
  { name: 'startup.help', argv: cliArgv('--help'), target: null },
  { name: 'startup.default', argv: cliArgv('run', 'scenarios/default.yaml'), target: null },
  { name: 'startup.default.once', argv: cliArgv('run', 'scenarios/default.yaml', '--repeat', '1', '--jobs', '1'), target: null },
];

/** The replay's own wall time in the last `startup.default.once` process (its stderr line). */
let replayMs = 0;

function timeOnce(c: Case): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, c.argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`bench ${c.name}: exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  if (c.name === 'startup.help' && !r.stdout.includes('Usage: swarmsim')) throw new Error(`bench ${c.name}: no usage text`);
  if (c.name === 'startup.default' && !r.stdout.includes('every expectation held')) throw new Error(`bench ${c.name}: the scenario did not pass`);
  if (c.name === 'startup.default.once') {
    const m = /^sweep: ([0-9.]+) s on 1 thread$/m.exec(r.stderr);
    if (!r.stdout.includes('1 runs (seeds') || !r.stdout.includes('1 passed') || m === null) throw new Error(`bench ${c.name}: the run did not pass or gave no time: ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
    replayMs = Number(m[1]) * 1000;
  }
  return ms;
}

export function startupBench(options: BenchOptions): Figure[] {
  const runs = Math.max(MIN_RUNS, options.runs);
  for (const c of CASES) timeOnce(c);
  const times = CASES.map(() => [] as number[]);
  const replay: number[] = [];
  for (let r = 0; r < runs; r++) {
    CASES.forEach((c, i) => times[i]!.push(timeOnce(c)));
    replay.push(replayMs);
    progress(`  startup: run ${r + 1}/${runs} ${CASES.map((c, i) => `${c.name} ${times[i]![r]!.toFixed(0)} ms`).join(', ')}`);
  }
  const figures: Figure[] = CASES.map((c, i) => ({ name: c.name, unit: 'ms', ...summary(times[i]!), target: c.target }));
  const node = times[0]!;
  figures.push({ name: 'startup.help.ratio', unit: 'x node', ...summary(times[1]!.map((t, r) => t / node[r]!)), target: 1.5 });
  figures.push({ name: 'startup.default.ratio', unit: 'x node', ...summary(times[2]!.map((t, r) => t / node[r]!)), target: null });
  figures.push({ name: 'startup.default.sim', unit: 'ms', ...summary(replay), target: null });
  figures.push({ name: 'startup.default.sim.ratio', unit: 'x replay', ...summary(times[3]!.map((t, r) => t / replay[r]!)), target: 2 });
  return figures;
}
