// All the Docker engines of one simulated world, with what they share: the image registries and
// (pre-swarm overlays) the cluster store.
import type { Host } from '../kernel/host.js';
import type { World } from '../kernel/world.js';
import { Daemon } from './daemon.js';
import { Registry } from './images.js';
import { ClusterStore } from './store.js';

export class Docker {
  readonly daemons = new Map<string, Daemon>();
  readonly registry = new Registry();
  /** The etcd cluster the seeds start for pre-swarm overlays: one per world, shared by every daemon
   *  started with --cluster-store. */
  readonly store = new ClusterStore();

  constructor(readonly world: World) {}

  /** Installs Docker on a host; by default the daemon starts with it, as docker.service does at boot. */
  install(host: Host, start = true): Daemon {
    const d = new Daemon(this.world, host, this.registry, this.store);
    this.daemons.set(host.name, d);
    if (start) d.start();
    return d;
  }

  daemon(host: Host): Daemon | undefined {
    return this.daemons.get(host.name);
  }
}
