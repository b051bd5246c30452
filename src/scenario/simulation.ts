// One simulation: the kernel world and what runs on it, each layer's state held here and owned by
// its layer (the Docker engines by docker/, the swarm by agent/, etcd by apps/, each host's files
// and packages by shell/). Built once per scenario (or test) and passed down explicitly: commands
// get it through their context, so nothing attaches state to a host or world on the side.
import { EtcdCluster } from '../apps/etcd.js';
import { SwarmWorld } from '../agent/swarm-world.js';
import { Docker } from '../docker/engine.js';
import type { Host } from '../kernel/host.js';
import type { World } from '../kernel/world.js';
import { Userland } from '../shell/sim.js';
import type { ShellSim } from '../shell/sim.js';

export class Simulation implements ShellSim {
  readonly etcd = new EtcdCluster();
  readonly docker: Docker;
  readonly swarm: SwarmWorld;
  private readonly userlands = new Map<Host, Userland>();

  constructor(readonly world: World) {
    this.docker = new Docker(world);
    // What dockerd stores through --cluster-store=etcd://… is what etcd holds.
    this.etcd.kv = () => this.docker.store.keys();
    this.swarm = new SwarmWorld(world);
  }

  userland(host: Host): Userland {
    let u = this.userlands.get(host);
    if (u === undefined) this.userlands.set(host, (u = new Userland()));
    return u;
  }
}
