// `swarmsim run FILE --repeat N [--seed-from S] [--jobs J]`: the same scenario under N seeds, the
// runs spread over worker threads (piscina's pool: the well-kept one), each printed in seed order
// whatever order they finish in, so the output is the same bytes for any number of workers.
import { availableParallelism } from 'node:os';
import { InputError } from '../core/errors.js';
import { loadScenario } from '../scenario/load.js';
import type { SweepRun, SweepTask } from './sweep-worker.js';
import { runOnce } from './sweep-worker.js';
import { spread, workerFile } from './workers.js';

/** More runs than this is a sweep nobody reads; say so rather than start it. */
export const MAX_REPEAT = 10_000;

export interface SweepOptions {
  readonly repeat: string;
  readonly seedFrom?: string;
  readonly jobs?: string;
  readonly json?: boolean;
}

function count(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

function describe(r: SweepRun): string {
  if (r.error !== null) return `seed ${r.seed}: invalid: ${r.error}\n`;
  if (r.failures.length === 0) return `seed ${r.seed}: every expectation held (${r.steps} steps)\n`;
  return `seed ${r.seed}: ${r.failures.length} expectation${r.failures.length === 1 ? '' : 's'} failed\n${r.failures.map((f) => `  ${f}\n`).join('')}`;
}

export async function sweep(file: string, text: string, o: SweepOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  // The sweep's wall time counts from here: checking the file is part of the work, as the runs are.
  const started = performance.now();
  // The file is checked once here, so a bad one is one error, not N.
  const sc = loadScenario(file, text);
  const n = count('--repeat', o.repeat, 1, MAX_REPEAT);
  const first = o.seedFrom === undefined ? sc.seed : count('--seed-from', o.seedFrom, 0, 2 ** 31 - 1);
  const worker = workerFile('sweep-worker');
  const jobs = worker === null ? 1 : Math.min(n, o.jobs === undefined ? availableParallelism() : count('--jobs', o.jobs, 1, 256));
  const tasks: SweepTask[] = Array.from({ length: n }, (_, i) => ({ file, text, seed: first + i }));
  const results: Array<SweepRun | undefined> = new Array(n);
  let printed = 0;
  // Each run is printed as soon as every run before it is done.
  const flush = (): void => {
    while (printed < n && results[printed] !== undefined) {
      if (!o.json) out(describe(results[printed]!));
      printed++;
    }
  };
  await spread(tasks, jobs, worker, runOnce, (i, r) => {
    results[i] = r;
    flush();
  });
  const runs = results as SweepRun[];
  const passed = runs.filter((r) => r.error === null && r.failures.length === 0).length;
  const invalid = runs.filter((r) => r.error !== null).length;
  if (o.json) out(JSON.stringify({ file, runs }, null, 2) + '\n');
  else out(`\nsweep of "${sc.name}": ${n} runs (seeds ${first}-${first + n - 1}), ${passed} passed, ${n - passed - invalid} failed${invalid > 0 ? `, ${invalid} invalid` : ''}\n`);
  // Wall time varies from run to run: it goes to stderr, so stdout stays the same bytes.
  err(`sweep: ${((performance.now() - started) / 1000).toFixed(3)} s on ${jobs} thread${jobs === 1 ? '' : 's'}\n`);
  return invalid > 0 ? 2 : passed === n ? 0 : 1;
}
