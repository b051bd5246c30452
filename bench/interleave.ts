// Interleaved measurement, for figures meant to be compared as ratios: each spec gets its warm-up,
// then run r of every spec is timed before run r+1 of any, so that drift in a noisy machine's speed
// hits all of them alike; a ratio is then taken run by run (paired) and summarised by its median,
// min and max. Same rules as harness.ts's measure(): each run calls the batch for the time budget,
// every call's checksum must equal the expected one.
import { type BenchOptions, type Figure, MIN_RUNS, type MeasureSpec, formatRate, progress } from './harness.js';

export interface Series {
  spec: MeasureSpec;
  /** Operations per second of each timed run, in run order. */
  rates: number[];
}

function timedRun(spec: MeasureSpec, budgetMs: number, check: (sum: number) => void): number {
  const maxCalls = spec.maxCalls ?? Number.POSITIVE_INFINITY;
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    check(spec.batch());
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs && calls < maxCalls);
  return (calls * spec.opsPerCall) / (elapsed / 1000);
}

export function measureInterleaved(specs: MeasureSpec[], options: BenchOptions): Series[] {
  const runs = Math.max(MIN_RUNS, options.runs);
  const checks = specs.map((spec) => {
    let expected = spec.expect;
    return (sum: number): void => {
      if (expected === undefined) expected = sum;
      else if (sum !== expected) {
        throw new Error(`bench ${spec.name}: a batch returned checksum ${sum}, expected ${expected} (results differ between calls)`);
      }
    };
  });
  specs.forEach((spec, i) => {
    progress(`  ${spec.name}: warm-up`);
    timedRun(spec, options.runMs, checks[i]!);
  });
  const series: Series[] = specs.map((spec) => ({ spec, rates: [] }));
  for (let r = 0; r < runs; r++) {
    specs.forEach((spec, i) => {
      const rate = timedRun(spec, options.runMs, checks[i]!);
      series[i]!.rates.push(rate);
      progress(`  ${spec.name}: run ${r + 1}/${runs} ${formatRate(rate)} ${spec.unit}`);
    });
  }
  return series;
}

export function summary(values: number[]): { median: number; min: number; max: number } {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]! };
}

export function figureOf(s: Series): Figure {
  return { name: s.spec.name, unit: s.spec.unit, ...summary(s.rates), target: s.spec.target };
}

/** `num`'s rate over `den`'s, run by run (the runs were interleaved, so run r of each is paired). */
export function ratioFigure(name: string, num: Series, den: Series, target: number | null): Figure {
  const ratios = num.rates.map((r, i) => r / den.rates[i]!);
  return { name, unit: 'ratio', ...summary(ratios), target };
}
