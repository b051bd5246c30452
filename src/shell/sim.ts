// What the shell's programs reach beyond their own process: the kernel world, the Docker engines,
// the swarm, the apps' shared state, and each host's userland (its files and package database).
// The shell declares what it needs; scenario/simulation.ts builds the one object that holds them,
// and every command gets it through its context (Ctx.sim).
import type { EtcdCluster } from '../apps/etcd.js';
import type { SwarmWorld } from '../agent/swarm-world.js';
import type { Docker } from '../docker/engine.js';
import type { Host } from '../kernel/host.js';
import type { Netns } from '../kernel/netns.js';
import type { World } from '../kernel/world.js';
import type { Files } from './program.js';

/** One host's userland: what its disk keeps for the shell's programs. */
export class Userland {
  /** The host's own files (what `cat` reads and a scenario's `files:` writes). */
  readonly files: Files = new Map();
  /** The optional packages installed (shell/packages.ts); null = all of them (hosts that predate
   *  `packages:`). */
  packages: Set<string> | null = null;
  /** nstat's history (its /tmp/.nstat.u0) per namespace: the counters at the last `nstat` that
   *  updated it. */
  readonly nstat = new Map<Netns, Map<string, number>>();
  /** The volumes docker-compose created on this host's engine (it says "Creating volume" the
   *  first time only). */
  readonly composeVolumes = new Set<string>();
}

/** The simulation as the shell sees it. */
export interface ShellSim {
  readonly world: World;
  /** The Docker engines of the world, with their shared registries and cluster store. */
  readonly docker: Docker;
  /** Swarm mode: the cluster, each node's agent and session. */
  readonly swarm: SwarmWorld;
  /** The etcd members the seeds start for pre-swarm overlays (one cluster per world). */
  readonly etcd: EtcdCluster;
  /** A host's userland, made on first use. */
  userland(host: Host): Userland;
}
