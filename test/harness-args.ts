// The options both differential harnesses take (test/kernel-diff, test/docker-diff), declared once
// with commander; each harness adds its own (--no-tcp, --devices, --family) to the same program.
import { Command, InvalidArgumentError } from 'commander';

export interface HarnessArgs {
  seed: number;
  cases: number;
  jobs: number;
  only: string | null;
  hand: boolean;
  verbose: boolean;
  /** The gate: exit 1 below this many agreeing cases or on any error; null: exit 1 on any disagreement. */
  minAgree: number | null;
}

function whole(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} wants a whole number, got ${v}`);
    return n;
  };
}

/** A program with the shared options; `parse` it after adding the harness's own. */
export function harnessProgram(name: string, defaults: { cases: number; jobs: number }): Command {
  return new Command(name)
    .option('--seed <n>', 'generator seed', whole('--seed'), 1)
    .option('--cases <n>', 'generated cases', whole('--cases'), defaults.cases)
    .option('--jobs <n>', 'cases run at once', whole('--jobs'), defaults.jobs)
    .option('--only <id>', 'run only this case')
    .option('--no-hand', 'leave out the hand-written cases')
    .option('--min-agree <n>', 'fail below this many agreeing cases (or on any error)', whole('--min-agree'))
    .option('-v, --verbose', 'print every case')
    .allowExcessArguments(false)
    .showHelpAfterError(false)
    .configureOutput({ outputError: (s, write) => write(s) })
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
}

/** The shared options of a parsed program. */
export function harnessArgs(p: Command): HarnessArgs {
  const o = p.opts<{ seed: number; cases: number; jobs: number; only?: string; hand: boolean; verbose?: boolean; minAgree?: number }>();
  return { seed: o.seed, cases: o.cases, jobs: o.jobs, only: o.only ?? null, hand: o.hand, verbose: o.verbose === true, minAgree: o.minAgree ?? null };
}

/** The last lines both harnesses print and their exit status: without --min-agree, 1 on any
 *  disagreement or error; with it, 1 when fewer cases agree or any case errored. */
export function reportVerdict(tool: string, args: HarnessArgs, agree: number, disagree: number, errored: readonly string[]): void {
  if (errored.length > 0) console.log(`${tool}: ${errored.length} case(s) errored (counted as disagreeing): ${errored.join(', ')}`);
  if (args.minAgree === null) process.exitCode = disagree > 0 || errored.length > 0 ? 1 : 0;
  else {
    if (agree < args.minAgree) console.log(`${tool}: FAIL: ${agree} cases agree, fewer than --min-agree ${args.minAgree}`);
    if (errored.length > 0) console.log(`${tool}: FAIL: ${errored.length} case(s) errored`);
    process.exitCode = agree < args.minAgree || errored.length > 0 ? 1 : 0;
  }
  console.log(`${agree} cases agree, ${disagree} disagree`);
}
