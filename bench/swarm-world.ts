// Swarm worlds for the swarm benchmarks, built the way the scenario runner builds them
// (src/scenario/world.ts buildWorld: one Docker engine per host on one LAN), then driven with the
// docker command lines a user would type (src/shell/exec.ts startCommand), the simulated clock
// running until each command finishes.
import { formatIp4 } from '../src/core/addr.js';
import type { Host } from '../src/kernel/host.js';
import type { World } from '../src/kernel/world.js';
import { loadScenario } from '../src/scenario/load.js';
import { buildWorld } from '../src/scenario/world.js';
import { startCommand } from '../src/shell/exec.js';
import type { Simulation } from '../src/scenario/simulation.js';
import { SEC } from '../src/sim/clock.js';

/** The LAN: 10.128.0.0/16 holds up to 65,000 hosts (node k is 10.128.0.0 + 10 + k). */
const LAN = 0x0a800000;
const LAN_LEN = 16;

export function nodeIp(k: number): number {
  return (LAN + 10 + k) >>> 0;
}

export interface SwarmSetup {
  /** The simulation around the world (its Docker engines and swarm). */
  sim: Simulation;
  world: World;
  /** The swarm nodes; nodes[0] is the manager that ran `docker swarm init`. */
  nodes: Host[];
  /** Hosts without Docker. */
  others: Host[];
}

/** Runs one command line on `host` until it finishes (at most `limit` of simulated time); returns what it printed. */
export function sh(sim: Simulation, host: Host, line: string, limit = 3600 * SEC): string {
  const world = sim.world;
  let out = '';
  const c = startCommand(sim, host, host.root, line, { write: (t: string) => (out += t) });
  if (!c.done) world.eq.runWhile(() => !c.done, world.eq.now + limit);
  if (!c.done || c.code !== 0) throw new Error(`${host.name}: ${line}: ${c.done ? `exit ${c.code}` : 'did not finish'}: ${out}`);
  return out;
}

/**
 * A world of `n` Docker hosts (node1 … nodeN) and `others` hosts without Docker, all on one LAN;
 * node1 runs `docker swarm init` (with `initFlags`), the others `docker swarm join` with the worker token.
 */
export function buildSwarm(n: number, others: string[], seed: number, built: () => void = () => undefined, initFlags = ''): SwarmSetup {
  // A scenario text without steps, loaded and built as `swarmsim run` does.
  const lines = [`name: bench swarm of ${n} nodes`, `seed: ${seed}`, 'hosts:'];
  for (let k = 1; k <= n; k++) lines.push(`  - { name: node${k}, ip: ${formatIp4(nodeIp(k))}/${LAN_LEN} }`);
  others.forEach((name, i) => lines.push(`  - { name: ${name}, ip: ${formatIp4(nodeIp(n + 1 + i))}/${LAN_LEN}, docker: false }`));
  const sim = buildWorld(loadScenario('bench.yaml', `${lines.join('\n')}\n`));
  const world = sim.world;
  built();
  const nodes: Host[] = [];
  for (let k = 1; k <= n; k++) nodes.push(world.hosts.get(`node${k}`)!);
  const manager = nodes[0]!;
  const managerIp = formatIp4(nodeIp(1));
  sh(sim, manager, `docker swarm init --advertise-addr=${managerIp}${initFlags === '' ? '' : ` ${initFlags}`}`);
  const token = sh(sim, manager, 'docker swarm join-token worker -q').trim();
  for (let k = 1; k < nodes.length; k++) sh(sim, nodes[k]!, `docker swarm join --token ${token} ${managerIp}:2377`);
  return { world, sim, nodes, others: others.map((name) => world.hosts.get(name)!) };
}
