// The swarm side of a simulated world: at most one cluster, one agent per member node, and the
// glue between them and the hosts (which host can reach which, for Raft and heartbeats).
import { networkOf, parseCidr } from '../core/addr.js';
import type { Ip4 } from '../core/addr.js';
import type { Daemon } from '../docker/daemon.js';
import type { World } from '../kernel/world.js';
import { SwarmCluster, SwarmError } from '../swarm/cluster.js';
import type { SwarmNode } from '../swarm/model.js';
import { Agent } from './agent.js';

/** What `docker swarm init` may set for the whole cluster, and the first node's data path address. */
export interface InitOptions {
  readonly pools?: readonly string[];
  readonly maskLength?: number;
  readonly dataPathPort?: number;
  readonly dataPathAddr?: Ip4;
}

export class SwarmWorld {
  cluster: SwarmCluster | null = null;
  readonly agents = new Map<string, Agent>();

  constructor(readonly world: World) {}

  private reach(a: string, b: string): boolean {
    const lan = this.world.lan;
    const na = lan.nicOf(a);
    const nb = lan.nicOf(b);
    if (na === undefined || nb === undefined) return false;
    return this.up(a) && this.up(b) && na.running() && nb.running() && lan.reachable(na, nb) && lan.reachable(nb, na);
  }

  private up(host: string): boolean {
    const h = this.world.hosts.get(host);
    return h !== undefined && !h.down;
  }

  /** docker swarm init on `d`'s host. */
  init(d: Daemon, addr: Ip4, o: InitOptions = {}): SwarmNode {
    if (this.cluster !== null && this.cluster.nodeFor(d.host.name) !== null) {
      throw new SwarmError('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    }
    if (this.cluster !== null) throw new SwarmError('This simulation holds one swarm; this node would start a second one.');
    // moby 19.03 daemon/cluster/swarm.go Init: validateDefaultAddrPool, then getDataPathPort.
    const mask = o.maskLength ?? 24;
    if (mask > 29) throw new SwarmError(`subnet size is out of range: ${mask}`);
    const pools: Array<{ addr: number; len: number }> = [];
    for (const text of o.pools ?? []) {
      const t = text.trim();
      const c = t.includes('/') ? parseCidr(t) : null;
      if (c === null) throw new SwarmError(`invalid base pool ${t}: invalid CIDR address: ${t}`);
      if (mask < c.len) throw new SwarmError(`invalid CIDR: "${t}". Subnet size is too small for pool: ${mask}`);
      pools.push({ addr: networkOf(c.addr, c.len), len: c.len });
    }
    const port = o.dataPathPort ?? 0;
    if (port !== 0 && (port < 1024 || port > 49151)) throw new SwarmError(`Datapath port number is not in valid range (1024-49151) : ${port}`);
    const cluster = new SwarmCluster(
      d.rng.hex(25), d.host.rng, this.world.eq,
      { reach: (a, b) => this.reach(a, b), up: (h) => this.up(h) },
      () => ({}),
      pools.length === 0 ? [{ addr: 0x0a000000, len: 8 }] : pools,
      mask,
      port === 0 ? 4789 : port,
    );
    this.cluster = cluster;
    // The ingress network is created with the cluster (19.03.5+: first /24 of the pool, VNI 4096).
    cluster.createNetwork('ingress', { subnet: null, gateway: null, ingress: true, attachable: false, encrypted: false, internal: false, labels: {}, options: {} });
    const node = cluster.addNode(d.host.name, 'manager', addr, 2e9, 2 * 1024 ** 3);
    if (o.dataPathAddr !== undefined) node.dataAddr = o.dataPathAddr;
    this.startAgent(d, node);
    cluster.commit();
    return node;
  }

  join(d: Daemon, addr: Ip4, token: string, remote: string, dataPathAddr?: Ip4): SwarmNode {
    const cluster = this.cluster;
    if (cluster !== null && cluster.nodeFor(d.host.name) !== null) {
      throw new SwarmError('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    }
    // The manager is whichever host has that address, on any of its NICs (eth1 on the seeds' hosts).
    const managerHost = [...this.world.hosts.values()].find((h) => h.root.deviceList().some((dev) => dev.kind === 'ether' && dev.primaryAddr() === parseCidr(remote.split(':')[0]!)?.addr));
    if (cluster === null || managerHost === undefined || cluster.nodeFor(managerHost.name)?.role !== 'manager' || !this.reach(d.host.name, managerHost.name)) {
      throw new SwarmError('Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.');
    }
    if (token !== cluster.workerToken && token !== cluster.managerToken) {
      throw new SwarmError('rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster');
    }
    if (cluster.currentLeader() === null) throw new SwarmError('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.');
    const node = cluster.addNode(d.host.name, token === cluster.managerToken ? 'manager' : 'worker', addr, 2e9, 2 * 1024 ** 3);
    if (dataPathAddr !== undefined) node.dataAddr = dataPathAddr;
    this.startAgent(d, node);
    cluster.commit();
    return node;
  }

  private startAgent(d: Daemon, node: SwarmNode): void {
    // Every node's overlays use the cluster's data path port; its VTEP is its data path address.
    d.vxlanPort = this.cluster!.dataPathPort;
    d.dataPathAddr = node.dataAddr;
    const a = new Agent(this.cluster!, d, node.id);
    this.agents.set(d.host.name, a);
  }

  leave(d: Daemon, force: boolean): void {
    const cluster = this.cluster;
    const node = cluster?.nodeFor(d.host.name) ?? null;
    if (cluster === null || node === null) throw new SwarmError('This node is not part of a swarm');
    if (node.role === 'manager' && !force) {
      const managers = cluster.managers().length;
      throw new SwarmError(`You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves ${managers - 1} managers out of ${managers}. Without a Raft quorum your swarm will be inaccessible. The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`);
    }
    this.agents.get(d.host.name)?.leave();
    this.agents.delete(d.host.name);
    // A worker that leaves stays in the node list as Down until removed (docker node rm).
    node.status = 'down';
    cluster.nodeOfHost.delete(d.host.name);
    if (node.role === 'manager') cluster.removeNode(node);
    else cluster.commit();
    if (cluster.managers().length === 0) this.cluster = null;
  }

  nodeOf(d: Daemon): SwarmNode | null {
    return this.cluster?.nodeFor(d.host.name) ?? null;
  }
}

const worlds = new WeakMap<World, SwarmWorld>();

export function swarmOf(world: World): SwarmWorld {
  let s = worlds.get(world);
  if (s === undefined) worlds.set(world, (s = new SwarmWorld(world)));
  return s;
}
