// Converging a big swarm: `nodes` Docker hosts join one swarm, then `services` detached services of
// `replicas` replicas each are created on the manager (busybox looping on sleep: no network, no
// published port), and the simulated clock runs until every task is Running (checked through the
// cluster state and on the engines: one running container per task, on the node it was given).
import type { World } from '../src/kernel/world.js';
import { swarmOf } from '../src/agent/swarm-world.js';
import { dockerOf } from '../src/docker/engine.js';
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
  const { world, nodes: hosts, phases: p0 } = timedBuild(nodes, seed);
  const manager = hosts[0]!;
  const t1 = performance.now();
  log(`    ${nodes} nodes joined in ${((t1 - t0) / 1000).toFixed(1)} s (build ${p0.build.toFixed(1)} s)`);
  const sim0 = world.eq.now;
  for (let s = 1; s <= services; s++) {
    sh(world, manager, `docker service create -d --name s${s} --replicas ${replicas} busybox sh -c "while true; do sleep 3600; done"`);
  }
  const t2 = performance.now();
  log(`    ${services} services created in ${((t2 - t1) / 1000).toFixed(1)} s`);
  const cluster = swarmOf(world).cluster!;
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
  verify(world, want);
  return {
    world, seconds: (t3 - t0) / 1000, simSeconds, tasks: want,
    phases: { build: p0.build, join: (t1 - t0) / 1000 - p0.build, create: (t2 - t1) / 1000, converge: (t3 - t2) / 1000 },
  };
}

function timedBuild(nodes: number, seed: number): { world: World; nodes: ReturnType<typeof buildSwarm>['nodes']; phases: { build: number } } {
  const t = performance.now();
  let built = 0;
  const s = buildSwarm(nodes, [], seed, () => (built = performance.now()));
  return { world: s.world, nodes: s.nodes, phases: { build: (built - t) / 1000 } };
}

/** Every task runs in a running container of its own node's engine, with the task's labels. */
function verify(world: World, want: number): void {
  const cluster = swarmOf(world).cluster!;
  const docker = dockerOf(world);
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
