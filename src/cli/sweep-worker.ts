// One run of a sweep, in a worker thread: the scenario replayed with another seed, reduced to what
// the sweep prints. Runs are independent (one World each), so any number can go at once.
import { InputError } from '../core/errors.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run.js';

export interface SweepTask {
  readonly file: string;
  readonly text: string;
  readonly seed: number;
}

export interface SweepRun {
  readonly seed: number;
  readonly steps: number;
  /** `FILE:LINE: command: what differed`, as `run` prints failures. */
  readonly failures: string[];
  /** The input error that stopped this run (a step that only this seed reaches), or null. */
  readonly error: string | null;
}

export function runOnce(t: SweepTask): SweepRun {
  try {
    const sc = { ...loadScenario(t.file, t.text), seed: t.seed };
    const res = runScenario(sc);
    const failures: string[] = [];
    for (const s of res.steps) for (const f of s.failures) failures.push(`${t.file}:${s.line}: ${s.command}: ${f}`);
    return { seed: t.seed, steps: res.steps.length, failures, error: null };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const at = e.line === undefined ? '' : `:${e.line}${e.column === undefined ? '' : `:${e.column}`}`;
    return { seed: t.seed, steps: 0, failures: [], error: `${t.file}${at}: ${e.message}` };
  }
}

export default runOnce;
