// The Docker differential check (issue 23): generated sequences of docker commands replayed on
// a real dockerd (in namespaces of its own) and in swarmsim, compared after every step.
//
//   node dist/test/docker-diff/main.js [--seed N] [--cases N] [--jobs N] [--only ID]
//                                      [--family F] [--no-hand] [--min-agree N] [-v]
//
// Needs root, `ip netns`, and Debian's docker.io, containerd, runc, busybox-static, iptables,
// bridge-utils and wget; without them it says why and skips (exit 0, or 1 under --min-agree);
// where dockerd cannot start it says why and skips (exit 0). Ends with the line
// "N cases agree, M disagree"; every disagreement is printed in full with a replay command.
// Exit status as the kernel harness's: without --min-agree, 1 on any disagreement or error; with
// it, 1 when fewer than N cases agree or any case errors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { sweepLeftovers } from '../kernel-diff/real.js';
import { FAMILIES, IP_OF, OPEN_FAMILIES, generate } from './gen.js';
import { seed004 } from './hand.js';
import type { Case, Names, Outcome, Step } from './model.js';
import { describeStep, normalise, normalisePingTimes } from './model.js';
import { observationLines } from './observe.js';
import type { Observation } from './observe.js';
import { DOCKER_CLI, RealDocker, buildRootfs, cleanupSync, scratch, sweepDockerLeftovers } from './real.js';
import { SimDocker } from './sim.js';
import { normaliseCli } from './versions.js';
import { InvalidArgumentError } from 'commander';
import { harnessArgs, harnessProgram, reportVerdict } from '../harness-args.js';
import type { HarnessArgs } from '../harness-args.js';

interface Args extends HarnessArgs {
  family: string | null;
}

function parseArgs(argv: string[]): Args {
  const families = [...FAMILIES, ...OPEN_FAMILIES] as string[];
  const p = harnessProgram('docker-diff', { cases: 300, jobs: 3 })
    .option('--family <f>', `run only one family (${families.join(', ')})`, (v) => {
      if (!families.includes(v)) throw new InvalidArgumentError(`--family wants one of ${families.join(', ')}, got ${v}`);
      return v;
    })
    .parse(argv, { from: 'user' });
  return { ...harnessArgs(p), family: (p.opts().family as string | undefined) ?? null };
}

/** Why the real side cannot run here, or null when it can. */
function unavailable(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  for (const [f, pkg] of [['/usr/sbin/dockerd', 'docker.io'], [DOCKER_CLI, 'docker.io'], ['/usr/bin/containerd', 'containerd'], ['/usr/sbin/runc', 'runc'], ['/bin/busybox', 'busybox-static'], ['/usr/sbin/iptables-legacy', 'iptables'], ['/usr/sbin/brctl', 'bridge-utils'], ['/usr/bin/nsenter', 'util-linux'], ['/usr/bin/wget', 'wget']] as const) {
    if (!existsSync(f)) return `no ${f} (Debian package ${pkg})`;
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
  } catch (e) {
    return `ip netns does not work: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
  return null;
}

/** A container's first address (by network name) in an observation: what `@ip:NAME` stands for. */
function ipOf(obs: Observation | null, name: string): string {
  for (const c of (obs?.containerJson ?? []) as Array<Record<string, any>>) {
    if (String(c.Name) !== `/${name}`) continue;
    const nets = (c.NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>;
    for (const n of Object.keys(nets).sort()) if (nets[n]?.IPAddress) return nets[n]!.IPAddress!;
  }
  return '0.0.0.0';
}

function resolved(s: Step, obs: Observation | null): Step {
  if (s.kind !== 'ping') return s;
  const m = IP_OF.exec(s.dst);
  return m ? { ...s, dst: ipOf(obs, m[1]!) } : s;
}

function outcomeLines(result: Outcome, obs: Observation, names: Names, line: string, restarted: boolean): Outcome {
  return [...normaliseCli(line, normalisePingTimes(normalise(result.join('\n'), names).split('\n'))), ...observationLines(obs, names, restarted)];
}

interface Run {
  real: Outcome[];
  sim: Outcome[];
  error: boolean;
}

/** Where the real side's time goes (ms): resets, steps, observations. */
export const timing = { reset: 0, step: 0, observe: 0 };

async function runCase(c: Case, real: RealDocker, seed: number, full: boolean): Promise<Run> {
  const out: Run = { real: [], sim: [], error: false };
  {
    const t = performance.now();
    const err = await real.reset(full);
    timing.reset += performance.now() - t;
    if (err !== null) return { real: [[`harness reset: ${err}`]], sim: [], error: true };
  }
  let sim: SimDocker;
  try {
    sim = new SimDocker(seed);
  } catch (e) {
    return { real: [], sim: [[`simulator threw: ${(e as Error).stack ?? e}`]], error: true };
  }
  let lastReal: Observation | null = null;
  let lastSim: Observation | null = null;
  let restarted = false;
  for (const s of c.steps) {
    if (s.kind === 'restart') restarted = true;
    try {
      const rs = resolved(s, lastReal);
      const t0 = performance.now();
      const r = await real.step(rs);
      const t1 = performance.now();
      const { obs, names } = await real.observe();
      timing.step += t1 - t0;
      timing.observe += performance.now() - t1;
      lastReal = obs;
      out.real.push(outcomeLines(r, obs, names, describeStep(rs), restarted));
      if (r.some((l) => l.startsWith('harness '))) out.error = true;
    } catch (e) {
      out.real.push([`real side threw: ${(e as Error).stack ?? e}`]);
      out.error = true;
    }
    try {
      const ss = resolved(s, lastSim);
      const r = sim.step(ss);
      const { obs, names } = sim.observe();
      lastSim = obs;
      out.sim.push(outcomeLines(r, obs, names, describeStep(ss), restarted));
    } catch (e) {
      out.sim.push([`simulator threw: ${(e as Error).stack ?? e}`]);
      out.error = true;
    }
    if (out.error) break;
  }
  return out;
}

function diff(real: Outcome[], sim: Outcome[]): number[] {
  const bad: number[] = [];
  for (let i = 0; i < Math.max(real.length, sim.length); i++) if (JSON.stringify(real[i]) !== JSON.stringify(sim[i])) bad.push(i);
  return bad;
}

/** Splits an outcome into its result and titled sections. */
function sections(o: Outcome): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let cur = 'result';
  m.set(cur, []);
  for (const l of o) {
    if (l.startsWith('## ')) m.set((cur = l.slice(3)), []);
    else m.get(cur)!.push(l);
  }
  return m;
}

/** A line diff (longest common subsequence): each line tagged as on both sides, only real's or
 *  only the simulator's, in order — so a rule in another place shows as one line moved. */
function lineDiff(a: string[], b: string[]): Array<[string, string]> {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: Array<[string, string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(['  both', a[i]!]);
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(['  real', a[i++]!]);
    else out.push(['   sim', b[j++]!]);
  }
  return out;
}

function report(c: Case, run: Run, bad: number[], seed: number, label: string): string {
  let s = `\n=== ${label} case ${c.id} (${c.family}); replay: npm run test:docker -- --seed ${seed} --only ${c.id}\n`;
  c.steps.forEach((st, i) => {
    s += `${bad.includes(i) ? '!!' : '  '} ${String(i).padStart(3)} ${describeStep(st)}\n`;
    if (!bad.includes(i)) return;
    const r = sections(run.real[i] ?? ['(missing)']);
    const m = sections(run.sim[i] ?? ['(missing)']);
    for (const k of new Set([...r.keys(), ...m.keys()])) {
      const a = r.get(k) ?? ['(no such section)'];
      const b = m.get(k) ?? ['(no such section)'];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      s += `       [${k}]\n`;
      for (const [tag, l] of lineDiff(a, b)) s += `        ${tag}: ${l}\n`;
    }
  });
  return s;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // A machine without what the real side needs fails a --min-agree gate, as the kernel check's
  // does (CI installs it first); one where dockerd cannot start at all skips, saying why.
  const skip = (why: string, gate = true): void => {
    console.log(`docker-diff: skipped: ${why}`);
    if (gate && args.minAgree !== null && args.minAgree > 0) {
      console.log(`docker-diff: FAIL: 0 cases agree, fewer than --min-agree ${args.minAgree}`);
      process.exitCode = 1;
    }
    console.log('0 cases agree, 0 disagree');
  };
  const why = unavailable();
  if (why !== null) return skip(why);
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\ndocker-diff: ${sig}: stopping the daemons and removing their namespaces`);
    cleanupSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => cleanupSync());
  const swept = sweepDockerLeftovers() + sweepLeftovers();
  if (swept > 0) console.log(`docker-diff: removed ${swept} leftover(s) of earlier runs`);

  let cases: Case[] = [];
  if (args.hand) cases.push(seed004());
  const families = args.family === null ? FAMILIES : [args.family];
  for (let i = 0; i < args.cases; i++) cases.push(generate(args.seed, i, families));
  if (args.only !== null) cases = cases.filter((c) => c.id === args.only);
  const jobs = Math.max(1, Math.min(args.jobs, cases.length));
  console.log(`docker-diff: seed ${args.seed}, ${cases.length} cases, ${jobs} dockerd(s) at a time (${execFileSync(DOCKER_CLI, ['--version'], { encoding: 'utf8' }).trim()})`);

  const rootfs = mkdtempSync(`/tmp/kd${process.pid}-rootfs-`);
  scratch.add(rootfs);
  buildRootfs(rootfs);
  const t0 = Date.now();
  let agree = 0;
  let disagree = 0;
  const errored: string[] = [];
  const byFamily = new Map<string, [number, number]>();
  let next = 0;
  let done = 0;
  let startFailure: string | null = null;
  const worker = async (w: number): Promise<void> => {
    const real = new RealDocker(`dd${w}`);
    try {
      const err = await real.setUp(rootfs);
      if (err !== null) {
        startFailure ??= err;
        return;
      }
      // Every case starts on a daemon that has run before (as the seeds' machines had): the
      // first one after a full reset, later ones after one when the case before restarted the
      // daemon, went into swarm mode or errored.
      let full = true;
      while (!stopping && next < cases.length) {
        const c = cases[next++]!;
        const run = await runCase(c, real, args.seed, full);
        // Always a full reset: removing what a case made leaves libnetwork's pool choice moved on
        // (the next network gets 172.19 where a fresh daemon gives 172.18).
        full = true;
        const bad = run.error && diff(run.real, run.sim).length === 0 ? [0] : diff(run.real, run.sim);
        if (run.error) errored.push(c.id);
        const f = byFamily.get(c.family) ?? [0, 0];
        if (bad.length === 0) {
          agree++;
          f[0]++;
          if (args.verbose) console.log(report(c, run, [], args.seed, 'agree'));
        } else {
          disagree++;
          f[1]++;
          console.log(report(c, run, bad, args.seed, run.error ? 'ERROR' : 'DISAGREE'));
        }
        byFamily.set(c.family, f);
        if (++done % 25 === 0) console.log(`docker-diff: ${done}/${cases.length} cases run (${Math.round((Date.now() - t0) / 1000)} s)`);
      }
    } finally {
      await real.tearDown();
    }
  };
  await Promise.all(Array.from({ length: jobs }, (_, w) => worker(w)));
  rmSync(rootfs, { recursive: true, force: true });
  if (done === 0 && startFailure !== null) return skip(`dockerd cannot start here: ${startFailure}`, false);
  const fam = [...byFamily].sort().map(([k, [a, d]]) => `${k} ${a}/${a + d}`).join(', ');
  console.log(`docker-diff: by family (agree/total): ${fam}; ${Math.round((Date.now() - t0) / 1000)} s (real side, summed over the daemons: resets ${Math.round(timing.reset / 1000)} s, steps ${Math.round(timing.step / 1000)} s, observations ${Math.round(timing.observe / 1000)} s)`);
  reportVerdict('docker-diff', args, agree, disagree, errored);
}

main().catch((e) => {
  console.error(e);
  cleanupSync();
  process.exit(2);
});
