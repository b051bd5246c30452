// Converging a big swarm: `nodes` Docker hosts join one swarm, then `services` detached services of
// `replicas` replicas each are created on the manager (busybox looping on sleep: no network, no
// published port), and the simulated clock runs until every task is Running (checked through the
// cluster state and on the engines: one running container per task, on the node it was given).
// Run as a script (`node --expose-gc dist/bench/swarm-converge.js NODES SERVICES REPLICAS`), it
// converges once and prints a ConvergeReport as JSON on stdout (progress on stderr).
import { pathToFileURL } from 'node:url';
import type { World } from '../src/kernel/world.js';
import type { Simulation } from '../src/scenario/simulation.js';
import { SEC } from '../src/sim/clock.js';
import { buildSwarm, sh } from './swarm-world.js';

export interface ConvergeResult {
  world: World;
  /** Wall time of the whole run (joining included), in seconds. */
  seconds: number;
  /** Wall time of each phase, in seconds. */
  phases: { build: number; join: number; create: number; converge: number };
  /** Simulated time from the first `service create` until every task ran, in seconds. */
  simSeconds: number;
  tasks: number;
}

export function converge(nodes: number, services: number, replicas: number, seed = 7, log: (m: string) => void = () => undefined): ConvergeResult {
  const t0 = performance.now();
  const { sim, nodes: hosts, phases: p0 } = timedBuild(nodes, seed);
  const world = sim.world;
  const manager = hosts[0]!;
  const t1 = performance.now();
  log(`    ${nodes} nodes joined in ${((t1 - t0) / 1000).toFixed(1)} s (build ${p0.build.toFixed(1)} s)`);
  const sim0 = world.eq.now;
  for (let s = 1; s <= services; s++) {
    sh(sim, manager, `docker service create -d --name s${s} --replicas ${replicas} busybox sh -c "while true; do sleep 3600; done"`);
  }
  const t2 = performance.now();
  log(`    ${services} services created in ${((t2 - t1) / 1000).toFixed(1)} s`);
  const cluster = sim.swarm.cluster!;
  const want = services * replicas;
  const allRunning = (): boolean => {
    let n = 0;
    for (const t of cluster.tasks.values()) if (t.desiredState === 'running' && t.state === 'running') n++;
    return n === want;
  };
  // Poll the state once per simulated 100 ms (as `docker service create` without -d does).
  let done = false;
  const poll = (): void => {
    if (allRunning()) done = true;
    else world.eq.after(SEC / 10, poll);
  };
  poll();
  world.eq.runWhile(() => !done, world.eq.now + 3600 * SEC);
  if (!done) throw new Error(`converge: not every task runs after an hour of simulated time`);
  const t3 = performance.now();
  const simSeconds = (world.eq.now - sim0) / SEC;
  log(`    ${want} tasks running after ${simSeconds.toFixed(1)} simulated s, ${((t3 - t2) / 1000).toFixed(1)} s wall`);
  verify(sim, want);
  return {
    world, seconds: (t3 - t0) / 1000, simSeconds, tasks: want,
    phases: { build: p0.build, join: (t1 - t0) / 1000 - p0.build, create: (t2 - t1) / 1000, converge: (t3 - t2) / 1000 },
  };
}

/**
 * Every node's ingress sandbox takes an address on the ingress network, which is the first subnet
 * of the default address pool: a /24 unless told otherwise, 254 addresses, too few past ~250 nodes
 * (in Docker as here). The swarm is initialised with /20 pool subnets (4,094 addresses), whatever
 * its size, so that every size runs the same commands.
 */
const INIT_FLAGS = '--default-addr-pool 10.0.0.0/8 --default-addr-pool-mask-length 20';

/** What the script prints: the timings, and the memory of the process holding the converged world. */
export interface ConvergeReport {
  seconds: number;
  phases: ConvergeResult['phases'];
  simSeconds: number;
  tasks: number;
  /** Resident set after a full GC, the world still referenced, in bytes. */
  rss: number;
  /** The largest resident set the process had, in bytes. */
  maxRss: number;
  /** JS heap plus memory outside it (typed arrays) after the GC, in bytes. */
  heap: number;
  /** CPU time (user + system) the process spent until converged, in seconds: steadier than the
   *  wall time on a machine shared with other work. */
  cpu: number;
}

function main(argv: string[]): void {
  const [nodes, services, replicas] = argv.map(Number);
  if (![nodes, services, replicas].every((x) => Number.isInteger(x) && x! > 0)) {
    process.stderr.write('usage: node --expose-gc swarm-converge.js NODES SERVICES REPLICAS\n');
    process.exit(2);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('swarm-converge: run node with --expose-gc');
  const res = converge(nodes!, services!, replicas!, 7, (m) => process.stderr.write(`${m}\n`));
  const used = process.cpuUsage();
  gc();
  const m = process.memoryUsage();
  const report: ConvergeReport = {
    seconds: res.seconds, phases: res.phases, simSeconds: res.simSeconds, tasks: res.tasks,
    rss: m.rss, maxRss: process.resourceUsage().maxRSS * 1024, heap: m.heapUsed + m.external, cpu: (used.user + used.system) / 1e6,
  };
  // The world must live until measured.
  if (res.world.hosts.size !== nodes) throw new Error('swarm-converge: the world lost hosts');
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));

function timedBuild(nodes: number, seed: number): { sim: Simulation; nodes: ReturnType<typeof buildSwarm>['nodes']; phases: { build: number } } {
  const t = performance.now();
  let built = 0;
  const s = buildSwarm(nodes, [], seed, () => (built = performance.now()), INIT_FLAGS);
  return { sim: s.sim, nodes: s.nodes, phases: { build: (built - t) / 1000 } };
}

/** Every task runs in a running container of its own node's engine, with the task's labels. */
function verify(sim: Simulation, want: number): void {
  const world = sim.world;
  const cluster = sim.swarm.cluster!;
  const docker = sim.docker;
  let seen = 0;
  const perNode = new Map<string, number>();
  for (const h of world.hosts.values()) {
    const d = docker.daemon(h);
    if (d === undefined) continue;
    const node = cluster.nodeFor(h.name);
    if (node === null) throw new Error(`converge: ${h.name} is not in the swarm`);
    for (const c of d.containers.values()) {
      const id = c.labels['com.docker.swarm.task.id'];
      if (id === undefined) continue;
      const t = cluster.tasks.get(id);
      if (t === undefined || t.nodeId !== node.id || t.state !== 'running' || c.state !== 'running') {
        throw new Error(`converge: container ${c.name} on ${h.name} does not match its task`);
      }
      seen++;
      perNode.set(h.name, (perNode.get(h.name) ?? 0) + 1);
    }
  }
  if (seen !== want) throw new Error(`converge: ${seen} task containers running, expected ${want}`);
}
