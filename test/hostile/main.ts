// Replays the hostile corpus and prints one JSON line per case: { id, ms, outcome, problem }.
// `node dist/test/hostile/main.js [--seed N] [--only ID]`; the suite (corpus.test.ts) runs it in a
// child process so that a hang is killed by a timeout instead of stalling the tests. Each case's
// id goes to stderr before it runs: after a timeout the last one named is the culprit.
import { hostileCases, runCases, verdict } from './corpus.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const seed = Number(opt('--seed') ?? 22);
const only = opt('--only');
const maxMs = Number(opt('--max-ms') ?? 10_000);
const cases = hostileCases(seed).filter((c) => only === undefined || c.id === only);
const started = (id: string): void => {
  process.stderr.write(`${id}\n`);
};
started(cases[0]?.id ?? '');
runCases(cases, (c, r) => {
  process.stdout.write(JSON.stringify({ id: r.id, ms: Math.round(r.ms), cpuMs: Math.round(r.cpuMs), outcome: r.outcome, problem: verdict(c, r, maxMs), command: (c.command ?? c.scenario ?? '').slice(0, 300) }) + '\n');
  const next = cases[cases.indexOf(c) + 1];
  if (next !== undefined) started(next.id);
});

