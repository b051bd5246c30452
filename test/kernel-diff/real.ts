// The real side: runs a case's steps with the real `ip`, `iptables` and `ping` in real namespaces,
// and a small agent process (agent.js) per namespace for TCP and UDP. Every namespace created is
// recorded in `live` the moment it is asked for, so cleanup finds it whatever happens next.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import readline from 'node:readline';
import type { Case, Outcome, Step } from './model.js';
import { NETNS_SYSCTLS, PROBE_MS, SETTLE_MARGIN_MS, SETTLE_MAX_MS, SNMP_WAIT_MS, normaliseCounters, normalisePing, normaliseSnmp, parseSnmpTcp, transferLines } from './model.js';

/**
 * The iptables the real side runs for the command lines' `iptables`: iptables-legacy where it
 * exists, because the simulator models iptables 1.4.21 (x_tables), whose built-in chain policies
 * count the packets they decide; iptables-nft counts them differently. KD_IPTABLES overrides.
 */
export const REAL_IPTABLES = process.env.KD_IPTABLES ?? (existsSync('/usr/sbin/iptables-legacy') ? 'iptables-legacy' : 'iptables');

function realArgv(line: string): string[] {
  const argv = line.split(/\s+/);
  // ip netns exec NS iptables …
  if (argv[0] === 'ip' && argv[4] === 'iptables') argv[4] = REAL_IPTABLES;
  return argv;
}

/**
 * The agent's source, read once when the harness starts: each agent runs it with `node -e`, so a
 * rebuild of dist/ while the harness runs (another `tsc` in the same tree) cannot hand a starting
 * agent a half-written agent.js (an empty one exits at once, without a word).
 */
const AGENT_SOURCE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent.js'), 'utf8');

/** Namespaces that exist now because of us (created, not yet deleted). */
export const live = new Set<string>();
/** Agent processes running now. */
const agents = new Set<ChildProcess>();

export function run(argv: string[], timeoutMs = 20_000): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(t);
      resolve({ out: out + String(e), code: 127 });
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ out, code: code ?? 128 });
    });
  });
}

interface Seen {
  proto: string;
  peer: string;
  local: string;
}

class Agent {
  private readonly proc: ChildProcess;
  private readonly waiting = new Map<number, (m: Record<string, string>) => void>();
  private nextId = 1;
  private dead = false;
  readonly seen: Seen[] = [];
  readonly ready: Promise<void>;

  constructor(ns: string) {
    const argv = ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', AGENT_SOURCE];
    this.proc = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    agents.add(this.proc);
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    // An agent that dies (no such namespace, killed) answers every call, pending or later, with
    // an error rather than leaving the case waiting for ever.
    const die = (why: string): void => {
      agents.delete(this.proc);
      this.dead = true;
      ready();
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w({ error: `agent exited (${why})` });
      }
    };
    this.proc.on('exit', (code, sig) => die(String(sig ?? code)));
    this.proc.on('error', (e) => die(String(e)));
    const rl = readline.createInterface({ input: this.proc.stdout! });
    rl.on('line', (line) => {
      const m = JSON.parse(line) as Record<string, string>;
      if (m.ev === 'ready') ready();
      else if (m.ev === 'seen') this.seen.push({ proto: m.proto!, peer: m.peer!, local: m.local! });
      else {
        const w = this.waiting.get(Number(m.id));
        this.waiting.delete(Number(m.id));
        w?.(m);
      }
    });
  }

  async call(msg: Record<string, string | number>): Promise<Record<string, string>> {
    await this.ready;
    if (this.gone()) return { error: 'agent exited' };
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.stdin!.write(JSON.stringify({ ...msg, id }) + '\n');
    });
  }

  private gone(): boolean {
    return this.dead || this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.gone()) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGKILL');
    });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An SNAT to a port range (the rule sets use 2000-2100) picks a port by a keyed hash of the
 *  flow on Linux (nf_nat_l4proto_unique_tuple), so only "a port in the range" is comparable. */
function peerText(peer: string): string {
  const m = /^(.*):(\d+)$/.exec(peer);
  return m && Number(m[2]) >= 2000 && Number(m[2]) <= 2100 ? `${m[1]}:2000-2100` : peer;
}

export function seenLine(seen: Seen[]): string {
  return seen.length === 0 ? 'seen nothing' : 'seen ' + seen.map((s) => `${s.proto} ${peerText(s.peer)} > ${s.local}`).sort().join(', ');
}

/** Runs one case on the real kernel; returns one outcome per step. Always removes its namespaces. */
export async function runReal(c: Case): Promise<{ outcomes: Outcome[]; times: number[] }> {
  const ag = new Map<string, Agent>();
  const agentOf = (ns: string): Agent => {
    let a = ag.get(ns);
    if (a === undefined) ag.set(ns, (a = new Agent(ns)));
    return a;
  };
  const outcomes: Outcome[] = [];
  const times: number[] = [];
  const t0 = performance.now();
  try {
    for (const s of c.steps) {
      // A namespace's agent (a node process) takes 130 ms or more to start, longer under load. It
      // is started and waited for before the step's time is taken, so that the time given to the
      // simulator is when the probe really began: an ARP resolution or a retransmission started
      // by this step then fails or fires at the same moment on both sides.
      if (s.kind === 'tcp' || s.kind === 'udp' || s.kind === 'listen') await agentOf(s.ns).ready;
      if (s.kind === 'transfer') await Promise.all([agentOf(s.client).ready, agentOf(s.server).ready]);
      times.push(performance.now() - t0);
      outcomes.push(await step(s, agentOf, ag, c.namespaces));
    }
  } finally {
    await Promise.all([...ag.values()].map((a) => a.stop()));
    await removeNamespaces(c.namespaces);
  }
  return { outcomes, times };
}

/** The neighbours being resolved now in the case's namespaces, as `NS: ip neigh` lines. */
async function resolving(namespaces: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const ns of namespaces) {
    if (!live.has(ns)) continue;
    const r = await run(['ip', '-n', ns, 'neigh', 'show', 'nud', 'incomplete']);
    for (const l of r.out.split('\n')) if (l.trim() !== '') out.push(`${ns}: ${l.trim()}`);
  }
  return out;
}

async function step(s: Step, agentOf: (ns: string) => Agent, ag: Map<string, Agent>, namespaces: string[]): Promise<Outcome> {
  switch (s.kind) {
    case 'cmd': {
      const argv = realArgv(s.line);
      const m = /^ip netns add (\S+)$/.exec(s.line);
      if (m) live.add(m[1]!);
      const r = await run(argv);
      // The simulator models IPv4 only. Left on, IPv6 would add its own traffic (DAD, router and
      // MLD solicitations) to what VXLAN carries and iptables counts, so the harness turns it off
      // in every namespace it creates, before anything else happens there; the simulator gets
      // the same NETNS_SYSCTLS (sim.ts).
      if (m && r.code === 0) {
        const set = await run(['ip', 'netns', 'exec', m[1]!, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', ...NETNS_SYSCTLS]);
        if (set.code !== 0) return [`exit ${r.code}`, `harness sysctls failed: ${set.out.trim()}`];
      }
      return [`exit ${r.code}`];
    }
    case 'listen': {
      const r = await agentOf(s.ns).call({ op: 'listen', proto: s.proto, port: s.port });
      return [r.ok ? 'listening' : `listen failed: ${r.error}`];
    }
    case 'ping': {
      const argv = ['ip', 'netns', 'exec', s.ns, 'ping', '-n', '-c', '1', '-W', String(s.wait), ...(s.opts ? s.opts.split(/\s+/) : []), s.dst];
      const r = await run(argv);
      return [normalisePing(r.out, r.code)];
    }
    case 'tcp':
    case 'udp': {
      for (const a of ag.values()) a.seen.length = 0;
      const r = await agentOf(s.ns).call({ op: s.kind, dst: s.dst, dport: s.dport, sport: s.sport, ms: PROBE_MS });
      // Listener reports travel through another process: give them a moment to arrive, and more
      // when the probe succeeded (a listener then has something to report).
      await sleep(40);
      const all = (): Seen[] => [...ag.values()].flatMap((a) => a.seen);
      for (let i = 0; i < 50 && all().length === 0 && (r.result === 'connected' || r.result === 'reply'); i++) await sleep(10);
      const seen = all();
      const res = r.result === 'reply' ? `reply from ${r.from}` : (r.result ?? `agent error: ${r.error}`);
      return [`${res}; ${seenLine(seen)}`];
    }
    case 'real': {
      const r = await run(['sh', '-c', s.line]);
      return [r.code === 0 ? 'done' : `harness real-side step failed (exit ${r.code}): ${r.out.trim()}`];
    }
    case 'transfer': {
      const l = await agentOf(s.server).call({ op: 'tserve', port: s.port, size: s.size });
      if (!l.ok) return [`harness transfer server failed: ${l.error}`];
      const r = await agentOf(s.client).call({ op: 'tget', dst: s.dst, port: s.port, size: s.size, ms: s.ms, sport: s.sport ?? 0 });
      await sleep(SNMP_WAIT_MS);
      const snmp = async (ns: string) => parseSnmpTcp((await run(['ip', 'netns', 'exec', ns, 'cat', '/proc/net/snmp'])).out);
      const end = r.result === 'closed' ? 'closed' : r.result === 'timeout' ? 'timeout' : (r.result ?? `agent error: ${r.error}`);
      return transferLines(s, Number(r.got ?? 0), end, await snmp(s.client), await snmp(s.server));
    }
    case 'counters': {
      const r = await run(['ip', 'netns', 'exec', s.ns, REAL_IPTABLES, '-t', s.table, '-nvxL']);
      return normaliseCounters(r.out, r.code);
    }
    case 'snmp': {
      const snmp = await run(['ip', 'netns', 'exec', s.ns, 'cat', '/proc/net/snmp']);
      const links = await run(['ip', 'netns', 'exec', s.ns, 'ip', '-s', 'link']);
      return normaliseSnmp(snmp.out, snmp.code, links.out, links.code);
    }
    case 'settle': {
      const until = performance.now() + SETTLE_MAX_MS;
      for (let pending = await resolving(namespaces); pending.length > 0; pending = await resolving(namespaces)) {
        if (performance.now() > until) return [`still resolving after ${SETTLE_MAX_MS} ms: ${pending.join('; ')}`];
        await sleep(50);
      }
      await sleep(SETTLE_MARGIN_MS);
      return ['settled'];
    }
  }
}

export async function removeNamespaces(names: Iterable<string>): Promise<void> {
  for (const n of names) {
    if (!live.has(n)) continue;
    await run(['ip', 'netns', 'delete', n]);
    live.delete(n);
  }
}

/** Synchronous last-resort cleanup (signal handlers, exit): kills agents, deletes namespaces. */
export function cleanupSync(): void {
  for (const p of agents) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const n of live) {
    try {
      execFileSync('ip', ['netns', 'delete', n], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/** Deletes leftovers of earlier runs: namespaces named kd<pid>-… whose process is gone. */
export function sweepLeftovers(): number {
  let names: string[] = [];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n !== '');
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    const m = /^kd(\d+)-/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = false;
    if (pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) continue;
    try {
      execFileSync('ip', ['netns', 'delete', n], { stdio: 'ignore' });
      removed++;
    } catch {
      /* raced */
    }
  }
  return removed;
}
