// The benchmark runner. A figure is the median of several timed runs (after a warm-up), with the
// min and max; each run calls a batch function repeatedly for a fixed time budget (or a fixed
// number of calls) and reports operations per second. Each batch returns a checksum of its results,
// which must be the same on every call: the results are used (no dead-code elimination) and checked.
// Progress goes to stderr; stdout is for the summary table or, with --json, one JSON object.
import os from 'node:os';

export interface Figure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  /** The figure we aim for (same unit), or null for a baseline. */
  target: number | null;
}

export interface Machine {
  nproc: number;
  node: string;
  cpu: string;
}

export interface BenchOptions {
  /** Timed runs per figure (at least 5). */
  runs: number;
  /** Time budget of one run, and of the warm-up, in milliseconds. */
  runMs: number;
}

export interface BenchGroup {
  group: string;
  run(options: BenchOptions): Promise<Figure[]> | Figure[];
}

export interface MeasureSpec {
  name: string;
  /** E.g. "lookups/s". */
  unit: string;
  target: number | null;
  /** Operations one call of `batch` performs. */
  opsPerCall: number;
  /** Performs opsPerCall operations and returns a checksum of their results. */
  batch: () => number;
  /** The checksum every call must return (computed from a reference); if absent, the first call's. */
  expect?: number;
  /** At most this many calls per run (besides the time budget), for slow baselines. */
  maxCalls?: number;
}

export const MIN_RUNS = 5;

export function machine(): Machine {
  const cpus = os.cpus();
  return { nproc: cpus.length, node: process.version, cpu: cpus[0]?.model.trim() ?? 'unknown' };
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function now(): number {
  return performance.now();
}

/** Measures one figure: a warm-up, then `runs` timed runs; the figure is their median. */
export function measure(spec: MeasureSpec, options: BenchOptions): Figure {
  const runs = Math.max(MIN_RUNS, options.runs);
  const maxCalls = spec.maxCalls ?? Number.POSITIVE_INFINITY;
  let expected = spec.expect;
  const check = (sum: number): void => {
    if (expected === undefined) expected = sum;
    else if (sum !== expected) {
      throw new Error(`bench ${spec.name}: a batch returned checksum ${sum}, expected ${expected} (results differ between calls)`);
    }
  };

  const timedRun = (budgetMs: number): number => {
    let calls = 0;
    const start = now();
    let elapsed = 0;
    do {
      check(spec.batch());
      calls++;
      elapsed = now() - start;
    } while (elapsed < budgetMs && calls < maxCalls);
    return (calls * spec.opsPerCall) / (elapsed / 1000);
  };

  progress(`  ${spec.name}: warm-up`);
  timedRun(options.runMs);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const rate = timedRun(options.runMs);
    rates.push(rate);
    progress(`  ${spec.name}: run ${r + 1}/${runs} ${formatRate(rate)} ${spec.unit}`);
  }
  rates.sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const median = rates.length % 2 === 1 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return { name: spec.name, unit: spec.unit, median, min: rates[0]!, max: rates[rates.length - 1]!, target: spec.target };
}

export function formatRate(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(2)} k`;
  return v.toFixed(2);
}

/** The summary table: name, unit, median, min, max, target, ratio of the median to the target. */
export function table(figures: Figure[]): string {
  const header = ['name', 'unit', 'median', 'min', 'max', 'target', 'ratio'];
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    formatRate(f.median),
    formatRate(f.min),
    formatRate(f.max),
    f.target === null ? '-' : formatRate(f.target),
    f.target === null ? '-' : `${(f.median / f.target).toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
