// Replays a scenario: each step runs on its host at the current simulated time, prints what the
// real shell would print, and is checked against its expectations. Output is written as it is
// produced, so a later failure never hides what came before.
import { parseIp4 } from '../core/addr.js';
import { InputError } from '../core/errors.js';
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';
import { EventBudgetExceeded, SEC } from '../sim/clock.js';
import { UnknownCommand, hostEnv, hostPrompt, startIn } from '../shell/exec.js';
import type { Completion } from '../shell/exec.js';
import { Session } from '../shell/program.js';
import { hopText, renderTraceText, summarize, traceJson } from '../trace/render.js';
import { checkContains, checkInOrder, checkLacks } from './expect.js';
import type { CaptureStep, FaultStep, ReachStep, RunStep, Scenario, ServeStep, Step, TextMatcher, TraceStep, TrafficReportStep, TrafficStep, Where } from './model.js';
import { TrafficLoop } from './traffic.js';
import { checkReach, probeFlows, reachFlows } from './reach.js';
import { renderReach } from '../trace/reach.js';
import type { FlowResult } from '../trace/reach.js';
import { ClusterTimeline } from './timeline.js';
import { serve } from '../apps/responder.js';
import { sendProbe } from './probe.js';
import { buildWorld } from './world.js';
import type { Simulation } from './simulation.js';
import { attachLedger, ledgerFailures, ledgerSummary } from './conservation.js';
import type { Ledger } from '../kernel/ledger.js';
import { captureDevice, captureWorld, type CaptureFile } from './capture.js';
import { compileFilter } from '../capture/filter.js';

/** Simulated time a command may take before it is stopped (a ping without -c would run forever). */
export const COMMAND_LIMIT = 3600 * SEC;

/** The simulation one step may ask for, in events (a task's container counts 100): a step that
 *  needs more (tasks crash-looping with --restart-delay 0s for an hour, a traffic loop every 1ms
 *  for hours, `sleep: 720h` over a swarm) is refused at its line instead of running for minutes.
 *  Two million events take a few seconds; the shipped scenarios need under a thousand in all. */
export const STEP_EVENT_LIMIT = 2_000_000;

export interface StepResult {
  readonly line: number;
  readonly kind: Step['kind'] | 'conservation';
  readonly host: string | null;
  readonly command: string;
  readonly output: string;
  readonly exit: number | null;
  readonly failures: string[];
  readonly trace?: object;
}

export interface RunResult {
  readonly name: string;
  readonly file: string;
  readonly steps: StepResult[];
  readonly passed: boolean;
  /** The kernel world (sim.world). */
  readonly world: World;
  /** The simulation: the world and the Docker engines, swarm, etcd and userlands on it. */
  readonly sim: Simulation;
  /** Each host's terminal as the last step left it (nested shells included), and the saved
   *  values: what `swarmsim shell` carries on from. */
  readonly sessions: ReadonlyMap<string, Session>;
  readonly vars: Map<string, string>;
  /** The packet captures of `--pcap` and the capture steps, stopped: the caller writes them. */
  readonly captures: CaptureFile[];
  /** What RunOptions.record asked to keep, null otherwise. */
  readonly record: RunRecord | null;
}

/** What a replay keeps for `swarmsim view`: the cluster over time and every reach step's matrix. */
export interface RunRecord {
  readonly timeline: ClusterTimeline;
  readonly reach: Array<{ readonly line: number; readonly title: string; readonly results: FlowResult[] }>;
}

export interface RunOptions {
  /** Called with each step's transcript text as soon as it is known. */
  readonly print?: (text: string) => void;
  /** Capture every device of every host from the start into this pcapng file (`--pcap`). */
  readonly pcap?: string;
  /** With `pcap`: only what this pcap-filter expression matches. */
  readonly pcapFilter?: string;
  /** Keep the cluster's timeline and the reach matrices (RunResult.record). */
  readonly record?: boolean;
  /** Check packet conservation even if the scenario does not ask (silently: the transcript is
   *  unchanged; a breach is a failure). The tests run every shipped scenario this way. */
  readonly conservation?: boolean;
}

/** The most a `save:` keeps (what a step printed, trimmed). */
export const SAVE_LIMIT = 1 << 20;
/** The longest command line after `${NAME}` expansion: Linux's ARG_MAX for exec (2 MiB). */
export const LINE_LIMIT = 2 << 20;

function expand(text: string, vars: Map<string, string>, at: Where): string {
  let size = text.length;
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = vars.get(name);
    if (v === undefined) throw new InputError(`\${${name}} is not defined (no earlier step saved it)`, at.line, at.col);
    // Checked as it grows, so that ${X}${X}… never builds the string it refuses.
    if ((size += v.length) > LINE_LIMIT) throw new InputError(`the text is longer than ${LINE_LIMIT} characters once \${…} are expanded (Linux's ARG_MAX for a command line)`, at.line, at.col);
    return v;
  });
  return out;
}

/** A command line's saved values (`${NAME}` of an earlier `save:`); other `${NAME}`s are the
 *  shell's own variables and are left for it to expand. */
function expandCommand(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => vars.get(name) ?? whole);
}

function namespace(host: Host, name: string | null, at: Where): Netns {
  if (name === null) return host.root;
  const ns = host.named.get(name);
  if (ns === undefined) throw new InputError(`host ${host.name} has no network namespace "${name}" at this step`, at.line, at.col);
  return ns;
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const sim = buildWorld(sc);
  const world = sim.world;
  const print = opts.print ?? (() => undefined);
  const vars = new Map<string, string>();
  const results: StepResult[] = [];
  // One terminal per host, so that `nsenter` or `docker exec -it … sh` carry over to the next steps.
  const sessions = new Map<string, Session>();
  for (const h of world.hosts.values()) sessions.set(h.name, new Session(hostEnv(sim, h), hostPrompt(h)));
  const loops = new Map<string, TrafficLoop>();
  const captures: CaptureFile[] = opts.pcap === undefined ? [] : [captureWorld(world, opts.pcap, opts.pcapFilter)];
  const record: RunRecord | null = opts.record === true ? { timeline: new ClusterTimeline(sim), reach: [] } : null;
  const ledger = sc.conservation !== null || opts.conservation === true ? attachLedger(world) : null;
  for (const step of sc.steps) {
    world.eq.limit = world.eq.executed + STEP_EVENT_LIMIT;
    try {
      const r =
        step.kind === 'run' ? runStep(sim, sessions.get(step.on)!, step, vars, print)
        : step.kind === 'trace' ? traceStep(sim, step, vars, print)
        : step.kind === 'serve' ? serveStep(world, step, print)
        : step.kind === 'fault' ? faultStep(world, step, print)
        : step.kind === 'traffic' ? trafficStep(sim, sessions, loops, step, vars, print, record)
        : step.kind === 'traffic_report' ? trafficReportStep(loops, step, print)
        : step.kind === 'reach' ? reachStep(sim, step, print, record)
        : step.kind === 'capture' ? captureStep(sim, step, vars, captures, print)
        : sleepStep(world, step.nanos, step.text, step.line, print);
      results.push(r);
      record?.timeline.attach();
    } catch (e) {
      // A command not modelled can surface later than its step started: a pipeline's later
      // stage, `ip netns exec … CMD`, a traffic loop's next run during this step.
      if (e instanceof UnknownCommand) throw new InputError(e.message, step.line, step.col);
      if (!(e instanceof EventBudgetExceeded)) throw e;
      throw new InputError(`this step needs more than ${STEP_EVENT_LIMIT} simulated events, swarmsim's limit for one step (at ${(world.eq.now / SEC).toFixed(3)} s of simulated time; see "Limits" in the README)`, step.line, step.col);
    }
  }
  world.eq.limit = Infinity;
  for (const c of captures) c.stop();
  // Asked for by the scenario, the check is a step of its own; forced by a test, it shows only when it fails.
  if (ledger !== null && (sc.conservation !== null || !ledger.holds())) results.push(conservationResult(sc, ledger, print));
  return { name: sc.name, file: sc.file, steps: results, passed: results.every((r) => r.failures.length === 0), world, sim, sessions, vars, captures, record };
}

function captureStep(sim: Simulation, step: CaptureStep, vars: Map<string, string>, captures: CaptureFile[], print: (t: string) => void): StepResult {
  const world = sim.world;
  const host = world.hosts.get(step.on)!;
  const ns = stepNamespace(sim, host, step, vars);
  const dev = step.dev === null ? null : ns.device(step.dev);
  if (dev === undefined) throw new InputError(`${host.name}/${ns.label} has no device "${step.dev}" at this step (it has: ${ns.deviceList().map((d) => d.name).join(', ')})`, step.line, step.col);
  captures.push(captureDevice(ns, dev, step.file, compileFilter(step.filter)));
  const title = `capture on ${host.name}/${ns.label}/${step.dev ?? 'any'}${step.filter === '' ? '' : ` (${step.filter})`} to ${step.file}`;
  print(`# ${title}\n`);
  return { line: step.line, kind: 'capture', host: host.name, command: title, output: '', exit: null, failures: [] };
}

function conservationResult(sc: Scenario, ledger: Ledger, print: (t: string) => void): StepResult {
  const failures = ledgerFailures(ledger);
  const output = sc.conservation !== null ? `# conservation: ${ledgerSummary(ledger)}\n` : '';
  if (output !== '') print(output);
  return { line: sc.conservation?.line ?? 1, kind: 'conservation', host: null, command: 'conservation', output, exit: null, failures };
}

function sleepStep(world: World, nanos: number, text: string, line: number, print: (t: string) => void): StepResult {
  world.eq.runUntil(world.eq.now + nanos);
  print(`# ${text} pass\n`);
  return { line, kind: 'sleep', host: null, command: `sleep ${text}`, output: '', exit: null, failures: [] };
}

function trafficStep(sim: Simulation, sessions: Map<string, Session>, loops: Map<string, TrafficLoop>, step: TrafficStep, vars: Map<string, string>, print: (t: string) => void, record: RunRecord | null): StepResult {
  const world = sim.world;
  const host = world.hosts.get(step.on)!;
  const session = sessions.get(step.on)!;
  const env = step.ns === null ? session.env : { ...session.env, ns: namespace(host, step.ns, step) };
  const command = expand(step.run, vars, step);
  const title = `traffic ${step.name}: while true; do ${command}; sleep ${step.every / SEC}; done &`;
  print(`${session.prompt}${title.slice(title.indexOf(':') + 2)}\n`);
  try {
    loops.set(step.name, new TrafficLoop(sim, session, env, command, step.every, record?.timeline.trafficLoop(step.name, command) ?? null));
  } catch (e) {
    if (e instanceof UnknownCommand) throw new InputError(e.message, step.line, step.col);
    throw e;
  }
  return { line: step.line, kind: 'traffic', host: host.name, command: title, output: '', exit: null, failures: [] };
}

function reachStep(sim: Simulation, step: ReachStep, print: (t: string) => void, record: RunRecord | null): StepResult {
  // Probes the world as it stands (they leave their conntrack entries, as traces do).
  const results = probeFlows(sim, reachFlows(sim, { from: step.from, count: step.count }), step.count);
  const title = `reach${step.from === null ? '' : ` from ${step.from.join(', ')}`}`;
  const text = renderReach(results, step.count);
  record?.reach.push({ line: step.line, title, results });
  print(`# ${title}\n${text}`);
  return { line: step.line, kind: 'reach', host: null, command: title, output: text, exit: null, failures: checkReach(sim, results, step.expect) };
}

function trafficReportStep(loops: Map<string, TrafficLoop>, step: TrafficReportStep, print: (t: string) => void): StepResult {
  const loop = loops.get(step.name)!;
  loop.stop();
  const text = loop.report(step.name);
  print(text);
  const failures: string[] = [];
  if (step.maxFailed !== null && loop.failed > step.maxFailed) failures.push(`${loop.failed} requests failed, at most ${step.maxFailed} expected`);
  failures.push(...checkContains('the summary', step.stdout, text), ...checkLacks('the summary', step.stdoutNot, text));
  return { line: step.line, kind: 'traffic_report', host: null, command: `traffic_report ${step.name}`, output: text, exit: null, failures };
}

function faultStep(world: World, step: FaultStep, print: (t: string) => void): StepResult {
  const f = step.fault;
  let title: string;
  if (f.kind === 'host') {
    world.hosts.get(f.host)!.down = f.down;
    title = `fault: ${f.host} powered ${f.down ? 'off' : 'on'}`;
  } else if (f.kind === 'link') {
    const nic = world.lan.nicOf(f.host)!;
    nic.cable = !f.down;
    title = `fault: ${f.host}'s LAN cable ${f.down ? 'unplugged' : 'plugged in'}`;
  } else if (f.kind === 'partition') {
    world.lan.setPartition(f.groups);
    title = `fault: LAN partitioned into ${f.groups.map((g) => `[${g.join(', ')}]`).join(' ')}`;
  } else if (f.kind === 'block' || f.kind === 'loss' || f.kind === 'delay') {
    const pf = world.lan.pathFaults(world.seed);
    const [a, b] = f.between;
    const dirs: Array<[string, string]> = f.oneway ? [[a, b]] : [[a, b], [b, a]];
    for (const [x, y] of dirs) {
      if (f.kind === 'block') (f.lift ? pf.unblock(x, y, f.rule) : pf.block(x, y, f.rule));
      else if (f.kind === 'loss') pf.setLoss(x, y, f.rate);
      else pf.setDelay(x, y, f.ns);
    }
    const path = f.oneway ? `from ${a} to ${b}` : `between ${a} and ${b}`;
    title = f.kind === 'block' ? `fault: ${f.rule.text} ${f.lift ? 'unblocked' : 'blocked'} ${path}`
      : f.kind === 'loss' ? `fault: ${Number((f.rate * 100).toFixed(2))}% packet loss ${path}`
        : `fault: ${f.ns / 1e6}ms extra delay ${path}`;
  } else if (f.between !== null) {
    const [a, b] = f.between;
    world.lan.faults?.clear(a, b);
    world.lan.faults?.clear(b, a);
    title = `fault: path between ${a} and ${b} healed`;
  } else {
    world.lan.setPartition(null);
    world.lan.faults?.clearAll();
    for (const h of world.hosts.values()) {
      const nic = world.lan.nicOf(h.name);
      if (nic !== undefined) nic.cable = true;
    }
    title = 'fault: LAN healed';
  }
  print(`# ${title}\n`);
  return { line: step.line, kind: 'fault', host: null, command: title, output: '', exit: null, failures: [] };
}

function serveStep(world: World, step: ServeStep, print: (t: string) => void): StepResult {
  const host = world.hosts.get(step.on)!;
  const ns = namespace(host, step.ns, step);
  const title = `serve ${step.proto}/${step.port} on ${host.name}/${ns.label}`;
  if (!serve(ns, step.proto, step.port, step.reply, { size: step.replySize, keepAlive: step.keepAlive })) throw new InputError(`${step.proto} port ${step.port} is already in use in ${host.name}/${ns.label}`, step.line, step.col);
  print(`# ${title}\n`);
  return { line: step.line, kind: 'serve', host: host.name, command: title, output: '', exit: null, failures: [] };
}

function runStep(sim: Simulation, session: Session, step: RunStep, vars: Map<string, string>, print: (t: string) => void): StepResult {
  const world = sim.world;
  const host = world.hosts.get(step.on)!;
  const line = expandCommand(step.run, vars);
  const env = step.ns === null ? session.env : { ...session.env, ns: namespace(host, step.ns, step) };
  const shown = step.ns === null ? line : `ip netns exec ${step.ns} ${line}`;
  // The lines after the first are shown after bash's continuation prompt (PS2, `> `).
  print(session.prompt + shown.split('\n').join('\n> ') + '\n');
  let output = '';
  let killed = false;
  const term = {
    write(text: string) {
      // A command the runner gave up on prints nothing more (it was interrupted).
      if (killed) return;
      output += text;
      print(text);
    },
  };
  let c: Completion;
  if (host.down) {
    // A powered-off machine cannot be reached to type anything.
    term.write(`ssh: connect to host ${host.name} port 22: No route to host\n`);
    c = { done: true, code: 255, interrupt: () => undefined };
  } else try {
    c = startIn(sim, session, env, line, term, step.stdin);
  } catch (e) {
    if (e instanceof UnknownCommand) throw new InputError(e.message, step.line, step.col);
    throw e;
  }
  const eq = world.eq;
  if (step.interrupt !== null && !c.done) {
    // ^C: the terminal echoes it, then SIGINT reaches the foreground job.
    const started = c;
    eq.after(step.interrupt, () => {
      if (started.done) return;
      term.write('^C');
      started.interrupt('INT');
      // bash starts a new line when the job died of the signal (a handler like ping's prints its own).
      if (started.done && started.code === 130) term.write('\n');
    });
  }
  eq.runWhile(() => !c.done, eq.now + COMMAND_LIMIT);
  // What the command set off at this instant (agents reacting to a commit) settles before the next step.
  eq.runUntil(eq.now);
  const failures: string[] = [];
  if (!c.done) {
    killed = true;
    failures.push(`the command did not finish within ${COMMAND_LIMIT / SEC} s of simulated time`);
  }
  const exit = c.done ? c.code : null;
  if (exit !== null && exit !== step.expect.exit) failures.push(`exit code was ${exit}, expected ${step.expect.exit}`);
  // Saved values may appear in the expected texts too (not in regexes).
  const withVars = (ms: TextMatcher[]): TextMatcher[] => ms.map((m) => ('text' in m ? { text: expand(m.text, vars, step) } : m));
  failures.push(...checkContains('the output', withVars(step.expect.stdout), output), ...checkLacks('the output', withVars(step.expect.stdoutNot), output));
  if (step.save !== null) {
    const kept = output.trim();
    if (kept.length > SAVE_LIMIT) throw new InputError(`save: ${step.save}: the command printed ${kept.length} characters, more than a saved variable keeps (${SAVE_LIMIT})`, step.line, step.col);
    vars.set(step.save, kept);
  }
  return { line: step.line, kind: 'run', host: host.name, command: shown, output, exit, failures };
}

/** A container's network namespace, by name or ID, on a host's Docker. */
export function containerNamespace(sim: Simulation, host: Host, ref: string): Netns | null {
  const c = sim.docker.daemon(host)?.findContainer(ref);
  return c === undefined || c === null ? null : c.sandbox;
}

/** The namespace a step names: `container:` (a container's, by name or ID), else `ns:` or the host's. */
function stepNamespace(sim: Simulation, host: Host, step: Where & { ns: string | null; container: string | null }, vars: Map<string, string>): Netns {
  if (step.container === null) return namespace(host, step.ns, step);
  const ref = expand(step.container, vars, step);
  const cns = containerNamespace(sim, host, ref);
  if (cns === null) throw new InputError(`host ${host.name} has no container "${ref}" at this step`, step.line, step.col);
  return cns;
}

function traceStep(sim: Simulation, step: TraceStep, vars: Map<string, string>, print: (t: string) => void): StepResult {
  const world = sim.world;
  const host = world.hosts.get(step.on)!;
  const ns = stepNamespace(sim, host, step, vars);
  const toText = expand(step.to, vars, step);
  const dst = parseIp4(toText);
  if (dst === null) throw new InputError(`trace destination "${toText}" is not an IPv4 address`, step.line, step.col);
  const title = `${step.proto} from ${host.name}/${ns.label} to ${toText}${step.port !== 0 ? `:${step.port}` : ''}`;
  const trace = sendProbe(world, ns, dst, step.port, step.proto, undefined, step.size);
  const text = renderTraceText(title, trace);
  print(text);
  const failures: string[] = [];
  const req = summarize(trace.outcome('request'));
  const e = step.expect;
  if (e.verdict !== null && req?.verdict !== e.verdict) failures.push(`the packet was ${req?.verdict ?? 'never sent'}${req?.reason ? ` (${req.reason})` : ''}, expected ${e.verdict}`);
  if (req !== null) {
    const lines = req.hops.map(hopText);
    failures.push(...checkInOrder('the path', e.path, lines));
    failures.push(...checkContains('the drop reason', e.reason, `${req.reason}\n${lines[lines.length - 1] ?? ''}`));
  }
  if (e.reply !== null) {
    const rep = summarize(trace.outcome('reply'));
    const got = rep === null ? 'none' : rep.verdict;
    if (got !== e.reply) failures.push(`the reply was ${got}, expected ${e.reply}`);
  }
  return { line: step.line, kind: 'trace', host: host.name, command: `trace ${title}`, output: text, exit: null, failures, trace: traceJson(title, trace) };
}
