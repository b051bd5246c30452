// The benchmark entry: `npm run bench` (node dist/bench/main.js) [--only GROUP[,GROUP]] [--json]
// [--runs N] [--ms MS]. A group is a module returning figures; add mesh, chain, swarm, ... to GROUPS.
import { type BenchGroup, type BenchOptions, type Figure, MIN_RUNS, machine, progress, table } from './harness.js';
import { chainBench } from './chain.bench.js';
import { lpmBench } from './lpm.bench.js';
import { meshBench } from './mesh.bench.js';
import { startupBench } from './startup.bench.js';
import { reachBench } from './reach.bench.js';
import { swarmBench } from './swarm.bench.js';
import { tcpBench } from './tcp.bench.js';
import { sweepBench } from './sweep.bench.js';
import { trafficBench } from './traffic.bench.js';

const GROUPS: BenchGroup[] = [
  { group: 'lpm', run: lpmBench },
  { group: 'mesh', run: meshBench },
  { group: 'chain', run: chainBench },
  { group: 'swarm', run: swarmBench },
  { group: 'tcp', run: tcpBench },
  { group: 'traffic', run: trafficBench },
  { group: 'startup', run: startupBench },
  { group: 'sweep', run: sweepBench },
  { group: 'reach', run: reachBench },
];

const USAGE = `usage: node dist/bench/main.js [--only GROUP[,GROUP...]] [--json] [--runs N] [--ms MS]
  --only   run only these groups (${GROUPS.map((g) => g.group).join(', ')}); may be repeated
  --json   print one JSON object { machine, figures } on stdout and nothing else
  --runs   timed runs per figure (default 5, at least ${MIN_RUNS})
  --ms     time budget of one run in milliseconds (default 200)`;

interface Args {
  only: Set<string> | null;
  json: boolean;
  options: BenchOptions;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: null, json: false, options: { runs: 5, runMs: 200 } };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) fail(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') args.json = true;
    else if (arg === '--only') {
      args.only ??= new Set();
      for (const g of value(++i, arg).split(',')) if (g !== '') args.only.add(g);
    } else if (arg === '--runs') {
      const n = Number(value(++i, arg));
      if (!Number.isInteger(n) || n < MIN_RUNS) fail(`--runs must be an integer ≥ ${MIN_RUNS}`);
      args.options.runs = n;
    } else if (arg === '--ms') {
      const n = Number(value(++i, arg));
      if (!Number.isFinite(n) || n <= 0) fail('--ms must be a positive number');
      args.options.runMs = n;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  if (args.only !== null) {
    const unknown = [...args.only].filter((g) => !GROUPS.some((x) => x.group === g));
    if (unknown.length > 0) fail(`unknown group ${unknown.join(', ')}; groups: ${GROUPS.map((g) => g.group).join(', ')}`);
  }
  return args;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const m = machine();
  const machineLine = `machine: nproc ${m.nproc}, node ${m.node}, cpu ${m.cpu}`;
  if (args.json) progress(machineLine);
  else process.stdout.write(`${machineLine}\n`);

  const figures: Figure[] = [];
  for (const g of GROUPS) {
    if (args.only !== null && !args.only.has(g.group)) continue;
    progress(`group ${g.group}`);
    const started = performance.now();
    figures.push(...(await g.run(args.options)));
    progress(`group ${g.group}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  if (args.json) process.stdout.write(`${JSON.stringify({ machine: m, figures }, null, 2)}\n`);
  else process.stdout.write(`\n${table(figures)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
