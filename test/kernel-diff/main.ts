// The differential harness (issue 8): the same generated topologies, rules and probes on the real
// Linux kernel and in the simulator, compared step by step.
//
//   node dist/test/kernel-diff/main.js [--seed N] [--cases N] [--jobs N] [--only ID] [--no-hand] [--no-tcp]
//                                      [--min-agree N] [--devices] [-v]
//
// Needs root and a working `ip netns`; otherwise it says why and skips (exit 0, or 1 under
// --min-agree, where a skip counts as 0 cases agreeing). Ends with the line
// "N cases agree, M disagree"; every disagreement is printed in full. Exit status: without
// --min-agree, 1 when any case disagrees or errors; with --min-agree N, 1 when fewer than N cases
// agree or any case errors (a side threw, the harness could not set a namespace up, a real
// probe's agent died), else 0 whatever the disagreements.
import { execFileSync } from 'node:child_process';
import { programs } from '../../src/shell/registry.js';
import '../../src/shell/commands.js';
import { generate } from './gen.js';
import type { RuleSet } from './gen.js';
import { handCases } from './hand.js';
import { tcpCases } from './tcp.js';
import { fragCases } from './frag.js';
import type { Case, Outcome } from './model.js';
import { compare, describeStep } from './model.js';
import { REAL_IPTABLES, cleanupSync, live, runReal, sweepLeftovers } from './real.js';
import { runSim } from './sim.js';
import { RULE_SETS } from './rules.js';
import { harnessArgs, harnessProgram, reportVerdict } from '../harness-args.js';
import type { HarnessArgs } from '../harness-args.js';

interface Args extends HarnessArgs {
  tcp: boolean;
}

function parseArgs(argv: string[]): Args {
  const p = harnessProgram('kernel-diff', { cases: 520, jobs: 6 })
    .option('--no-tcp', 'leave out the TCP transfer cases')
    .option('--devices', 'also compare per-device packet counts')
    .parse(argv, { from: 'user' });
  if (p.opts().devices === true) compare.devices = true;
  return { ...harnessArgs(p), tcp: p.opts().tcp as boolean };
}

/** Why the real side cannot run here, or null when it can. */
function unavailable(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  const probe = `kd${process.pid}-check`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return `ip netns add fails: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
  try {
    execFileSync('ip', ['netns', 'exec', probe, 'ip', 'link', 'add', 'kdv0', 'type', 'veth', 'peer', 'name', 'kdv1'], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', probe, 'ping', '-c', '1', '-W', '1', '-q', '127.0.0.1'], { stdio: 'pipe' });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    return `veth or ping in a namespace fails: ${String(err.stderr ?? e).trim()}`;
  } finally {
    try {
      execFileSync('ip', ['netns', 'delete', probe], { stdio: 'ignore' });
    } catch {
      /* nothing */
    }
  }
  return null;
}

function diff(real: Outcome[], sim: Outcome[]): number[] {
  const bad: number[] = [];
  for (let i = 0; i < Math.max(real.length, sim.length); i++) {
    if (JSON.stringify(real[i]) !== JSON.stringify(sim[i])) bad.push(i);
  }
  return bad;
}

function report(c: Case, real: Outcome[], sim: Outcome[], bad: number[], seed: number): string {
  let s = `\n=== DISAGREE case ${c.id} (${c.family}); replay: node dist/test/kernel-diff/main.js --seed ${seed} --only ${c.id}\n`;
  c.steps.forEach((st, i) => {
    const mark = bad.includes(i) ? '!!' : '  ';
    s += `${mark} ${String(i).padStart(3)} ${describeStep(st)}\n`;
    if (st.kind !== 'cmd' || bad.includes(i)) {
      const r = real[i] ?? ['(missing)'];
      const m = sim[i] ?? ['(missing)'];
      if (bad.includes(i)) {
        const n = Math.max(r.length, m.length);
        for (let j = 0; j < n; j++) {
          if (r[j] === m[j]) s += `          both: ${r[j]}\n`;
          else s += `          real: ${r[j] ?? '(none)'}\n           sim: ${m[j] ?? '(none)'}\n`;
        }
      } else for (const l of r) s += `          both: ${l}\n`;
    }
  });
  return s;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const why = unavailable();
  if (why !== null) {
    console.log(`kernel-diff: skipped: ${why}`);
    if (args.minAgree !== null && args.minAgree > 0) {
      console.log(`kernel-diff: FAIL: 0 cases agree, fewer than --min-agree ${args.minAgree}`);
      console.log('0 cases agree, 0 disagree');
      process.exitCode = 1;
    }
    return;
  }
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.error(`\nkernel-diff: ${sig}: removing ${live.size} namespace(s)`);
    cleanupSync();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => cleanupSync());
  const swept = sweepLeftovers();
  if (swept > 0) console.log(`kernel-diff: removed ${swept} leftover namespace(s) of earlier runs`);

  const withIptables = programs.has('iptables');
  const ruleSets: RuleSet[] = withIptables ? RULE_SETS : [];
  const prefix = (tag: string): string => `kd${process.pid}-${tag}-`;
  let cases: Case[] = [];
  if (args.hand) cases.push(...handCases((i) => prefix(`h${i}`), withIptables));
  if (args.tcp) cases.push(...tcpCases(prefix), ...fragCases(prefix));
  for (let i = 0; i < args.cases; i++) cases.push(generate(args.seed, i, prefix(String(i)), { ruleSets }));
  if (args.only !== null) cases = cases.filter((c) => c.id === args.only);
  console.log(`kernel-diff: seed ${args.seed}, ${cases.length} cases, ${args.jobs} at a time${withIptables ? `; real side's iptables: ${REAL_IPTABLES}` : ' (no iptables in the simulator yet: rule sets off)'}`);

  let agree = 0;
  let disagree = 0;
  const errored: string[] = [];
  const families = new Map<string, [number, number]>();
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (!stopping && next < cases.length) {
      const c = cases[next++]!;
      let real: Outcome[];
      let times: number[] = [];
      let error = false;
      try {
        ({ outcomes: real, times } = await runReal(c));
      } catch (e) {
        real = [[`real side threw: ${(e as Error).stack ?? e}`]];
        error = true;
      }
      let sim: Outcome[];
      try {
        sim = runSim(c, args.seed, times);
      } catch (e) {
        sim = [[`simulator threw: ${(e as Error).stack ?? e}`]];
        error = true;
      }
      // The harness could not set a namespace up, or a real probe's agent died: not a comparison.
      if ([...real, ...sim].some((o) => o.some((l) => /^harness |agent (error|exited)/.test(l)))) error = true;
      if (error) errored.push(c.id);
      const bad = error && diff(real, sim).length === 0 ? [0] : diff(real, sim);
      const f = families.get(c.family) ?? [0, 0];
      if (bad.length === 0) {
        agree++;
        f[0]++;
        if (args.verbose) console.log(report(c, real, sim, [], args.seed).replace('DISAGREE', 'agree'));
      } else {
        disagree++;
        f[1]++;
        console.log(error ? report(c, real, sim, bad, args.seed).replace('DISAGREE', 'ERROR') : report(c, real, sim, bad, args.seed));
      }
      families.set(c.family, f);
      if (++done % 50 === 0) console.log(`kernel-diff: ${done}/${cases.length} cases run (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, args.jobs) }, worker));
  const fam = [...families].sort().map(([k, [a, d]]) => `${k} ${a}/${a + d}`).join(', ');
  console.log(`kernel-diff: by family (agree/total): ${fam}; ${Math.round((Date.now() - t0) / 1000)} s`);
  reportVerdict('kernel-diff', args, agree, disagree, errored);
}

main().catch((e) => {
  console.error(e);
  cleanupSync();
  process.exit(2);
});
