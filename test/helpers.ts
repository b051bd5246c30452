// Small builders the tests share: a world from a scenario text, a command run to completion.
import { execFileSync } from 'node:child_process';
import { InputError } from '../src/core/errors.js';
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/scenario/run.js';
import type { RunResult } from '../src/scenario/run.js';
import { World } from '../src/kernel/world.js';
import type { Host } from '../src/kernel/host.js';
import type { Netns } from '../src/kernel/netns.js';
import { parseCidr } from '../src/core/addr.js';
import { startCommand } from '../src/shell/exec.js';
import { Simulation } from '../src/scenario/simulation.js';
import { SEC } from '../src/sim/clock.js';

/** The simulation around a test's world, made on first use (a replay's own, for the world runText gives): tests build a bare World and run
 *  commands on it, and the commands keep their state (files, Docker) from one `sh` to the next. */
const sims = new WeakMap<World, Simulation>();

export function simOf(w: World): Simulation {
  let s = sims.get(w);
  if (s === undefined) sims.set(w, (s = new Simulation(w)));
  return s;
}

export function runText(yaml: string, file = 'test.yaml', opts: { conservation?: boolean } = {}): { res: RunResult; transcript: string } {
  let transcript = '';
  const res = runScenario(loadScenario(file, yaml), { print: (t) => (transcript += t), ...opts });
  sims.set(res.world, res.sim);
  return { res, transcript };
}

/** The error a bad scenario text is refused with (file:line:col and the message). */
export function loadError(yaml: string): InputError {
  try {
    loadScenario('bad.yaml', yaml);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

export function world(hosts: Array<[string, string]>, seed = 1): World {
  const w = new World(seed);
  for (const [name, cidr] of hosts) {
    const c = parseCidr(cidr)!;
    w.addHost(name, c.addr, c.len);
  }
  return w;
}

/** Runs one command line to completion on the simulated clock; returns what it printed and its exit code. */
export function sh(w: World, host: Host, line: string, ns: Netns = host.root): { out: string; code: number } {
  let out = '';
  const c = startCommand(simOf(w), host, ns, line, { write: (t) => (out += t) });
  w.eq.runWhile(() => !c.done, w.eq.now + 3600 * SEC);
  if (!c.done) throw new Error(`command did not finish: ${line}`);
  return { out, code: c.code };
}

/** One host with namespaces a (10.1.0.1 on va) and b (10.1.0.2 on vb) joined by a veth pair, all up. */
export function vethPair(extra: string[] = []) {
  const w = world([['n1', '192.168.205.10/24']]);
  const h = w.hosts.get('n1')!;
  for (const line of [
    'ip netns add a', 'ip netns add b', 'ip link add va type veth peer name vb',
    'ip link set va netns a', 'ip link set vb netns b',
    'ip netns exec a ip addr add 10.1.0.1/24 dev va', 'ip netns exec b ip addr add 10.1.0.2/24 dev vb',
    'ip netns exec a ip link set va up', 'ip netns exec b ip link set vb up',
    'ip netns exec a ip link set lo up', 'ip netns exec b ip link set lo up',
    ...extra,
  ]) {
    const r = sh(w, h, line);
    if (r.code !== 0) throw new Error(`${line}: exit ${r.code}: ${r.out}`);
  }
  return { w, h, a: h.named.get('a')!, b: h.named.get('b')! };
}

/** Runs the shipped executable (the bundle `bin` in package.json names) as a user would: through
 *  its `#!` line, with the node flags that line gives. */
export function swarmsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('dist/cli/bin.js', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, stdout: x.stdout, stderr: x.stderr };
  }
}
